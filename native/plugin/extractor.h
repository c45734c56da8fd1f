// Field extraction for one plugin state: parses each event once (cached by
// event number) and answers every field of a call into its own result slot.
#pragma once

#include "falco_plugin_abi.h"
#include "docker_event.h"

#include <string>
#include <vector>

namespace docker_plugin {

class Extractor {
public:
    // Fills every requested field; a field with no value gets res_len 0. Each
    // field's result stays valid until the next call on this state.
    void extract(const ss_plugin_event_input& in, ss_plugin_field_extract_input& req);

    // One readable line for event_to_string; valid until the next call.
    const char* describe(const ss_plugin_event_input& in);

    // docker.host of events that do not name their daemon (a single endpoint).
    void set_default_host(const std::string& host) { m_default_host = host; }

private:
    const DockerEvent& event_for(const ss_plugin_event_input& in);
    void extract_one(ss_plugin_extract_field& field, const char*& str_slot, uint64_t& u64_slot);

    DockerEvent m_event;
    uint64_t m_evtnum = 0;
    const ss_plugin_event* m_evt = nullptr;
    bool m_cached = false;

    // One slot per field of the current call (the ABI allows num_fields > 1).
    std::vector<const char*> m_str_results;
    std::vector<uint64_t> m_u64_results;
    std::string m_line;
    std::string m_default_host;
};

}  // namespace docker_plugin
