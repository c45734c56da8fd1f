#include "logger.h"

#include <cstdio>

namespace docker_plugin {

void Logger::log(ss_plugin_log_severity severity, const std::string& message) const {
    if (m_fn) {
        m_fn(m_owner, nullptr, message.c_str(), severity);
        return;
    }
    std::fprintf(stderr, "docker: %s\n", message.c_str());
}

}  // namespace docker_plugin
