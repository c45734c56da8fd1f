// One sentence per init_config problem, worded exactly as the engine words it
// (src/config/problems.ts); test/fixtures/config-cases.json holds both to it.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace docker_plugin {

using KeyPath = std::vector<std::string>;  // {"tls", "ca"} names init_config.tls.ca

std::string not_an_object_problem(const rapidjson::Value& config);

// `key` of the object at `object` is none of `accepted` (its keys in schema order).
std::string unknown_key_problem(const KeyPath& object, const std::string& key,
                                const std::vector<std::string>& accepted);

// The value at `path` breaks `keyword` of `rule`, the schema of that value.
std::string rule_problem(const KeyPath& path, const std::string& keyword, const rapidjson::Value& rule,
                         const rapidjson::Value& value);

// The problems in byte order, joined by "; ".
std::string join_problems(std::vector<std::string> problems);

}  // namespace docker_plugin
