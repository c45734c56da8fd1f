#include "metrics.h"

namespace docker_plugin {

ss_plugin_metric* Metrics::snapshot(uint32_t* count) {
    std::lock_guard<std::mutex> lock(m_snapshot_lock);
    m_snapshot.resize(kMetricCount);
    for (size_t i = 0; i < kMetricCount; i++) {
        const MetricInfo& info = kMetrics[i];
        ss_plugin_metric& m = m_snapshot[i];
        m.name = info.name;
        m.type =
            info.kind == MetricKind::Counter ? SS_PLUGIN_METRIC_TYPE_MONOTONIC : SS_PLUGIN_METRIC_TYPE_NON_MONOTONIC;
        m.value_type = SS_PLUGIN_METRIC_VALUE_TYPE_U64;
        m.value.u64 = m_values[i].load(std::memory_order_relaxed);
    }
    *count = uint32_t(m_snapshot.size());
    return m_snapshot.data();
}

}  // namespace docker_plugin
