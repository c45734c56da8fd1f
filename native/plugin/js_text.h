// Values and strings written exactly as the engine's JavaScript writes them, so
// that the library and the engine word a config problem identically.
#pragma once

#include <rapidjson/document.h>

#include <string>

namespace docker_plugin {

// JSON.stringify(value) of the value JSON.parse would give: numbers in
// JavaScript's notation (5, 0.5, 1e+21), strings escaped as JavaScript escapes them.
std::string js_json(const rapidjson::Value& value);

// src/describe-value.ts: "an array", else the JSON cut to 80 code points.
std::string describe_value(const rapidjson::Value& value);

// The Unicode code points of UTF-8 text (the library only accepts valid UTF-8).
std::u32string code_points(const std::string& utf8);

// Lower-cases A-Z only, as the engine's asciiLower does.
std::string ascii_lower(std::string text);

}  // namespace docker_plugin
