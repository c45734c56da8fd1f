// The engine child process: spawned with argv (no shell), three pipes
// (docs/engine-protocol.md), stopped and reaped on destruction.
#pragma once

#include <sys/types.h>

#include <string>

namespace docker_plugin {

class EngineProcess {
public:
    EngineProcess() = default;
    ~EngineProcess();
    EngineProcess(const EngineProcess&) = delete;
    EngineProcess& operator=(const EngineProcess&) = delete;

    // Starts `node engine` (the self-contained engine alone when node is "") and writes the start request
    // line. False + error on failure.
    bool start(const std::string& node, const std::string& engine, const std::string& start_request,
               std::string& error);

    int frames_fd() const { return m_frames_fd; }
    int log_fd() const { return m_log_fd; }
    int stats_fd() const { return m_stats_fd; }

    // Asks the engine to stop (EOF on its stdin), waits up to grace_ms, then
    // kills it; always reaps. Returns a description of how it ended.
    std::string stop(int grace_ms);

private:
    // Non-blocking: if the engine has exited, reaps it and describes how.
    bool try_reap(std::string& how);
    static std::string describe_status(int status);

    pid_t m_pid = -1;
    int m_control_fd = -1;  // our end of the engine's stdin
    int m_frames_fd = -1;
    int m_log_fd = -1;
    int m_stats_fd = -1;
};

}  // namespace docker_plugin
