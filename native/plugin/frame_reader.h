// Reads frames from the engine's pipe into one reused buffer. Event frames are
// handed out in place and stay untouched until release() (Falco's next
// next_batch call), as the plugin ABI requires.
#pragma once

#include "frame.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace docker_plugin {

class FrameReader {
public:
    static constexpr size_t kDefaultMinBuffer = 4u << 20;
    explicit FrameReader(uint32_t max_payload, size_t min_buffer = kDefaultMinBuffer);

    enum class Fill { Data, WouldBlock, Eof, Error };
    // One non-blocking read of what the pipe holds.
    Fill fill(int fd);

    struct Frame {
        frame::Header header;
        uint8_t* record;  // header + payload, writable
        const uint8_t* payload() const { return record + frame::kHeaderSize; }
    };
    enum class Next { Frame, NeedMore, Invalid };
    // The next complete frame, if any; Invalid sets `problem`.
    Next next(Frame& out, frame::HeaderCheck& problem);

    // Frames handed out before this call may be moved or overwritten again.
    void release() { m_pinned = false; }

    size_t buffered_bytes() const { return m_end - m_begin; }

    // Drops everything buffered (a dead engine's partial frame); only after release().
    void reset() { m_begin = m_end = 0; }

private:
    void make_room();

    std::vector<uint8_t> m_buf;
    size_t m_begin = 0;  // first byte not yet handed out
    size_t m_end = 0;    // end of valid data
    uint32_t m_max_payload;
    bool m_pinned = false;  // event frames before m_begin are in Falco's hands
};

}  // namespace docker_plugin
