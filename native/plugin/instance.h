// One open capture (ss_instance_t): coordinates the engine (EngineSupervisor) and what Falco has processed
// (ResumeTracker), and keeps next_batch's contract: events stay valid until the next call, EOF and FAILURE
// are returned once the events before them are delivered, and then for good.
#pragma once

#include "falco_plugin_abi.h"
#include "engine_supervisor.h"
#include "resume_tracker.h"

#include <cstdint>
#include <optional>
#include <string>

namespace docker_plugin {

class Plugin;

class Instance {
public:
    explicit Instance(Plugin& plugin);
    ~Instance();

    // Starts the engine and waits (bounded) for READY or its error.
    bool open(const std::string& params, std::string& error);

    ss_plugin_rc next_batch(uint32_t* nevts, ss_plugin_event*** evts);

    // How far a finite source (a replayed file) got: pct in hundredths of a percent.
    const char* progress(uint32_t* pct) const { return m_engine.progress(pct); }

    // Falco extracted a field of `evt`: it has processed the events of the last batch up to this one.
    void note_extracted(const ss_plugin_event* evt) { m_resume.note_extracted(m_engine.events(), evt); }

private:
    void fail(const std::string& error);
    void count_delivered();

    Plugin& m_plugin;
    ResumeTracker m_resume;
    EngineSupervisor m_engine;
    std::optional<ss_plugin_rc> m_pending_rc;  // returned once the events before it are delivered
    bool m_finished = false;                   // EOF or FAILURE returned: sticky
    ss_plugin_rc m_final_rc = SS_PLUGIN_EOF;
};

}  // namespace docker_plugin
