// The plugin's metrics, declared once: the table below gives each its name, kind and meaning; the values
// are updated by the source thread and read by get_metrics from any thread (Falco's Prometheus scrapes come
// on another one). README's metrics table is generated from the table (`npm run docs`).
//
// Names read right after Falco's conversions: the metrics file writes plugins.docker.<name>; Prometheus
// writes falcosecurity_plugins_docker_<name>_total for every plugin metric, gauges too, after removing
// every "_bytes", "_ns", "_ts", "_sec", "_kb", "_mb", "_perc", "_ratio" and "_total" from the name. So no
// name holds one of those ("bytes" only right after the plugin's "docker." prefix).
#pragma once

#include "falco_plugin_abi.h"
#include "enum_table.h"

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace docker_plugin {

enum class Metric : uint32_t {
    EventsDelivered,
    BytesDelivered,
    Batches,
    IdleTimeouts,
    EngineStarts,
    EngineRestarts,
    Errors,
    EventDelayMicroseconds,
    BytesBuffered,
    EngineQueuedEvents,
    BytesQueuedInEngine,
    EngineDroppedEvents,
    EngineMalformedEvents,
    EngineOversizedEvents,
    EngineReconnects,
    EngineReplayGaps,
    EngineOverflowEvents,
    EngineStalledStreams,
    EngineEnrichedEvents,
    EngineEnrichmentLateEvents,
    EngineEnrichmentGoneEvents,
    EngineEnrichmentFailedEvents,
    EngineInspectRequests,
    Count
};

enum class MetricKind : uint8_t {
    Counter,  // SS_PLUGIN_METRIC_TYPE_MONOTONIC
    Gauge,    // SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC
};

struct MetricInfo {
    Metric id;
    const char* name;
    MetricKind kind;
    const char* stats_key;  // the key of the engine's STATS frames that sets it; nullptr: counted by the library
    const char* meaning;    // one line for users
};

inline constexpr MetricInfo kMetrics[] = {
    {Metric::EventsDelivered, "events_delivered", MetricKind::Counter, nullptr, "events handed to Falco"},
    {Metric::BytesDelivered, "bytes_delivered", MetricKind::Counter, nullptr, "bytes of those events' JSON"},
    {Metric::Batches, "batches", MetricKind::Counter, nullptr, "`next_batch` calls that returned events"},
    {Metric::IdleTimeouts, "idle_timeouts", MetricKind::Counter, nullptr,
     "`next_batch` calls that found no event within `idleWaitMs`"},
    {Metric::EngineStarts, "engine_starts", MetricKind::Counter, nullptr,
     "engine processes started (one per capture, plus restarts)"},
    {Metric::EngineRestarts, "engine_restarts", MetricKind::Counter, nullptr,
     "engines restarted after they died while streaming"},
    {Metric::Errors, "errors", MetricKind::Counter, nullptr, "failures reported to Falco (each is also in its log)"},
    {Metric::EventDelayMicroseconds, "event_delay_microseconds", MetricKind::Counter, nullptr,
     "sum, over the events handed to Falco, of the time from the daemon's `timeNano` to the hand-off: "
     "`rate(…event_delay_microseconds_total) / rate(…events_delivered_total)` is the mean delay"},
    {Metric::BytesBuffered, "bytes_buffered", MetricKind::Gauge, nullptr,
     "bytes the plugin has read from the engine and not yet handed to Falco"},
    {Metric::EngineQueuedEvents, "engine_queued_events", MetricKind::Gauge, "queuedEvents",
     "events the engine holds while Falco is behind"},
    {Metric::BytesQueuedInEngine, "bytes_queued_in_engine", MetricKind::Gauge, "queuedBytes",
     "bytes of those events (bounded by `bufferBytes`)"},
    {Metric::EngineDroppedEvents, "engine_dropped_events", MetricKind::Counter, "droppedEvents",
     "events the engine dropped: malformed + oversized + overflow"},
    {Metric::EngineMalformedEvents, "engine_malformed_events", MetricKind::Counter, "malformedEvents",
     "lines from the daemon that are not a Docker event (logged)"},
    {Metric::EngineOversizedEvents, "engine_oversized_events", MetricKind::Counter, "oversizedEvents",
     "events larger than `maxEventBytes` (logged)"},
    {Metric::EngineReconnects, "engine_reconnects", MetricKind::Counter, "reconnects", "reconnections to a daemon"},
    {Metric::EngineReplayGaps, "engine_replay_gaps", MetricKind::Counter, "replayGaps",
     "reconnects after which events may be missing because the daemon had evicted them from its 256-event "
     "replay buffer (each is also logged as `ERR_EVENTS_LOST`)"},
    {Metric::EngineOverflowEvents, "engine_overflow_events", MetricKind::Counter, "overflowEvents",
     "events dropped because the engine's buffer was full (`ERR_EVENTS_DROPPED`)"},
    {Metric::EngineStalledStreams, "engine_stalled_streams", MetricKind::Counter, "stalledStreams",
     "event streams that went silent while the daemon published events, found by the liveness check and replaced "
     "(`ERR_STREAM_STALLED`)"},
    {Metric::EngineEnrichedEvents, "engine_enriched_events", MetricKind::Counter, "enrichedEvents",
     "container events sent with their container context (the `enrichment` key, docs/enrichment.md)"},
    {Metric::EngineEnrichmentLateEvents, "engine_enrichment_late_events", MetricKind::Counter, "enrichLateEvents",
     "events sent without their container context because the inspect took longer than `enrichment.waitMs`"},
    {Metric::EngineEnrichmentGoneEvents, "engine_enrichment_gone_events", MetricKind::Counter, "enrichGoneEvents",
     "events sent without their container context because the container or exec was already gone (HTTP 404)"},
    {Metric::EngineEnrichmentFailedEvents, "engine_enrichment_failed_events", MetricKind::Counter, "enrichFailedEvents",
     "events sent without their container context because the inspect failed otherwise (`ERR_INSPECT`)"},
    {Metric::EngineInspectRequests, "engine_inspect_requests", MetricKind::Counter, "inspectRequests",
     "inspect requests the engine sent to the daemon (containers, execs, images)"},
};

constexpr size_t kMetricCount = static_cast<size_t>(Metric::Count);
static_assert(rows_in_enum_order(kMetrics, &MetricInfo::id, kMetricCount),
              "kMetrics: one row per Metric, in its order");

class Metrics {
public:
    void add(Metric metric, uint64_t n = 1) { value(metric).fetch_add(n, std::memory_order_relaxed); }
    void set(Metric metric, uint64_t v) { value(metric).store(v, std::memory_order_relaxed); }

    // Snapshot for plugin_get_metrics, one entry per row of kMetrics; valid until the next call.
    ss_plugin_metric* snapshot(uint32_t* count);

private:
    std::atomic<uint64_t>& value(Metric metric) { return m_values[static_cast<size_t>(metric)]; }

    std::array<std::atomic<uint64_t>, kMetricCount> m_values{};
    std::mutex m_snapshot_lock;
    std::vector<ss_plugin_metric> m_snapshot;
};

}  // namespace docker_plugin
