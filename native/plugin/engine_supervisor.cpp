#include "engine_supervisor.h"

#include "clock.h"
#include "error_codes.h"
#include "plugin.h"

#include <poll.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cerrno>
#include <cstring>

namespace docker_plugin {

namespace {

constexpr int kStopGraceMs = 2000;
constexpr uint32_t kMaxFailedRestarts = 5;

}  // namespace

EngineSupervisor::EngineSupervisor(Plugin& plugin, const DeliveredTimes& delivered)
    : m_plugin(plugin),
      m_delivered(delivered),
      m_log(m_process, plugin.logger()),
      m_stats(m_process, plugin.metrics(), plugin.logger()),
      m_frames(plugin.config().max_event_bytes, plugin.config().max_batch_events, m_stats) {}

void EngineSupervisor::stop() { m_process.stop(kStopGraceMs); }

void EngineSupervisor::close() {
    m_log.drain();
    stop();
}

std::string EngineSupervisor::start_request() const {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("protocol");
    w.Uint(frame::kProtocolVersion);
    w.Key("config");
    w.RawValue(m_plugin.config().raw_json.c_str(), m_plugin.config().raw_json.size(), rapidjson::kObjectType);
    w.Key("openParams");
    w.String(m_params.c_str(), rapidjson::SizeType(m_params.size()));
    w.Key("resume");
    w.StartObject();
    const auto write_nanos = [&w](uint64_t ts) {
        const std::string text = std::to_string(ts);
        w.String(text.c_str(), rapidjson::SizeType(text.size()));
    };
    w.Key("sinceNano");
    write_nanos(m_delivered.newest());
    w.Key("deliveredNano");
    w.StartArray();
    m_delivered.for_each(write_nanos);
    w.EndArray();
    w.EndObject();
    w.EndObject();
    return sb.GetString();
}

bool EngineSupervisor::start(const std::string& params, std::string& error) {
    m_params = params;
    return start_engine(error);
}

bool EngineSupervisor::start_engine(std::string& error) {
    const Config& cfg = m_plugin.config();
    m_frames.restart();
    m_stats.restart();
    m_log.restart();
    if (!m_process.start(cfg.node_path, cfg.engine_path, start_request(), error)) {
        error = error_message(ErrorCode::EngineSpawn, error);
        return false;
    }
    m_plugin.metrics().add(Metric::EngineStarts);
    return wait_ready(error);
}

// The engine died while streaming (killed, crashed): start a new one that
// resumes after the events Falco received (DeliveredTimes).
bool EngineSupervisor::restart_engine(std::string& error) {
    m_plugin.logger().log(SS_PLUGIN_LOG_SEV_WARNING, "the engine " + m_exit_reason +
                                                         "; restarting it, resuming after " +
                                                         std::to_string(m_delivered.newest()) + m_log.recent());
    m_exited = false;
    m_plugin.metrics().add(Metric::EngineRestarts);
    if (start_engine(error)) {
        m_failed_restarts = 0;
        return true;
    }
    m_plugin.logger().log(SS_PLUGIN_LOG_SEV_WARNING, "engine restart failed: " + error);
    m_exited = true;
    return ++m_failed_restarts < kMaxFailedRestarts;
}

bool EngineSupervisor::wait_ready(std::string& error) {
    const uint32_t timeout_ms = m_plugin.config().open_timeout_ms;
    const int64_t deadline = monotonic_ms() + timeout_ms;
    for (;;) {
        const int64_t remaining = deadline - monotonic_ms();
        if (remaining <= 0) {
            error = error_message(ErrorCode::EngineTimeout, "the engine did not reach the Docker daemon within " +
                                                                std::to_string(timeout_ms) + " ms (open_params \"" +
                                                                m_params + "\")" + m_log.recent());
            m_process.stop(0);
            return false;
        }
        pollfd fds[2] = {{m_process.frames_fd(), POLLIN, 0}, {m_log.fd(), POLLIN, 0}};
        if (poll(fds, 2, int(remaining)) < 0 && errno != EINTR) {
            error = error_message(ErrorCode::EngineIo, std::string("poll failed: ") + std::strerror(errno));
            return false;
        }
        if (fds[1].revents) m_log.drain();
        if (!fds[0].revents) continue;
        FrameReader::Fill filled = m_frames.fill(m_process.frames_fd());
        if (filled == FrameReader::Fill::Eof || filled == FrameReader::Fill::Error) {
            error = engine_ended("before it was ready (open_params \"" + m_params + "\")");
            return false;
        }
        FrameBatch::Step step = m_frames.collect(error);
        if (!m_frames.events().empty()) {
            error = error_message(ErrorCode::Protocol, "the engine sent events before READY");
            m_process.stop(0);
            return false;
        }
        if (step == FrameBatch::Step::Failed) {
            m_process.stop(kStopGraceMs);
            return false;
        }
        if (step == FrameBatch::Step::Ready) {
            if (m_frames.transport()) m_plugin.extractor().set_default_host(*m_frames.transport());
            return true;
        }
    }
}

bool EngineSupervisor::fill_batch(std::string& error) {
    m_log.drain();
    m_stats.drain();
    FrameBatch::Step step = m_frames.collect(error);
    const bool waiting = m_frames.events().empty() && !m_frames.ended() && step == FrameBatch::Step::Continue;
    if (waiting && m_exited) {
        if (!restart_engine(error)) {
            error = error_message(ErrorCode::EngineExited,
                                  "the engine " + m_exit_reason + " and could not be restarted " +
                                      std::to_string(kMaxFailedRestarts) + " times; last error: " + error);
            return false;
        }
    } else if (waiting) {
        pollfd fds[2] = {{m_process.frames_fd(), POLLIN, 0}, {m_log.fd(), POLLIN, 0}};
        if (poll(fds, 2, int(m_plugin.config().idle_wait_ms)) > 0) {
            if (fds[1].revents) m_log.drain();
            if (fds[0].revents) {
                FrameReader::Fill filled = m_frames.fill(m_process.frames_fd());
                if (filled == FrameReader::Fill::Data) {
                    step = m_frames.collect(error);
                } else if (filled == FrameReader::Fill::Eof || filled == FrameReader::Fill::Error) {
                    m_log.drain();
                    m_exit_reason = m_process.stop(kStopGraceMs);
                    m_exited = true;  // restarted by the next call, once buffered frames are out
                }
            }
        }
    }
    return step != FrameBatch::Step::Failed;
}

std::string EngineSupervisor::engine_ended(const std::string& context) {
    m_log.drain();
    std::string how = m_process.stop(kStopGraceMs);
    return error_message(ErrorCode::EngineExited, "the engine " + how + " " + context + m_log.recent());
}

}  // namespace docker_plugin
