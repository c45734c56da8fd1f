// A string member of a JSON object, "" when it is missing or not a string.
#pragma once

#include <rapidjson/document.h>

#include <string>

namespace docker_plugin {

inline std::string json_string_member(const rapidjson::Value& object, const char* key) {
    auto it = object.FindMember(key);
    return (it != object.MemberEnd() && it->value.IsString()) ? it->value.GetString() : "";
}

}  // namespace docker_plugin
