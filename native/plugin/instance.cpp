#include "instance.h"

#include "clock.h"
#include "plugin.h"

namespace docker_plugin {

Instance::Instance(Plugin& plugin)
    : m_plugin(plugin), m_resume(plugin.config(), plugin.logger()), m_engine(plugin, m_resume.delivered()) {}

Instance::~Instance() {
    m_engine.close();
    m_plugin.metrics().set(Metric::BytesBuffered, 0);
    m_resume.save_at_close();
    m_plugin.instance_closed(this);
}

bool Instance::open(const std::string& params, std::string& error) {
    m_resume.load(params);
    if (!m_engine.start(params, error)) return false;
    m_resume.opened();
    return true;
}

ss_plugin_rc Instance::next_batch(uint32_t* nevts, ss_plugin_event*** evts) {
    auto& batch = m_engine.events();
    m_resume.confirm_through(batch, batch.size());  // Falco asks again only once it processed the whole batch
    m_resume.save_periodically();
    m_resume.begin_batch();
    m_engine.begin_batch();
    *nevts = 0;
    *evts = batch.data();
    if (m_finished) return m_final_rc;

    std::string error;
    if (!m_engine.fill_batch(error)) {
        fail(error);
        m_pending_rc = SS_PLUGIN_FAILURE;
    } else if (m_engine.ended()) {
        m_pending_rc = SS_PLUGIN_EOF;
    }

    m_plugin.metrics().set(Metric::BytesBuffered, m_engine.buffered_bytes());
    ss_plugin_rc rc = batch.empty() ? SS_PLUGIN_TIMEOUT : SS_PLUGIN_SUCCESS;
    if (m_pending_rc) {
        rc = *m_pending_rc;
        m_finished = true;
        m_final_rc = rc;
        if (rc == SS_PLUGIN_EOF) m_engine.stop();
    }
    if (batch.empty()) {
        if (rc == SS_PLUGIN_TIMEOUT) m_plugin.metrics().add(Metric::IdleTimeouts);
        return rc;
    }
    count_delivered();
    *nevts = uint32_t(batch.size());
    *evts = batch.data();
    return rc;
}

void Instance::count_delivered() {
    const auto& batch = m_engine.events();
    uint64_t bytes = 0, delay_us = 0;
    const uint64_t now = realtime_ns();
    for (const ss_plugin_event* e : batch) {
        bytes += e->len - frame::kHeaderSize;
        if (e->ts != frame::kUnknownTs && now > e->ts) delay_us += (now - e->ts) / 1000;
    }
    Metrics& metrics = m_plugin.metrics();
    metrics.add(Metric::EventsDelivered, batch.size());
    metrics.add(Metric::BytesDelivered, bytes);
    metrics.add(Metric::EventDelayMicroseconds, delay_us);
    metrics.add(Metric::Batches);
}

void Instance::fail(const std::string& error) {
    m_plugin.set_error(error);
    m_plugin.logger().log(SS_PLUGIN_LOG_SEV_ERROR, error);
    m_engine.stop();
}

}  // namespace docker_plugin
