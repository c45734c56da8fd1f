// Counters an operator needs, updated by the source thread and read by
// get_metrics from any thread (Falco's Prometheus scrapes come on another one).
//
// Names read right after Falco's conversions: the metrics file writes plugins.docker.<name>; Prometheus
// writes falcosecurity_plugins_docker_<name>_total for every plugin metric, gauges too, after removing
// every "_bytes", "_ns", "_ts", "_sec", "_kb", "_mb", "_perc", "_ratio" and "_total" from the name. So no
// name holds one of those ("bytes" only right after the plugin's "docker." prefix).
#pragma once

#include "falco_plugin_abi.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace docker_plugin {

struct Metrics {
    std::atomic<uint64_t> events_delivered{0};
    std::atomic<uint64_t> bytes_delivered{0};
    std::atomic<uint64_t> batches{0};
    std::atomic<uint64_t> idle_timeouts{0};
    std::atomic<uint64_t> engine_starts{0};
    std::atomic<uint64_t> engine_restarts{0};
    std::atomic<uint64_t> errors{0};
    std::atomic<uint64_t> event_delay_microseconds{0};
    std::atomic<uint64_t> bytes_buffered{0};
    std::atomic<uint64_t> engine_queued_events{0};
    std::atomic<uint64_t> bytes_queued_in_engine{0};
    std::atomic<uint64_t> engine_dropped_events{0};
    std::atomic<uint64_t> engine_malformed_events{0};
    std::atomic<uint64_t> engine_oversized_events{0};
    std::atomic<uint64_t> engine_reconnects{0};
    std::atomic<uint64_t> engine_replay_gaps{0};
    std::atomic<uint64_t> engine_overflow_events{0};

    // Snapshot for plugin_get_metrics; valid until the next call.
    ss_plugin_metric* snapshot(uint32_t* count);

private:
    std::mutex m_snapshot_lock;
    std::vector<ss_plugin_metric> m_snapshot;
};

}  // namespace docker_plugin
