// init_config: validated against the one schema (src/config/schema.json,
// embedded at build time), defaults taken from it; every problem named as the
// engine names it.
#pragma once

#include <cstdint>
#include <string>

namespace docker_plugin {

// What plugin_get_init_schema exports: the schema's documentation, no validation.
const char* init_schema_json();

struct Config {
    std::string raw_json;  // the object as given ({} for null or ""), handed to the engine
    std::string engine_path;
    std::string node_path;           // "" for the self-contained engine, which runs by itself
    bool ignores_node_path = false;  // nodePath given, but the engine needs no Node.js
    uint32_t open_timeout_ms = 0;
    uint32_t idle_wait_ms = 0;
    uint32_t max_batch_events = 0;
    uint32_t max_event_bytes = 0;
    std::string state_dir;  // "" = do not keep resume points
    uint32_t state_max_age_sec = 0;
    bool uses_deprecated_flush_interval = false;
};

// Parses and validates; on failure returns false with every problem, one
// sentence each naming the key, sorted and joined by "; ".
bool parse_config(const char* json, Config& out, std::string& error);

}  // namespace docker_plugin
