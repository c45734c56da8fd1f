// Loader-side view of the Falco plugin C ABI: the table of plugin entry points
// the loader resolves with dlsym, plus short aliases for the shared types.
// Every struct, enum and constant of the ABI (and its layout checks) is in
// native/include/falco_plugin_abi.h.
#pragma once

#include "falco_plugin_abi.h"

namespace falco_abi {

using Rc = ss_plugin_rc;
using PluginHandle = ss_plugin_t;
using InstanceHandle = ss_instance_t;
using OwnerHandle = ss_plugin_owner_t;
using Event = ss_plugin_event;
using InitInput = ss_plugin_init_input;
using SetConfigInput = ss_plugin_set_config_input;
using EventInput = ss_plugin_event_input;
using ExtractField = ss_plugin_extract_field;
using ExtractValueOffsets = ss_plugin_extract_value_offsets;
using FieldExtractInput = ss_plugin_field_extract_input;
using Metric = ss_plugin_metric;

// Exported symbols (all "plugin_<name>", C linkage). Only the ones the
// loader calls have precise types; the rest are resolved for capability
// detection and never called.
struct Api {
    // common
    const char* (*get_required_api_version)() = nullptr;
    const char* (*get_version)() = nullptr;
    const char* (*get_name)() = nullptr;
    const char* (*get_description)() = nullptr;
    const char* (*get_contact)() = nullptr;
    const char* (*get_init_schema)(ss_plugin_schema_type* schema_type) = nullptr;
    PluginHandle* (*init)(const InitInput* in, Rc* rc) = nullptr;
    void (*destroy)(PluginHandle* s) = nullptr;
    const char* (*get_last_error)(PluginHandle* s) = nullptr;
    Rc (*set_config)(PluginHandle* s, const SetConfigInput* in) = nullptr;
    Metric* (*get_metrics)(PluginHandle* s, uint32_t* n) = nullptr;
    const char* (*get_required_event_schema_version)(PluginHandle* s) = nullptr;
    // event sourcing
    uint32_t (*get_id)() = nullptr;
    const char* (*get_event_source)() = nullptr;
    InstanceHandle* (*open)(PluginHandle* s, const char* params, Rc* rc) = nullptr;
    void (*close)(PluginHandle* s, InstanceHandle* h) = nullptr;
    Rc (*next_batch)(PluginHandle* s, InstanceHandle* h, uint32_t* nevts, Event*** evts) = nullptr;
    const char* (*get_progress)(PluginHandle* s, InstanceHandle* h, uint32_t* progress_pct) = nullptr;
    const char* (*list_open_params)(PluginHandle* s, Rc* rc) = nullptr;
    const char* (*event_to_string)(PluginHandle* s, const EventInput* evt) = nullptr;
    // field extraction
    const char* (*get_fields)() = nullptr;
    Rc (*extract_fields)(PluginHandle* s, const EventInput* evt, const FieldExtractInput* in) = nullptr;
    const char* (*get_extract_event_sources)() = nullptr;
    uint16_t* (*get_extract_event_types)(uint32_t* numtypes, PluginHandle* s) = nullptr;
    // event parsing, async events, capture listening: presence only
    void* parse_event = nullptr;
    void* get_parse_event_sources = nullptr;
    void* get_parse_event_types = nullptr;
    void* get_async_events = nullptr;
    void* get_async_event_sources = nullptr;
    void* set_async_event_handler = nullptr;
    void* dump_state = nullptr;
    void* capture_open = nullptr;
    void* capture_close = nullptr;
};

}  // namespace falco_abi
