// Falco's log function for one plugin state (stderr when the host gives none).
#pragma once

#include "falco_plugin_abi.h"

#include <string>

namespace docker_plugin {

class Logger {
public:
    Logger() = default;
    Logger(ss_plugin_owner_t* owner, ss_plugin_log_fn fn) : m_owner(owner), m_fn(fn) {}

    void log(ss_plugin_log_severity severity, const std::string& message) const;

private:
    ss_plugin_owner_t* m_owner = nullptr;
    ss_plugin_log_fn m_fn = nullptr;
};

}  // namespace docker_plugin
