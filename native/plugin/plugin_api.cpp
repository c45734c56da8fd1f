// The exported C ABI: each function casts the handle, forwards, and catches,
// so nothing throws across the boundary and a failure always leaves a message.
#include "falco_plugin_abi.h"
#include "config.h"
#include "error_codes.h"
#include "fields.h"
#include "instance.h"
#include "plugin.h"
#include "version.h"

#include <exception>
#include <string>

#define DOCKER_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))

using docker_plugin::error_message;
using docker_plugin::ErrorCode;
using docker_plugin::Instance;
using docker_plugin::Plugin;

namespace {

constexpr uint32_t kPluginId = 5;
constexpr const char* kEventSource = "docker";

Plugin* as_plugin(ss_plugin_t* s) { return reinterpret_cast<Plugin*>(s); }
Instance* as_instance(ss_instance_t* i) { return reinterpret_cast<Instance*>(i); }

void record_exception(ss_plugin_t* s, const char* where) noexcept {
    try {
        std::string what = "unknown exception";
        try {
            throw;
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {}
        if (s) as_plugin(s)->set_error(error_message(ErrorCode::Internal, std::string(where) + ": " + what));
    } catch (...) {}
}

}  // namespace

DOCKER_PLUGIN_EXPORT const char* plugin_get_required_api_version() { return "3.6.0"; }
DOCKER_PLUGIN_EXPORT const char* plugin_get_version() { return docker_plugin::plugin_version(); }
DOCKER_PLUGIN_EXPORT const char* plugin_get_name() { return "docker"; }
DOCKER_PLUGIN_EXPORT const char* plugin_get_description() {
    return "Docker Engine events (containers, images, networks, volumes, ...) as a Falco event source, from the "
           "local socket, TCP, TLS, polling or a recording; drop-in replacement for the Go docker plugin";
}
DOCKER_PLUGIN_EXPORT const char* plugin_get_contact() { return "https://github.com/falcosecurity/plugins"; }
DOCKER_PLUGIN_EXPORT uint32_t plugin_get_id() { return kPluginId; }
DOCKER_PLUGIN_EXPORT const char* plugin_get_event_source() { return kEventSource; }

DOCKER_PLUGIN_EXPORT const char* plugin_get_init_schema(ss_plugin_schema_type* type) {
    *type = SS_PLUGIN_SCHEMA_JSON;
    return docker_plugin::init_schema_json();
}

DOCKER_PLUGIN_EXPORT const char* plugin_get_fields() {
    static const std::string fields = docker_plugin::fields_json();  // constant, same for every state
    return fields.c_str();
}

DOCKER_PLUGIN_EXPORT const char* plugin_get_extract_event_sources() { return "[\"docker\"]"; }

DOCKER_PLUGIN_EXPORT uint16_t* plugin_get_extract_event_types(uint32_t* n, ss_plugin_t*) {
    static uint16_t types[] = {SS_PLUGIN_EVENT_TYPE_PLUGIN};
    *n = 1;
    return types;
}

DOCKER_PLUGIN_EXPORT ss_plugin_t* plugin_init(const ss_plugin_init_input* in, ss_plugin_rc* rc) {
    try {
        return reinterpret_cast<ss_plugin_t*>(Plugin::create(in, rc));
    } catch (...) {
        *rc = SS_PLUGIN_FAILURE;
        return nullptr;
    }
}

DOCKER_PLUGIN_EXPORT void plugin_destroy(ss_plugin_t* s) { delete as_plugin(s); }

DOCKER_PLUGIN_EXPORT const char* plugin_get_last_error(ss_plugin_t* s) {
    return s ? as_plugin(s)->last_error() : "plugin state is missing";
}

DOCKER_PLUGIN_EXPORT ss_instance_t* plugin_open(ss_plugin_t* s, const char* params, ss_plugin_rc* rc) {
    try {
        return reinterpret_cast<ss_instance_t*>(as_plugin(s)->open(params, rc));
    } catch (...) {
        record_exception(s, "open");
        *rc = SS_PLUGIN_FAILURE;
        return nullptr;
    }
}

DOCKER_PLUGIN_EXPORT void plugin_close(ss_plugin_t*, ss_instance_t* i) {
    try {
        delete as_instance(i);
    } catch (...) {}
}

DOCKER_PLUGIN_EXPORT ss_plugin_rc plugin_next_batch(ss_plugin_t* s, ss_instance_t* i, uint32_t* nevts,
                                                    ss_plugin_event*** evts) {
    *nevts = 0;
    *evts = nullptr;
    try {
        return as_instance(i)->next_batch(nevts, evts);
    } catch (...) {
        record_exception(s, "next_batch");
        *nevts = 0;
        return SS_PLUGIN_FAILURE;
    }
}

DOCKER_PLUGIN_EXPORT const char* plugin_get_progress(ss_plugin_t*, ss_instance_t* i, uint32_t* pct) {
    *pct = 0;
    return i ? as_instance(i)->progress(pct) : nullptr;
}

DOCKER_PLUGIN_EXPORT const char* plugin_list_open_params(ss_plugin_t* s, ss_plugin_rc* rc) {
    try {
        return as_plugin(s)->list_open_params(rc);
    } catch (...) {
        record_exception(s, "list_open_params");
        *rc = SS_PLUGIN_FAILURE;
        return nullptr;
    }
}

DOCKER_PLUGIN_EXPORT const char* plugin_event_to_string(ss_plugin_t* s, const ss_plugin_event_input* evt) {
    try {
        return as_plugin(s)->extractor().describe(*evt);
    } catch (...) {
        record_exception(s, "event_to_string");
        return "";
    }
}

DOCKER_PLUGIN_EXPORT ss_plugin_rc plugin_extract_fields(ss_plugin_t* s, const ss_plugin_event_input* evt,
                                                        const ss_plugin_field_extract_input* in) {
    try {
        as_plugin(s)->extract(*evt, *const_cast<ss_plugin_field_extract_input*>(in));
        return SS_PLUGIN_SUCCESS;
    } catch (...) {
        record_exception(s, "extract_fields");
        return SS_PLUGIN_FAILURE;
    }
}

DOCKER_PLUGIN_EXPORT ss_plugin_metric* plugin_get_metrics(ss_plugin_t* s, uint32_t* n) {
    try {
        return as_plugin(s)->metrics().snapshot(n);
    } catch (...) {
        *n = 0;
        return nullptr;
    }
}
