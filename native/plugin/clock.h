// The two clocks the plugin reads: wall time (Docker's timeNano is on it) and monotonic time (deadlines).
#pragma once

#include <time.h>

#include <cstdint>

namespace docker_plugin {

inline uint64_t realtime_ns() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

inline int64_t monotonic_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace docker_plugin
