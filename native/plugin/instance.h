// One open capture (ss_instance_t): the engine process and the frames it sends.
#pragma once

#include "falco_plugin_abi.h"
#include "delivered_times.h"
#include "engine_process.h"
#include "frame_reader.h"
#include "resume_store.h"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace docker_plugin {

class Plugin;

class Instance {
public:
    explicit Instance(Plugin& plugin);
    ~Instance();

    // Starts the engine and waits (bounded) for READY or its error.
    bool open(const std::string& params, std::string& error);

    ss_plugin_rc next_batch(uint32_t* nevts, ss_plugin_event*** evts);

    // How far a finite source (a replayed file) got: pct in hundredths of a percent.
    const char* progress(uint32_t* pct) const;

    // Falco extracted a field of `evt`: it has processed the events of the last batch up to this one.
    void note_extracted(const ss_plugin_event* evt);

private:
    enum class Step { Continue, Ready, Failed };

    std::string start_request() const;
    bool start_engine(std::string& error);
    bool restart_engine(std::string& error);
    bool wait_ready(std::string& error);
    // Takes complete frames from the buffer into the batch; control frames are handled here.
    Step collect(std::string& error);
    Step handle_control(const FrameReader::Frame& f, std::string& error);
    void apply_stats(const uint8_t* json, size_t len);
    void drain_logs();
    void drain_stats();
    void forward_log_line(const std::string& line);
    std::string engine_ended(const std::string& context);
    std::string recent_logs() const;
    void fail(const std::string& error);
    void open_resume_store();
    // Events [m_confirmed, end) of the last batch were processed by Falco: a resume starts after them.
    void confirm_through(size_t end);
    void save_resume_point(bool closing);

    Plugin& m_plugin;
    std::string m_params;
    EngineProcess m_engine;
    FrameReader m_reader;
    FrameReader m_stats_reader;  // STATS frames on their own pipe: current even when events queue
    std::vector<ss_plugin_event*> m_batch;
    bool m_ready = false;
    bool m_engine_exited = false;   // while streaming, without END or ERROR: restart it
    std::string m_exit_reason;
    uint32_t m_failed_restarts = 0;  // consecutive
    // What Falco has processed, not merely received: libsinsp hands the events of a batch to Falco's
    // loop one by one, and a reload or stop drops the rest of the batch. An event counts as processed
    // once Falco extracted a field of it or of a later one, or asked for the next batch.
    DeliveredTimes m_delivered;
    size_t m_confirmed = 0;  // events of m_batch processed
    ResumeStore m_store;     // m_delivered across captures (reloads, restarts)
    bool m_opened = false;
    uint64_t m_confirmed_total = 0;
    uint64_t m_saved_total = 0;
    int64_t m_saved_at_ms = 0;
    bool m_store_failing = false;
    bool m_has_progress = false;
    uint32_t m_progress_pct = 0;
    std::string m_progress_text;          // ts of the last event handed to Falco: where a restart resumes
    bool m_log_eof = false;
    std::string m_log_partial;
    std::deque<std::string> m_recent_logs;
    std::optional<ss_plugin_rc> m_pending_rc;  // returned once the events before it are delivered
    bool m_finished = false;                   // EOF or FAILURE returned: sticky
    ss_plugin_rc m_final_rc = SS_PLUGIN_EOF;
};

}  // namespace docker_plugin
