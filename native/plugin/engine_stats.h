// The engine's counters into the plugin's metrics (the rows of kMetrics with a STATS key), and how far a
// replayed file got. STATS frames come on their own pipe, so the counters stay current while events queue.
#pragma once

#include "engine_process.h"
#include "frame_reader.h"
#include "logger.h"
#include "metrics.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace docker_plugin {

class EngineStats {
public:
    EngineStats(const EngineProcess& engine, Metrics& metrics, const Logger& logger);

    // A new engine process: drops a partial frame of the old one.
    void restart() { m_reader.reset(); }

    // Applies every STATS frame the pipe holds (non-blocking).
    void drain();

    // One STATS payload (JSON); one that is not an object is ignored.
    void apply(const uint8_t* json, size_t len);

    // pct in hundredths of a percent; the text, or nullptr when the source is not finite.
    const char* progress(uint32_t* pct) const;

private:
    const EngineProcess& m_engine;
    Metrics& m_metrics;
    const Logger& m_logger;
    FrameReader m_reader;
    bool m_has_progress = false;
    uint32_t m_progress_pct = 0;
    std::string m_progress_text;
};

}  // namespace docker_plugin
