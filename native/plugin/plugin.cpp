#include "plugin.h"

#include "error_codes.h"
#include "instance.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/stat.h>

#include <cstdlib>

namespace docker_plugin {

Plugin* Plugin::create(const ss_plugin_init_input* in, ss_plugin_rc* rc) {
    auto* p = new Plugin();
    if (in) p->m_logger = Logger(in->owner, in->log_fn);
    std::string error;
    if (!parse_config(in ? in->config : nullptr, p->m_config, error)) {
        p->set_error(error_message(ErrorCode::ConfigInvalid, error));
        *rc = SS_PLUGIN_FAILURE;
        return p;
    }
    if (p->m_config.uses_deprecated_flush_interval)
        p->m_logger.log(SS_PLUGIN_LOG_SEV_NOTICE,
                        "init_config.flushInterval is ignored: events are returned as soon as they arrive");
    if (p->m_config.ignores_node_path)
        p->m_logger.log(SS_PLUGIN_LOG_SEV_NOTICE, ("init_config.nodePath is ignored: the engine " +
                                                   p->m_config.engine_path + " runs without Node.js")
                                                      .c_str());
    *rc = SS_PLUGIN_SUCCESS;
    return p;
}

void Plugin::set_error(const std::string& message) {
    m_last_error = message;
    m_metrics.add(Metric::Errors);
}

Instance* Plugin::open(const char* params, ss_plugin_rc* rc) {
    auto instance = std::make_unique<Instance>(*this);
    std::string error;
    if (!instance->open(params ? params : "", error)) {
        set_error(error);
        *rc = SS_PLUGIN_FAILURE;
        return nullptr;
    }
    *rc = SS_PLUGIN_SUCCESS;
    m_open_instance = instance.get();
    return instance.release();
}

void Plugin::instance_closed(const Instance* instance) {
    if (m_open_instance == instance) m_open_instance = nullptr;
}

void Plugin::extract(const ss_plugin_event_input& evt, ss_plugin_field_extract_input& req) {
    if (m_open_instance) m_open_instance->note_extracted(evt.evt);
    m_extractor.extract(evt, req);
}

const char* Plugin::list_open_params(ss_plugin_rc* rc) {
    // An empty open_params (DOCKER_HOST, else the default socket) is always valid, but
    // the host refuses an empty "value", so only concrete endpoints are listed.
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartArray();
    auto suggest = [&w](const std::string& value, const std::string& desc) {
        w.StartObject();
        w.Key("value");
        w.String(value.c_str());
        w.Key("desc");
        w.String(desc.c_str());
        w.EndObject();
    };
    if (const char* env = std::getenv("DOCKER_HOST"); env && *env)
        suggest(env, "DOCKER_HOST of this environment (also used when open_params is empty)");
    struct stat st {};
    for (const char* socket : {"/var/run/docker.sock", "/run/podman/podman.sock"}) {
        if (stat(socket, &st) == 0 && S_ISSOCK(st.st_mode))
            suggest(std::string("unix://") + socket, std::string("the local API socket ") + socket);
    }
    if (std::getenv("DOCKER_HOST") == nullptr && stat("/var/run/docker.sock", &st) != 0)
        suggest("unix:///var/run/docker.sock", "Docker's default socket (not present now)");
    w.EndArray();
    m_open_params_json = sb.GetString();
    *rc = SS_PLUGIN_SUCCESS;
    return m_open_params_json.c_str();
}

}  // namespace docker_plugin
