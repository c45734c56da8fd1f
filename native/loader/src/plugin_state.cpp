#include "plugin_state.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "errors.h"

namespace loader {

HostState::HostState(std::shared_ptr<PluginLibrary> lib) : m_lib(std::move(lib)), m_api(m_lib->api()) {
    m_lib->ensureLoaded();
    m_evtsrc = m_lib->info().eventSource;
}

HostState::~HostState() {
    // Instances hold a reference to their state, so none is open here.
    std::lock_guard<std::mutex> lock(m_callMutex);
    destroyLocked();
}

void HostState::ensureAlive() const {
    if (!m_handle) throw LoaderError(codes::kState, "plugin " + m_lib->info().name + ": state has been destroyed");
}

void HostState::init(const std::string& config) {
    const PluginInfo& info = m_lib->info();
    if (m_handle || m_counted) throw LoaderError(codes::kState, "plugin has been initialized twice: " + info.name);

    // libsinsp's validate_config minus the JSON-Schema validation itself (the
    // TypeScript wrapper can do that): an empty config becomes "{}" when a JSON schema exists.
    m_config = config;
    if (info.hasInitSchema && !info.initSchema.empty() && info.initSchemaType != SS_PLUGIN_SCHEMA_NONE) {
        if (info.initSchemaType != SS_PLUGIN_SCHEMA_JSON) {
            throw LoaderError(codes::kConfig, "error in plugin " + info.name +
                                                  ": get_init_schema returned an unknown schema type " +
                                                  std::to_string(info.initSchemaType));
        }
        rapidjson::Document schema;
        schema.Parse<rapidjson::kParseCommentsFlag>(info.initSchema.c_str());
        if (schema.HasParseError() || !schema.IsObject()) {
            throw LoaderError(codes::kConfig,
                              "error in plugin " + info.name + ": get_init_schema did not return a json object");
        }
        if (m_config.empty()) m_config = "{}";
        rapidjson::Document conf;
        conf.Parse<rapidjson::kParseCommentsFlag>(m_config.c_str());
        if (conf.HasParseError()) {
            throw LoaderError(codes::kConfig, "error in plugin " + info.name + ": init config is not a valid json");
        }
    }

    falco_abi::InitInput in{};
    in.config = m_config.c_str();
    in.owner = owner();
    in.get_owner_last_error = &HostState::ownerLastError;
    in.tables = nullptr;
    in.log_fn = &HostState::logThunk;

    std::lock_guard<std::mutex> lock(m_callMutex);
    m_lib->stateCreated();
    m_counted = true;
    falco_abi::Rc rc = SS_PLUGIN_FAILURE;  // a plugin that forgets *rc fails
    m_handle = m_api.init(&in, &rc);
    if (rc != SS_PLUGIN_SUCCESS || !m_handle) {
        std::string why;
        if (rc == SS_PLUGIN_SUCCESS) {
            why = "init returned SUCCESS without a state";
        } else if (m_handle) {
            why = fromPluginString(m_api.get_last_error(m_handle));
        } else {
            why = "plugin handle or 'get_last_error' function not defined";
        }
        destroyLocked();
        throw LoaderError(codes::kInit, "could not initialize plugin: " + why);
    }

    // libsinsp resolves the extraction type filter right after init.
    if (info.capabilities & kCapExtraction) {
        if (m_api.get_extract_event_types) {
            uint32_t n = 0;
            const uint16_t* types = m_api.get_extract_event_types(&n, m_handle);
            if (types) {
                for (uint32_t i = 0; i < n; ++i) {
                    if (std::find(m_extractTypes.begin(), m_extractTypes.end(), types[i]) == m_extractTypes.end()) {
                        m_extractTypes.push_back(types[i]);
                    }
                }
            }
        }
        const auto& sources = info.extractEventSources;
        m_syscallCompatible = sources.empty() || std::find(sources.begin(), sources.end(), "syscall") != sources.end();
    }
}

bool HostState::acceptsEventType(uint16_t type) const {
    if (!m_extractTypes.empty())
        return std::find(m_extractTypes.begin(), m_extractTypes.end(), type) != m_extractTypes.end();
    return m_syscallCompatible || type == SS_PLUGIN_EVENT_TYPE_PLUGIN;
}

void HostState::destroy() {
    const int open = openInstances();
    if (open > 0) {
        throw LoaderError(codes::kState, "cannot destroy plugin " + m_lib->info().name + " state: " +
                                             std::to_string(open) + " instance(s) still open; close them first");
    }
    std::lock_guard<std::mutex> lock(m_callMutex);
    destroyLocked();
}

void HostState::destroyLocked() {
    if (m_handle) {
        m_api.destroy(m_handle);
        m_handle = nullptr;
    }
    if (m_counted) {
        m_counted = false;
        m_lib->stateDestroyed();
    }
}

const char* HostState::ownerLastError(falco_abi::OwnerHandle* o) {
    auto* self = reinterpret_cast<HostState*>(o);
    return self->m_ownerLastError.empty() ? nullptr : self->m_ownerLastError.c_str();
}

void HostState::logThunk(falco_abi::OwnerHandle* o, const char* component, const char* msg, int32_t severity) {
    auto* self = reinterpret_cast<HostState*>(o);
    LogEntry e{component ? std::string(component) : self->m_lib->info().name, msg ? std::string(msg) : std::string(),
               severity};
    std::lock_guard<std::mutex> lock(self->m_logMutex);
    if (self->m_logs.size() >= kMaxQueuedLogs) {
        self->m_logs.pop_front();
        ++self->m_droppedLogs;
    }
    self->m_logs.push_back(std::move(e));
}

std::vector<LogEntry> HostState::drainLogs() {
    std::lock_guard<std::mutex> lock(m_logMutex);
    std::vector<LogEntry> out;
    out.reserve(m_logs.size() + 1);
    if (m_droppedLogs > 0) {
        out.push_back({"loader", std::to_string(m_droppedLogs) + " log message(s) dropped (queue full)", 4});
        m_droppedLogs = 0;
    }
    for (auto& e : m_logs) out.push_back(std::move(e));
    m_logs.clear();
    return out;
}

std::vector<MetricSample> HostState::metrics() {
    ensureAlive();
    std::vector<MetricSample> out;
    if (!m_api.get_metrics) return out;
    uint32_t n = 0;
    const falco_abi::Metric* m = m_api.get_metrics(m_handle, &n);
    if (!m) return out;
    for (uint32_t i = 0; i < n; ++i) {
        MetricSample s;
        s.name = m_lib->info().name + "." + fromPluginString(m[i].name);
        s.type = m[i].type;
        s.valueType = m[i].value_type;
        s.value = m[i].value;
        out.push_back(std::move(s));
    }
    return out;
}

std::string HostState::lastErrorLocked() const { return fromPluginString(m_api.get_last_error(m_handle)); }

std::string HostState::lastError() {
    std::lock_guard<std::mutex> lock(m_callMutex);
    ensureAlive();
    return lastErrorLocked();
}

std::vector<OpenParam> HostState::listOpenParams() {
    std::lock_guard<std::mutex> lock(m_callMutex);
    ensureAlive();
    std::vector<OpenParam> out;
    if (!m_api.list_open_params) return out;
    const std::string prefix = "error in plugin " + m_lib->info().name + ": ";
    falco_abi::Rc rc = SS_PLUGIN_FAILURE;
    const std::string json = fromPluginString(m_api.list_open_params(m_handle, &rc));
    if (rc != SS_PLUGIN_SUCCESS) {
        throw LoaderError(codes::kOpenParams, prefix + "list_open_params has error " + lastErrorLocked());
    }
    if (json.empty()) return out;
    rapidjson::Document root;
    root.Parse<rapidjson::kParseCommentsFlag>(json.c_str());
    if (root.HasParseError() || !root.IsArray()) {
        throw LoaderError(codes::kOpenParams, prefix + "list_open_params returned a non-array JSON");
    }
    auto str = [](const rapidjson::Value& v, const char* key) {
        if (!v.IsObject()) return std::string();
        auto it = v.FindMember(key);
        return it != v.MemberEnd() && it->value.IsString()
                   ? std::string(it->value.GetString(), it->value.GetStringLength())
                   : std::string();
    };
    for (const auto& entry : root.GetArray()) {
        OpenParam p{str(entry, "value"), str(entry, "desc"), str(entry, "separator")};
        if (p.value.empty()) throw LoaderError(codes::kOpenParams, prefix + "list_open_params has entry with no value");
        out.push_back(std::move(p));
    }
    return out;
}

EventText HostState::eventToString(const falco_abi::Event* evt, size_t size, uint64_t evtnum) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(evt);
    std::string problem = describeEventProblem(bytes, size);
    if (!problem.empty()) throw LoaderError(codes::kEvent, "invalid event record: " + problem);
    uint32_t pluginId = 0;
    if (evt->type == SS_PLUGIN_EVENT_TYPE_PLUGIN) std::memcpy(&pluginId, bytes + SS_PLUGIN_EVENT_PLUGIN_ID_OFFSET, 4);
    if (evt->type != SS_PLUGIN_EVENT_TYPE_PLUGIN || pluginId != m_lib->info().id) {
        throw LoaderError(codes::kEvent, "can't format unknown non-plugin event to string");
    }
    uint32_t datalen = 0;
    std::memcpy(&datalen, bytes + 30, 4);
    const uint8_t* data = bytes + SS_PLUGIN_EVENT_PAYLOAD_OFFSET;

