// What Falco has processed of a capture, not merely received, kept for the next engine (DeliveredTimes) and
// the next capture (ResumeStore). libsinsp hands the events of a batch to Falco's loop one by one, and a
// reload or stop drops the rest of the batch: an event counts as processed once Falco extracted a field of
// it or of a later one, or asked for the next batch.
#pragma once

#include "falco_plugin_abi.h"
#include "config.h"
#include "delivered_times.h"
#include "logger.h"
#include "resume_store.h"

#include <cstdint>
#include <string>
#include <vector>

namespace docker_plugin {

class ResumeTracker {
public:
    ResumeTracker(const Config& config, const Logger& logger) : m_config(config), m_logger(logger) {}

    // Loads the resume point of `params` (none for a file:// replay or without stateDir) and logs what it found.
    void load(const std::string& params);
    // The capture is open: periodic saves count from now, and closing saves.
    void opened();

    const DeliveredTimes& delivered() const { return m_delivered; }

    // A new batch: none of its events is processed yet.
    void begin_batch() { m_confirmed = 0; }
    // Falco extracted a field of `evt`: the events of `batch` up to it are processed.
    void note_extracted(const std::vector<ss_plugin_event*>& batch, const ss_plugin_event* evt);
    // Events [confirmed, end) of `batch` were processed by Falco: a resume starts after them.
    void confirm_through(const std::vector<ss_plugin_event*>& batch, size_t end);

    // Writes the resume point at most once a second while events flow, once a minute otherwise (so that
    // the file's age says when the capture stopped, even after a crash).
    void save_periodically() { save(false); }
    // At close, if the capture was opened.
    void save_at_close();

private:
    void save(bool closing);

    const Config& m_config;
    const Logger& m_logger;
    DeliveredTimes m_delivered;
    size_t m_confirmed = 0;  // events of the current batch processed
    ResumeStore m_store;     // m_delivered across captures (reloads, restarts)
    bool m_opened = false;
    uint64_t m_confirmed_total = 0;
    uint64_t m_saved_total = 0;
    int64_t m_saved_at_ms = 0;
    bool m_store_failing = false;
};

}  // namespace docker_plugin
