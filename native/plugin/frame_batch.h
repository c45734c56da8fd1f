// The engine's frame pipe read into batches: event frames become the batch handed to Falco, in place (they
// stay in the reader's buffer until the next batch begins, as the plugin ABI requires); control frames
// (READY, ERROR, STATS, END; docs/engine-protocol.md) are decoded on the way.
#pragma once

#include "falco_plugin_abi.h"
#include "engine_stats.h"
#include "frame_reader.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace docker_plugin {

class FrameBatch {
public:
    FrameBatch(uint32_t max_event_bytes, uint32_t max_events, EngineStats& stats);

    enum class Step { Continue, Ready, Failed };

    // A new engine process: drops what the old one left and waits for its READY. Only between batches.
    void restart();

    // Falco is done with the last batch: its frames may be moved or overwritten.
    void begin();

    // One non-blocking read of the pipe.
    FrameReader::Fill fill(int fd) { return m_reader.fill(fd); }

    // Takes complete frames into the batch, up to max_events. Ready: the engine's READY (once per process);
    // Failed: its ERROR or an invalid frame, described in `error`.
    Step collect(std::string& error);

    std::vector<ss_plugin_event*>& events() { return m_events; }
    const std::vector<ss_plugin_event*>& events() const { return m_events; }
    size_t buffered_bytes() const { return m_reader.buffered_bytes(); }

    // What the engine's READY named as its transport (the default docker.host), if it said.
    const std::optional<std::string>& transport() const { return m_transport; }
    // The engine sent END: the source has ended.
    bool ended() const { return m_ended; }

private:
    Step control(const FrameReader::Frame& f, std::string& error);

    EngineStats& m_stats;
    FrameReader m_reader;
    uint32_t m_max_events;
    std::vector<ss_plugin_event*> m_events;
    bool m_ready = false;
    bool m_ended = false;
    std::optional<std::string> m_transport;
};

}  // namespace docker_plugin
