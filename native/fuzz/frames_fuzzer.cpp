// libFuzzer target: arbitrary bytes on the engine pipe through the frame
// reader. Every frame handed out must lie inside what was read and match its header.
#include "../plugin/frame_reader.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

using namespace docker_plugin;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    int fd = memfd_create("frames", 0);
    if (fd < 0) return 0;
    if (size && write(fd, data, size) != ssize_t(size)) {
        close(fd);
        return 0;
    }
    lseek(fd, 0, SEEK_SET);
    FrameReader reader(4096, 0);  // smallest buffer: exercises compaction
    size_t consumed = 0;
    for (int round = 0; round < 1000; round++) {
        reader.release();
        FrameReader::Fill fill = reader.fill(fd);
        FrameReader::Frame f{};
        frame::HeaderCheck problem{};
        FrameReader::Next next;
        while ((next = reader.next(f, problem)) == FrameReader::Next::Frame) {
            if (f.header.len != frame::kHeaderSize + f.header.payload_len) __builtin_trap();
            if (consumed + f.header.len > size) __builtin_trap();
            if (std::memcmp(f.record, data + consumed, f.header.len) != 0) __builtin_trap();
            consumed += f.header.len;
        }
        if (next == FrameReader::Next::Invalid || fill == FrameReader::Fill::Eof) break;
    }
    close(fd);
    return 0;
}
