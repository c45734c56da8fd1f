#include "engine_log.h"

#include "error_codes.h"

#include <unistd.h>

#include <cerrno>

namespace docker_plugin {

namespace {

constexpr size_t kRecentLines = 8;
constexpr size_t kMaxLine = 16u << 10;

ss_plugin_log_severity severity_of(const std::string& level) {
    if (level == "error") return SS_PLUGIN_LOG_SEV_ERROR;
    if (level == "warning") return SS_PLUGIN_LOG_SEV_WARNING;
    if (level == "info") return SS_PLUGIN_LOG_SEV_INFO;
    if (level == "debug") return SS_PLUGIN_LOG_SEV_DEBUG;
    return 0;
}

}  // namespace

void EngineLog::restart() {
    m_eof = false;
    m_partial.clear();
}

void EngineLog::drain() {
    if (m_eof || m_engine.log_fd() < 0) return;
    char buf[8192];
    for (;;) {
        ssize_t n = read(m_engine.log_fd(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) m_eof = true;
        if (n <= 0) break;
        m_partial.append(buf, size_t(n));
        size_t start = 0, nl;
        while ((nl = m_partial.find('\n', start)) != std::string::npos) {
            forward(m_partial.substr(start, nl - start));
            start = nl + 1;
        }
        m_partial.erase(0, start);
        if (m_partial.size() > kMaxLine) {
            forward(m_partial);
            m_partial.clear();
        }
    }
    if (m_eof && !m_partial.empty()) {
        forward(m_partial);
        m_partial.clear();
    }
}

void EngineLog::forward(const std::string& line) {
    if (line.empty()) return;
    std::string message = line;
    ss_plugin_log_severity severity = SS_PLUGIN_LOG_SEV_ERROR;
    const size_t sp1 = line.find(' ');
    const size_t sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 != std::string::npos) {
        if (ss_plugin_log_severity s = severity_of(line.substr(0, sp1))) {
            severity = s;
            const std::string code = line.substr(sp1 + 1, sp2 - sp1 - 1);
            const std::string text = line.substr(sp2 + 1);
            message = code == "-" ? text : error_message(code, text);
        }
    }
    m_logger.log(severity, message);
    // Keep the gist of recent trouble for error messages; a stack frame line adds nothing there.
    const size_t first = line.find_first_not_of(" \t");
    const bool stack_frame = first != std::string::npos && line.compare(first, 3, "at ") == 0;
    if (severity <= SS_PLUGIN_LOG_SEV_WARNING && !stack_frame) {
        m_recent.push_back(message);
        if (m_recent.size() > kRecentLines) m_recent.pop_front();
    }
}

std::string EngineLog::recent() const {
    if (m_recent.empty()) return "";
    std::string out = "; its last messages: ";
    for (size_t i = 0; i < m_recent.size(); i++) out += (i ? " | " : "") + m_recent[i];
    return out;
}

}  // namespace docker_plugin
