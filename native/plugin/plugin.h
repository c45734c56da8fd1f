// One plugin state (ss_plugin_t): everything lives here, nothing in globals,
// so Falco's hot-reload dry run can hold two at once.
#pragma once

#include "falco_plugin_abi.h"
#include "config.h"
#include "extractor.h"
#include "logger.h"
#include "metrics.h"

#include <memory>
#include <string>

namespace docker_plugin {

class Instance;

class Plugin {
public:
    // Never throws; on failure the returned state holds the error.
    static Plugin* create(const ss_plugin_init_input* in, ss_plugin_rc* rc);

    const Config& config() const { return m_config; }
    const Logger& logger() const { return m_logger; }
    Metrics& metrics() { return m_metrics; }
    Extractor& extractor() { return m_extractor; }

    const char* last_error() const { return m_last_error.c_str(); }
    void set_error(const std::string& message);

    Instance* open(const char* params, ss_plugin_rc* rc);
    void instance_closed(const Instance* instance);

    // Field extraction, which also tells the open capture how far Falco got through its batch.
    void extract(const ss_plugin_event_input& evt, ss_plugin_field_extract_input& req);
    const char* list_open_params(ss_plugin_rc* rc);

private:
    Config m_config;
    Logger m_logger;
    Metrics m_metrics;
    Extractor m_extractor;
    std::string m_last_error;
    std::string m_open_params_json;
    Instance* m_open_instance = nullptr;  // Falco opens one capture per state at a time
};

}  // namespace docker_plugin
