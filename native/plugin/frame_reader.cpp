#include "frame_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace docker_plugin {

namespace {
constexpr size_t kMinReadSpace = 64u << 10;
}  // namespace

FrameReader::FrameReader(uint32_t max_payload, size_t min_buffer)
    : m_buf(std::max(min_buffer, 2 * (size_t(max_payload) + frame::kHeaderSize))), m_max_payload(max_payload) {}

void FrameReader::make_room() {
    if (m_pinned) return;
    if (m_begin == m_end) {
        m_begin = m_end = 0;
        return;
    }
    if (m_buf.size() - m_end >= kMinReadSpace) return;
    std::memmove(m_buf.data(), m_buf.data() + m_begin, m_end - m_begin);
    m_end -= m_begin;
    m_begin = 0;
}

FrameReader::Fill FrameReader::fill(int fd) {
    make_room();
    if (m_end == m_buf.size()) return Fill::WouldBlock;  // full of frames already handed out
    for (;;) {
        ssize_t n = read(fd, m_buf.data() + m_end, m_buf.size() - m_end);
        if (n > 0) {
            m_end += size_t(n);
            return Fill::Data;
        }
        if (n == 0) return Fill::Eof;
        if (errno == EINTR) continue;
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? Fill::WouldBlock : Fill::Error;
    }
}

FrameReader::Next FrameReader::next(Frame& out, frame::HeaderCheck& problem) {
    const size_t avail = m_end - m_begin;
    if (avail < frame::kHeaderSize) return Next::NeedMore;
    uint8_t* p = m_buf.data() + m_begin;
    problem = frame::parse_header(p, m_max_payload, out.header);
    if (problem != frame::HeaderCheck::Ok) return Next::Invalid;
    if (avail < out.header.len) return Next::NeedMore;
    out.record = p;
    m_begin += out.header.len;
    if (out.header.type == uint16_t(frame::Type::Event)) m_pinned = true;
    return Next::Frame;
}

}  // namespace docker_plugin
