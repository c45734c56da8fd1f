// One open capture (ss_instance_t): the engine process and the frames it sends.
#pragma once

#include "falco_plugin_abi.h"
#include "delivered_times.h"
#include "engine_process.h"
#include "frame_reader.h"

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
    DeliveredTimes m_delivered;
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
