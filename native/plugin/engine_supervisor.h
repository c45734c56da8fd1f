// The engine process across its life: started with the start request and awaited until READY (bounded),
// its three pipes read (frames into batches, log lines into Falco's log, counters into metrics), restarted
// when it dies while streaming, resuming after the events Falco received, and stopped.
#pragma once

#include "delivered_times.h"
#include "engine_log.h"
#include "engine_process.h"
#include "engine_stats.h"
#include "frame_batch.h"

#include <cstdint>
#include <string>
#include <vector>

namespace docker_plugin {

class Plugin;

class EngineSupervisor {
public:
    // `delivered`: where a (re)started engine resumes (resume.sinceNano/deliveredNano of the start request).
    EngineSupervisor(Plugin& plugin, const DeliveredTimes& delivered);

    // Starts the engine for `params` and waits, up to openTimeoutMs, for its READY or its error.
    bool start(const std::string& params, std::string& error);

    // Falco is done with the last batch: its events may be overwritten.
    void begin_batch() { m_frames.begin(); }

    // Forwards what the log and stats pipes hold, then fills the batch with what the engine has sent, else
    // with what it sends within idleWaitMs. An engine
    // that died is restarted once the frames it sent are delivered. False + error when the engine failed
    // (its ERROR, a broken frame) or could not be restarted.
    bool fill_batch(std::string& error);

    std::vector<ss_plugin_event*>& events() { return m_frames.events(); }
    size_t buffered_bytes() const { return m_frames.buffered_bytes(); }
    // The engine sent END: the source has ended.
    bool ended() const { return m_frames.ended(); }
    const char* progress(uint32_t* pct) const { return m_stats.progress(pct); }

    // Stops the engine: EOF on its stdin, killed if it has not exited after a grace period.
    void stop();
    // Reads its last log lines, then stops it.
    void close();

private:
    std::string start_request() const;
    bool start_engine(std::string& error);
    bool restart_engine(std::string& error);
    bool wait_ready(std::string& error);
    // The engine's frame pipe ended: how it ended, its last messages, as ERR_ENGINE_EXITED.
    std::string engine_ended(const std::string& context);

    Plugin& m_plugin;
    const DeliveredTimes& m_delivered;
    std::string m_params;
    EngineProcess m_process;
    EngineLog m_log;
    EngineStats m_stats;
    FrameBatch m_frames;
    bool m_exited = false;  // while streaming, without END or ERROR: restart it
    std::string m_exit_reason;
    uint32_t m_failed_restarts = 0;  // consecutive
};

}  // namespace docker_plugin
