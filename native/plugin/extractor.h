// Field extraction for one plugin state: parses each event once (cached by
// event number) and answers every field of a call into its own result slot.
#pragma once

#include "falco_plugin_abi.h"
#include "docker_event.h"

#include <string>
#include <vector>

namespace docker_plugin {

// What one field of an extract call returns, kept until the next call; reused, so extraction allocates
// nothing once warm.
struct FieldResult {
    const char* str = nullptr;
    uint64_t u64 = 0;
    ss_plugin_bool boolean = 0;
    std::vector<const char*> strs;  // a list's values
    std::string text;               // values computed here (not in the payload), each NUL-terminated
};

class Extractor {
public:
    // Fills every requested field; a field with no value gets res_len 0, and so does an empty list (Falco
    // reads res_len 0 as "no value": it cannot tell an empty list from a missing one). Each field's result
    // stays valid until the next call on this state.
    void extract(const ss_plugin_event_input& in, ss_plugin_field_extract_input& req);

    // One readable line for event_to_string; valid until the next call.
    const char* describe(const ss_plugin_event_input& in);

    // docker.host of events that do not name their daemon (a single endpoint).
    void set_default_host(const std::string& host) { m_default_host = host; }

private:
    const DockerEvent& event_for(const ss_plugin_event_input& in);
    void extract_one(ss_plugin_extract_field& field, FieldResult& result);
    void extract_derived(ss_plugin_extract_field& field, FieldResult& result);
    // `value` is enrichment.container[key] of the field, or nullptr.
    static void extract_from_container(ss_plugin_extract_field& field, FieldResult& result,
                                       const rapidjson::Value* value);

    DockerEvent m_event;
    uint64_t m_evtnum = 0;
    const ss_plugin_event* m_evt = nullptr;
    bool m_cached = false;

    // One per field of the current call (the ABI allows num_fields > 1); grows, never shrinks.
    std::vector<FieldResult> m_results;
    std::string m_line;
    std::string m_default_host;
};

}  // namespace docker_plugin
