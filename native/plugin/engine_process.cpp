#include "engine_process.h"

#include "clock.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

extern char** environ;

namespace docker_plugin {

namespace {

constexpr int kFirstPrivateFd = 10;  // keep our fds clear of the child's 0..3
constexpr int kFramePipeBytes = 1 << 20;
// V8's young generation: 2 MiB semi-spaces instead of the default 16 keep the engine's RSS about 40 MiB lower
// under a flood at no CPU cost (bench/README, "Where the engine's time goes").
constexpr const char* kNodeHeapFlag = "--max-semi-space-size=2";

// The self-contained engine takes no Node.js flags on its command line (its arguments are the engine's own);
// NODE_OPTIONS reaches it, ours first so that a NODE_OPTIONS in Falco's environment still has the last word.
std::vector<std::string> engine_environment() {
    std::vector<std::string> env;
    std::string options = kNodeHeapFlag;
    for (char** e = environ; *e != nullptr; ++e) {
        if (std::strncmp(*e, "NODE_OPTIONS=", 13) == 0)
            options += std::string(" ") + (*e + 13);
        else
            env.emplace_back(*e);
    }
    env.push_back("NODE_OPTIONS=" + options);
    return env;
}

// Moves fd to a number >= kFirstPrivateFd, close-on-exec.
int lift(int fd) {
    if (fd < 0 || fd >= kFirstPrivateFd) return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, kFirstPrivateFd);
    close(fd);
    return moved;
}

bool make_pipe(int fds[2]) {
    if (pipe2(fds, O_CLOEXEC) != 0) return false;
    fds[0] = lift(fds[0]);
    fds[1] = lift(fds[1]);
    return fds[0] >= 0 && fds[1] >= 0;
}

void close_fd(int& fd) {
    if (fd >= 0) close(fd);
    fd = -1;
}

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

EngineProcess::~EngineProcess() { stop(0); }

bool EngineProcess::start(const std::string& node, const std::string& engine, const std::string& start_request,
                          std::string& error) {
    int control[2] = {-1, -1};  // socketpair so a write to a dead engine is EPIPE, never SIGPIPE
    int frames[2] = {-1, -1};
    int logs[2] = {-1, -1};
    int stats[2] = {-1, -1};
    auto cleanup = [&] {
        for (int* fd : {&control[0], &control[1], &frames[0], &frames[1], &logs[0], &logs[1], &stats[0], &stats[1]})
            close_fd(*fd);
    };
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, control) != 0 || (control[0] = lift(control[0])) < 0 ||
        (control[1] = lift(control[1])) < 0 || !make_pipe(frames) || !make_pipe(logs) || !make_pipe(stats)) {
        error = std::string("cannot create the engine's pipes: ") + std::strerror(errno);
        cleanup();
        return false;
    }
    fcntl(frames[0], F_SETPIPE_SZ, kFramePipeBytes);  // best effort: fewer wake-ups under load

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, control[1], 0);
    posix_spawn_file_actions_adddup2(&actions, logs[1], 1);
    posix_spawn_file_actions_adddup2(&actions, logs[1], 2);
    posix_spawn_file_actions_adddup2(&actions, frames[1], 3);
    posix_spawn_file_actions_adddup2(&actions, stats[1], 4);
    posix_spawn_file_actions_addclosefrom_np(&actions, 5);

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t empty, defaults;
    sigemptyset(&empty);
    sigfillset(&defaults);
    sigdelset(&defaults, SIGKILL);
    sigdelset(&defaults, SIGSTOP);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);  // the terminal's Ctrl-C goes to Falco, which then closes us
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

    const bool self_contained = node.empty();
    const std::string& program = self_contained ? engine : node;
    std::vector<char*> argv = {const_cast<char*>(program.c_str())};
    if (!self_contained) argv.insert(argv.end(), {const_cast<char*>(kNodeHeapFlag), const_cast<char*>(engine.c_str())});
    argv.push_back(nullptr);
    std::vector<std::string> env_strings = self_contained ? engine_environment() : std::vector<std::string>{};
    std::vector<char*> env;
    for (auto& e : env_strings) env.push_back(e.data());
    env.push_back(nullptr);
    int rc = posix_spawn(&m_pid, program.c_str(), &actions, &attr, argv.data(), self_contained ? env.data() : environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        m_pid = -1;
        error = "cannot run the engine " + program + ": " + std::strerror(rc);
        cleanup();
        return false;
    }
    close_fd(control[1]);
    close_fd(frames[1]);
    close_fd(logs[1]);
    close_fd(stats[1]);
    m_control_fd = control[0];
    m_frames_fd = frames[0];
    m_log_fd = logs[0];
    m_stats_fd = stats[0];
    set_nonblocking(m_frames_fd);
    set_nonblocking(m_log_fd);
    set_nonblocking(m_stats_fd);

    std::string line = start_request + "\n";
    size_t off = 0;
    while (off < line.size()) {
        ssize_t n = send(m_control_fd, line.data() + off, line.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error = std::string("cannot send the start request to the engine: ") + std::strerror(errno);
            stop(0);
            return false;
        }
        off += size_t(n);
    }
    return true;
}

std::string EngineProcess::describe_status(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return std::string("was killed by signal ") + strsignal(WTERMSIG(status));
    return "stopped";
}

bool EngineProcess::try_reap(std::string& how) {
    if (m_pid <= 0) return false;
    int status = 0;
    pid_t r = waitpid(m_pid, &status, WNOHANG);
    if (r != m_pid) return false;
    m_pid = -1;
    how = describe_status(status);
    return true;
}

std::string EngineProcess::stop(int grace_ms) {
    close_fd(m_control_fd);  // EOF on the engine's stdin: "stop now"
    std::string how = "not running";
    if (m_pid > 0) {
        const int64_t deadline = monotonic_ms() + grace_ms;
        bool reaped = try_reap(how);
        while (!reaped && monotonic_ms() < deadline) {
            poll(nullptr, 0, 5);
            reaped = try_reap(how);
        }
        if (!reaped) {
            kill(m_pid, SIGKILL);
            int status = 0;
            while (waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {}
            how = describe_status(status) + " (killed after " + std::to_string(grace_ms) + " ms)";
            m_pid = -1;
        }
    }
    close_fd(m_frames_fd);
    close_fd(m_log_fd);
    close_fd(m_stats_fd);
    return how;
}

}  // namespace docker_plugin
