// The engine's log pipe (its stdout and stderr) into Falco's log: one message a line, "<level> <code> <text>"
// (docs/engine-protocol.md), anything else as an error. The last warnings and errors are kept for the
// error message that follows when the engine fails.
#pragma once

#include "engine_process.h"
#include "logger.h"

#include <deque>
#include <string>

namespace docker_plugin {

class EngineLog {
public:
    EngineLog(const EngineProcess& engine, const Logger& logger) : m_engine(engine), m_logger(logger) {}

    // A new engine process: its pipe starts afresh (the recent messages stay).
    void restart();

    // Forwards every complete line the pipe holds (non-blocking); at EOF the unfinished one too.
    void drain();

    // The pipe to poll, or -1 once it reached EOF.
    int fd() const { return m_eof ? -1 : m_engine.log_fd(); }

    // "; its last messages: a | b", or "" when there were none.
    std::string recent() const;

private:
    void forward(const std::string& line);

    const EngineProcess& m_engine;
    const Logger& m_logger;
    bool m_eof = false;
    std::string m_partial;
    std::deque<std::string> m_recent;
};

}  // namespace docker_plugin