    EventText out{std::string(), true};
    {
        std::lock_guard<std::mutex> lock(m_callMutex);
        ensureAlive();
        if (m_api.event_to_string) {
            falco_abi::EventInput in{evt, evtnum, m_evtsrc.c_str()};
            out.text = fromPluginString(m_api.event_to_string(m_handle, &in));
        }
    }
    if (!out.text.empty()) return out;

    // libsinsp's fallback rendering.
    out.fromPlugin = false;
    out.text = "datalen=" + std::to_string(datalen) + " data=";
    const uint32_t shown = std::min<uint32_t>(datalen, 50);
    for (uint32_t i = 0; i < shown; ++i) {
        if (!std::isprint(data[i])) {
            out.text += "<binary>";
            return out;
        }
    }
    out.text.append(reinterpret_cast<const char*>(data), shown);
    if (datalen > 50) out.text += "...";
    return out;
}

std::string checkExtractResult(const falco_abi::ExtractField& f, const FieldInfo& info) {
    if (f.res_len == 0) return std::string();
    if (!info.isList && f.res_len > 1) {
        return "plugin returned " + std::to_string(f.res_len) + " values for non-list field " + info.name;
    }
    switch (info.ftype) {
        case FTYPE_STRING:
            if (!f.res.str) return "plugin returned a NULL string array for field " + info.name;
            for (uint64_t i = 0; i < f.res_len; ++i) {
                if (!f.res.str[i]) return "plugin returned a NULL string for field " + info.name;
            }
            return std::string();
        case FTYPE_BOOL:
            return f.res.boolean ? std::string() : "plugin returned a NULL bool array for field " + info.name;
        case FTYPE_IPADDR:
        case FTYPE_IPNET:
            if (!f.res.buf) return "plugin returned a NULL buffer array for field " + info.name;
            for (uint64_t i = 0; i < f.res_len; ++i) {
                if (f.res.buf[i].len > 0 && !f.res.buf[i].ptr)
                    return "plugin returned a NULL buffer for field " + info.name;
            }
            return std::string();
        default: return f.res.u64 ? std::string() : "plugin returned a NULL uint64 array for field " + info.name;
    }
}

