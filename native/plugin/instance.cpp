#include "instance.h"

#include "clock.h"
#include "plugin.h"

#include <poll.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstring>

namespace docker_plugin {

namespace {

constexpr int kStopGraceMs = 2000;
constexpr size_t kRecentLogLines = 8;
constexpr size_t kMaxLogLine = 16u << 10;
constexpr uint32_t kMaxFailedRestarts = 5;
constexpr uint32_t kMaxStatsFrame = 64u << 10;

ss_plugin_log_severity severity_of(const std::string& level) {
    if (level == "error") return SS_PLUGIN_LOG_SEV_ERROR;
    if (level == "warning") return SS_PLUGIN_LOG_SEV_WARNING;
    if (level == "info") return SS_PLUGIN_LOG_SEV_INFO;
    if (level == "debug") return SS_PLUGIN_LOG_SEV_DEBUG;
    return 0;
}

std::string json_string_member(const rapidjson::Value& v, const char* key) {
    auto it = v.FindMember(key);
    return (it != v.MemberEnd() && it->value.IsString()) ? it->value.GetString() : "";
}

}  // namespace

Instance::Instance(Plugin& plugin)
    : m_plugin(plugin), m_reader(plugin.config().max_event_bytes), m_stats_reader(kMaxStatsFrame, 0) {
    m_batch.reserve(plugin.config().max_batch_events);
}

Instance::~Instance() {
    drain_logs();
    m_engine.stop(kStopGraceMs);
    m_plugin.metrics().bytes_buffered.store(0);
    if (m_opened) save_resume_point(true);
    m_plugin.instance_closed(this);
}

std::string Instance::start_request() const {
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

bool Instance::open(const std::string& params, std::string& error) {
    m_params = params;
    open_resume_store();
    m_opened = start_engine(error);
    m_saved_at_ms = monotonic_ms();
    return m_opened;
}

void Instance::open_resume_store() {
    const Config& cfg = m_plugin.config();
    if (cfg.state_dir.empty() || replays_a_file(m_params)) return;
    m_store = ResumeStore(cfg.state_dir, resume_key(m_params), uint64_t(cfg.state_max_age_sec) * 1000000000u);
    std::string note;
    const ResumeStore::Loaded loaded = m_store.load(m_delivered, note);
    const bool expected = loaded == ResumeStore::Loaded::Resumed || loaded == ResumeStore::Loaded::Missing;
    m_plugin.logger().log(expected ? SS_PLUGIN_LOG_SEV_INFO : SS_PLUGIN_LOG_SEV_WARNING, note);
}

void Instance::note_extracted(const ss_plugin_event* evt) {
    if (m_confirmed > 0 && m_batch[m_confirmed - 1] == evt) return;  // another field of the same event
    for (size_t i = m_confirmed; i < m_batch.size(); i++) {
        if (m_batch[i] == evt) {
            confirm_through(i + 1);
            return;
        }
    }
}

void Instance::confirm_through(size_t end) {
    for (; m_confirmed < end; m_confirmed++) {
        const uint64_t ts = m_batch[m_confirmed]->ts;
        if (ts == frame::kUnknownTs) continue;
        m_delivered.record(ts);
        m_confirmed_total++;
    }
}

// At most once a second while events flow, once a minute otherwise (so that the file's age says when
// the capture stopped, even after a crash), and at close.
void Instance::save_resume_point(bool closing) {
    if (!m_store.enabled()) return;
    const int64_t now = monotonic_ms();
    const int64_t interval = m_confirmed_total != m_saved_total ? 1000 : 60000;
    if (!closing && now - m_saved_at_ms < interval) return;
    std::string error;
    const bool saved = m_store.save(m_delivered, error);
    m_saved_at_ms = now;
    if (saved) {
        m_saved_total = m_confirmed_total;
        m_store_failing = false;
    } else if (!m_store_failing) {
        m_store_failing = true;  // said once, not every second
        m_plugin.logger().log(SS_PLUGIN_LOG_SEV_WARNING,
                              "ERR_STATE_FILE: cannot keep the resume point (" + error +
                                  "); after a reload or restart the capture will start from now");
    }
}

bool Instance::start_engine(std::string& error) {
    const Config& cfg = m_plugin.config();
    m_stats_reader.reset();
    m_ready = false;
    m_log_eof = false;
    m_log_partial.clear();
    if (!m_engine.start(cfg.node_path, cfg.engine_path, start_request(), error)) {
        error = "ERR_ENGINE_SPAWN: " + error;
        return false;
    }
    m_plugin.metrics().engine_starts.fetch_add(1, std::memory_order_relaxed);
    return wait_ready(error);
}

// The engine died while streaming (killed, crashed): start a new one that
// resumes after the events Falco received (DeliveredTimes).
bool Instance::restart_engine(std::string& error) {
    m_plugin.logger().log(SS_PLUGIN_LOG_SEV_WARNING, "the engine " + m_exit_reason + "; restarting it, resuming after " +
                                                         std::to_string(m_delivered.newest()) + recent_logs());
    m_reader.reset();
    m_engine_exited = false;
    m_plugin.metrics().engine_restarts.fetch_add(1, std::memory_order_relaxed);
    if (start_engine(error)) {
        m_failed_restarts = 0;
        return true;
    }
    m_plugin.logger().log(SS_PLUGIN_LOG_SEV_WARNING, "engine restart failed: " + error);
    m_engine_exited = true;
    return ++m_failed_restarts < kMaxFailedRestarts;
}

bool Instance::wait_ready(std::string& error) {
    const int64_t deadline = monotonic_ms() + m_plugin.config().open_timeout_ms;
    for (;;) {
        const int64_t remaining = deadline - monotonic_ms();
        if (remaining <= 0) {
            error = "ERR_ENGINE_TIMEOUT: the engine did not reach the Docker daemon within " +
                    std::to_string(m_plugin.config().open_timeout_ms) + " ms (open_params \"" + m_params +
                    "\")" + recent_logs();
            m_engine.stop(0);
            return false;
        }
        pollfd fds[2] = {{m_engine.frames_fd(), POLLIN, 0}, {m_log_eof ? -1 : m_engine.log_fd(), POLLIN, 0}};
        if (poll(fds, 2, int(remaining)) < 0 && errno != EINTR) {
            error = std::string("ERR_ENGINE_IO: poll failed: ") + std::strerror(errno);
            return false;
        }
        if (fds[1].revents) drain_logs();
        if (!fds[0].revents) continue;
        FrameReader::Fill filled = m_reader.fill(m_engine.frames_fd());
        if (filled == FrameReader::Fill::Eof || filled == FrameReader::Fill::Error) {
            error = engine_ended("before it was ready (open_params \"" + m_params + "\")");
            return false;
        }
        Step step = collect(error);
        if (!m_batch.empty()) {
            error = "ERR_PROTOCOL: the engine sent events before READY";
            m_engine.stop(0);
            return false;
        }
        if (step == Step::Failed) {
            m_engine.stop(kStopGraceMs);
            return false;
        }
        if (step == Step::Ready) return true;
    }
}

Instance::Step Instance::collect(std::string& error) {
    const uint32_t max_events = m_plugin.config().max_batch_events;
    while (m_batch.size() < max_events) {
        FrameReader::Frame f{};
        frame::HeaderCheck problem = frame::HeaderCheck::Ok;
        FrameReader::Next next = m_reader.next(f, problem);
        if (next == FrameReader::Next::NeedMore) return Step::Continue;
        if (next == FrameReader::Next::Invalid) {
            error = std::string("ERR_PROTOCOL: the engine sent an invalid frame: ") + frame::describe(problem) +
                    " (type " + std::to_string(f.header.type) + ", len " + std::to_string(f.header.len) + ")";
            return Step::Failed;
        }
        if (f.header.type == uint16_t(frame::Type::Event)) {
            m_batch.push_back(reinterpret_cast<ss_plugin_event*>(f.record));
            continue;
        }
        Step step = handle_control(f, error);
        if (step != Step::Continue) return step;
    }
    return Step::Continue;
}

Instance::Step Instance::handle_control(const FrameReader::Frame& f, std::string& error) {
    const auto* payload = reinterpret_cast<const char*>(f.payload());
    const size_t len = f.header.payload_len;
    switch (frame::Type(f.header.type)) {
        case frame::Type::Ready: {  // the engine itself logs what it connected to
            if (m_ready) return Step::Continue;
            m_ready = true;
            rapidjson::Document info;
            info.Parse(payload, len);
            if (!info.HasParseError() && info.IsObject())
                m_plugin.extractor().set_default_host(json_string_member(info, "transport"));
            return Step::Ready;
        }
        case frame::Type::Error: {
            rapidjson::Document doc;
            doc.Parse(payload, len);
            std::string code = "ERR_ENGINE", message(payload, len);
            if (!doc.HasParseError() && doc.IsObject()) {
                code = json_string_member(doc, "code");
                message = json_string_member(doc, "message");
            }
            error = code + ": " + message;
            return Step::Failed;
        }
        case frame::Type::Stats: apply_stats(f.payload(), len); return Step::Continue;
        case frame::Type::End:
            drain_stats();  // the engine sent its final counters (100 % of a file) just before END
            m_pending_rc = SS_PLUGIN_EOF;
            return Step::Continue;
        case frame::Type::Event: return Step::Continue;
    }
    return Step::Continue;
}

void Instance::apply_stats(const uint8_t* json, size_t len) {
    rapidjson::Document doc;
    doc.Parse(reinterpret_cast<const char*>(json), len);
    if (doc.HasParseError() || !doc.IsObject()) return;
    Metrics& m = m_plugin.metrics();
    const std::pair<const char*, std::atomic<uint64_t>*> keys[] = {
        {"queuedEvents", &m.engine_queued_events},       {"queuedBytes", &m.bytes_queued_in_engine},
        {"droppedEvents", &m.engine_dropped_events},     {"malformedEvents", &m.engine_malformed_events},
        {"oversizedEvents", &m.engine_oversized_events}, {"reconnects", &m.engine_reconnects},
        {"replayGaps", &m.engine_replay_gaps},
        {"overflowEvents", &m.engine_overflow_events},
    };
    for (const auto& [key, counter] : keys) {
        auto it = doc.FindMember(key);
        if (it != doc.MemberEnd() && it->value.IsUint64()) counter->store(it->value.GetUint64());
    }
    auto pct = doc.FindMember("progressPct");
    if (pct != doc.MemberEnd() && pct->value.IsUint() && pct->value.GetUint() <= 10000) {
        m_progress_pct = pct->value.GetUint();
        m_progress_text = json_string_member(doc, "progressText");
        m_has_progress = true;
    }
}

const char* Instance::progress(uint32_t* pct) const {
    *pct = m_progress_pct;
    return m_has_progress ? m_progress_text.c_str() : nullptr;
}

ss_plugin_rc Instance::next_batch(uint32_t* nevts, ss_plugin_event*** evts) {
    confirm_through(m_batch.size());  // Falco asks again only once it has processed the whole batch
    save_resume_point(false);
    m_batch.clear();
    m_confirmed = 0;
    *nevts = 0;
    *evts = m_batch.data();
    if (m_finished) return m_final_rc;
    m_reader.release();
    drain_logs();
    drain_stats();

    std::string error;
    Step step = collect(error);
    if (m_batch.empty() && !m_pending_rc && step == Step::Continue && m_engine_exited) {
        if (!restart_engine(error)) {
            error = "ERR_ENGINE_EXITED: the engine " + m_exit_reason + " and could not be restarted " +
                    std::to_string(kMaxFailedRestarts) + " times; last error: " + error;
            step = Step::Failed;
        }
    } else if (m_batch.empty() && !m_pending_rc && step == Step::Continue) {
        pollfd fds[2] = {{m_engine.frames_fd(), POLLIN, 0}, {m_log_eof ? -1 : m_engine.log_fd(), POLLIN, 0}};
        int ready = poll(fds, 2, int(m_plugin.config().idle_wait_ms));
        if (ready > 0) {
            if (fds[1].revents) drain_logs();
            if (fds[0].revents) {
                FrameReader::Fill filled = m_reader.fill(m_engine.frames_fd());
                if (filled == FrameReader::Fill::Data) step = collect(error);
                else if (filled == FrameReader::Fill::Eof || filled == FrameReader::Fill::Error) {
                    drain_logs();
                    m_exit_reason = m_engine.stop(kStopGraceMs);
                    m_engine_exited = true;  // restarted by the next call, once buffered frames are out
                }
            }
        }
    }
    if (step == Step::Failed) {
        fail(error);
        m_pending_rc = SS_PLUGIN_FAILURE;
    }

    Metrics& metrics = m_plugin.metrics();
    metrics.bytes_buffered.store(m_reader.buffered_bytes(), std::memory_order_relaxed);
    ss_plugin_rc rc = m_batch.empty() ? SS_PLUGIN_TIMEOUT : SS_PLUGIN_SUCCESS;
    if (m_pending_rc) {
        rc = *m_pending_rc;
        m_finished = true;
        m_final_rc = rc;
        if (rc == SS_PLUGIN_EOF) m_engine.stop(kStopGraceMs);
    }
    if (m_batch.empty()) {
        if (rc == SS_PLUGIN_TIMEOUT) metrics.idle_timeouts.fetch_add(1, std::memory_order_relaxed);
        return rc;
    }
    uint64_t bytes = 0, delay_us = 0;
    const uint64_t now = realtime_ns();
    for (const ss_plugin_event* e : m_batch) {
        bytes += e->len - frame::kHeaderSize;
        if (e->ts != frame::kUnknownTs && now > e->ts) delay_us += (now - e->ts) / 1000;
    }
    metrics.events_delivered.fetch_add(m_batch.size(), std::memory_order_relaxed);
    metrics.bytes_delivered.fetch_add(bytes, std::memory_order_relaxed);
    metrics.event_delay_microseconds.fetch_add(delay_us, std::memory_order_relaxed);
    metrics.batches.fetch_add(1, std::memory_order_relaxed);
    *nevts = uint32_t(m_batch.size());
    *evts = m_batch.data();
    return rc;
}

void Instance::fail(const std::string& error) {
    m_plugin.set_error(error);
    m_plugin.logger().log(SS_PLUGIN_LOG_SEV_ERROR, error);
    m_engine.stop(kStopGraceMs);
}

std::string Instance::engine_ended(const std::string& context) {
    drain_logs();
    std::string how = m_engine.stop(kStopGraceMs);
    return "ERR_ENGINE_EXITED: the engine " + how + " " + context + recent_logs();
}

void Instance::drain_stats() {
    if (m_engine.stats_fd() < 0) return;
    m_stats_reader.release();
    while (m_stats_reader.fill(m_engine.stats_fd()) == FrameReader::Fill::Data) {
        FrameReader::Frame f{};
        frame::HeaderCheck problem{};
        FrameReader::Next next;
        while ((next = m_stats_reader.next(f, problem)) == FrameReader::Next::Frame)
            if (f.header.type == uint16_t(frame::Type::Stats)) apply_stats(f.payload(), f.header.payload_len);
        if (next == FrameReader::Next::Invalid) {
            m_plugin.logger().log(SS_PLUGIN_LOG_SEV_WARNING, std::string("ignoring the engine's counters: ") +
                                                                 frame::describe(problem));
            m_stats_reader.reset();
            return;
        }
    }
}

void Instance::drain_logs() {
    if (m_log_eof || m_engine.log_fd() < 0) return;
    char buf[8192];
    for (;;) {
        ssize_t n = read(m_engine.log_fd(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) m_log_eof = true;
        if (n <= 0) break;
        m_log_partial.append(buf, size_t(n));
        size_t start = 0, nl;
        while ((nl = m_log_partial.find('\n', start)) != std::string::npos) {
            forward_log_line(m_log_partial.substr(start, nl - start));
            start = nl + 1;
        }
        m_log_partial.erase(0, start);
        if (m_log_partial.size() > kMaxLogLine) {
            forward_log_line(m_log_partial);
            m_log_partial.clear();
        }
    }
    if (m_log_eof && !m_log_partial.empty()) {
        forward_log_line(m_log_partial);
        m_log_partial.clear();
    }
}

void Instance::forward_log_line(const std::string& line) {
    if (line.empty()) return;
    std::string message = line;
    ss_plugin_log_severity severity = SS_PLUGIN_LOG_SEV_ERROR;
    const size_t sp1 = line.find(' ');
    const size_t sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 != std::string::npos) {
        if (ss_plugin_log_severity s = severity_of(line.substr(0, sp1))) {
            severity = s;
            const std::string code = line.substr(sp1 + 1, sp2 - sp1 - 1);
            message = (code == "-" ? "" : code + ": ") + line.substr(sp2 + 1);
        }
    }
    m_plugin.logger().log(severity, message);
    // Keep the gist of recent trouble for error messages; a stack frame line adds nothing there.
    const bool stack_frame = line.find_first_not_of(" \t") != std::string::npos &&
                             line.compare(line.find_first_not_of(" \t"), 3, "at ") == 0;
    if (severity <= SS_PLUGIN_LOG_SEV_WARNING && !stack_frame) {
        m_recent_logs.push_back(message);
        if (m_recent_logs.size() > kRecentLogLines) m_recent_logs.pop_front();
    }
}

std::string Instance::recent_logs() const {
    if (m_recent_logs.empty()) return "";
    std::string out = "; its last messages: ";
    for (size_t i = 0; i < m_recent_logs.size(); i++) out += (i ? " | " : "") + m_recent_logs[i];
    return out;
}

}  // namespace docker_plugin
