#include "resume_tracker.h"

#include "clock.h"
#include "error_codes.h"
#include "frame.h"

namespace docker_plugin {

void ResumeTracker::load(const std::string& params) {
    if (m_config.state_dir.empty() || replays_a_file(params)) return;
    m_store = ResumeStore(m_config.state_dir, resume_key(params), uint64_t(m_config.state_max_age_sec) * 1000000000u);
    std::string note;
    const ResumeStore::Loaded loaded = m_store.load(m_delivered, note);
    const bool expected = loaded == ResumeStore::Loaded::Resumed || loaded == ResumeStore::Loaded::Missing;
    m_logger.log(expected ? SS_PLUGIN_LOG_SEV_INFO : SS_PLUGIN_LOG_SEV_WARNING, note);
}

void ResumeTracker::opened() {
    m_opened = true;
    m_saved_at_ms = monotonic_ms();
}

void ResumeTracker::note_extracted(const std::vector<ss_plugin_event*>& batch, const ss_plugin_event* evt) {
    if (m_confirmed > 0 && batch[m_confirmed - 1] == evt) return;  // another field of the same event
    for (size_t i = m_confirmed; i < batch.size(); i++) {
        if (batch[i] == evt) {
            confirm_through(batch, i + 1);
            return;
        }
    }
}

void ResumeTracker::confirm_through(const std::vector<ss_plugin_event*>& batch, size_t end) {
    for (; m_confirmed < end; m_confirmed++) {
        const uint64_t ts = batch[m_confirmed]->ts;
        if (ts == frame::kUnknownTs) continue;
        m_delivered.record(ts);
        m_confirmed_total++;
    }
}

void ResumeTracker::save_at_close() {
    if (m_opened) save(true);
}

void ResumeTracker::save(bool closing) {
    if (!m_store.enabled()) return;
    const int64_t now = monotonic_ms();
    const int64_t interval = m_confirmed_total != m_saved_total ? 1000 : 60000;
    if (!closing && now - m_saved_at_ms < interval) return;
    std::string error;
    const bool saved = m_store.save(m_delivered, error);
    m_saved_at_ms = now;
    if (saved) {
        m_saved_total = m_confirmed_total;
        m_store_failing = false;
    } else if (!m_store_failing) {
        m_store_failing = true;  // said once, not every second
        m_logger.log(SS_PLUGIN_LOG_SEV_WARNING,
                     error_message(ErrorCode::StateFile, "cannot keep the resume point (" + error +
                                                             "); after a reload or restart the capture will start "
                                                             "from now"));
    }
}

}  // namespace docker_plugin