std::string describeEventProblem(const uint8_t* bytes, size_t size) {
    if (size < sizeof(falco_abi::Event)) {
        return std::to_string(size) + " bytes is shorter than an event header (26)";
    }
    falco_abi::Event h;
    std::memcpy(&h, bytes, sizeof h);
    if (h.len != size) {
        return "header len " + std::to_string(h.len) + " does not match the record size " + std::to_string(size);
    }
    if (h.type != SS_PLUGIN_EVENT_TYPE_PLUGIN) return std::string();
    if (h.nparams != SS_PLUGIN_EVENT_NPARAMS) return "nparams " + std::to_string(h.nparams) + ", expected 2";
    if (size < SS_PLUGIN_EVENT_PAYLOAD_OFFSET) {
        return "len " + std::to_string(size) + " is shorter than a plugin event header (38)";
    }
    uint32_t lenId = 0, lenData = 0;
    std::memcpy(&lenId, bytes + 26, 4);
    std::memcpy(&lenData, bytes + 30, 4);
    if (lenId != 4) return "plugin_id parameter length " + std::to_string(lenId) + ", expected 4";
    if (static_cast<uint64_t>(lenData) + SS_PLUGIN_EVENT_PAYLOAD_OFFSET != size) {
        return "len " + std::to_string(size) + " != 38 + data length " + std::to_string(lenData);
    }
    return std::string();
}

}  // namespace loader
