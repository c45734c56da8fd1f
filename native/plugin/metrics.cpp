#include "metrics.h"

namespace docker_plugin {

namespace {

struct MetricInfo {
    const char* name;
    ss_plugin_metric_type type;
    std::atomic<uint64_t> Metrics::*member;
};

constexpr ss_plugin_metric_type kMono = SS_PLUGIN_METRIC_TYPE_MONOTONIC;
constexpr ss_plugin_metric_type kGauge = SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC;

const MetricInfo kMetricTable[] = {
    {"events_delivered", kMono, &Metrics::events_delivered},
    {"bytes_delivered", kMono, &Metrics::bytes_delivered},
    {"batches", kMono, &Metrics::batches},
    {"idle_timeouts", kMono, &Metrics::idle_timeouts},
    {"engine_starts", kMono, &Metrics::engine_starts},
    {"engine_restarts", kMono, &Metrics::engine_restarts},
    {"errors", kMono, &Metrics::errors},
    {"event_delay_microseconds", kMono, &Metrics::event_delay_microseconds},
    {"bytes_buffered", kGauge, &Metrics::bytes_buffered},
    {"engine_queued_events", kGauge, &Metrics::engine_queued_events},
    {"bytes_queued_in_engine", kGauge, &Metrics::bytes_queued_in_engine},
    {"engine_dropped_events", kMono, &Metrics::engine_dropped_events},
    {"engine_malformed_events", kMono, &Metrics::engine_malformed_events},
    {"engine_oversized_events", kMono, &Metrics::engine_oversized_events},
    {"engine_reconnects", kMono, &Metrics::engine_reconnects},
    {"engine_replay_gaps", kMono, &Metrics::engine_replay_gaps},
    {"engine_overflow_events", kMono, &Metrics::engine_overflow_events},
};

}  // namespace

ss_plugin_metric* Metrics::snapshot(uint32_t* count) {
    std::lock_guard<std::mutex> lock(m_snapshot_lock);
    m_snapshot.resize(sizeof(kMetricTable) / sizeof(kMetricTable[0]));
    for (size_t i = 0; i < m_snapshot.size(); i++) {
        const MetricInfo& info = kMetricTable[i];
        ss_plugin_metric& m = m_snapshot[i];
        m.name = info.name;
        m.type = info.type;
        m.value_type = SS_PLUGIN_METRIC_VALUE_TYPE_U64;
        m.value.u64 = (this->*info.member).load(std::memory_order_relaxed);
    }
    *count = uint32_t(m_snapshot.size());
    return m_snapshot.data();
}

}  // namespace docker_plugin
