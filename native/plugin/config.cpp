#include "config.h"

#include "config_problems.h"
#include "paths.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace docker_plugin {

namespace {

using rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

const char kSchema[] =
#include "init_schema.inc"
    ;

std::string to_json(const Value& v) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    v.Accept(w);
    return sb.GetString();
}

// The schema without its validation keywords (type, enum, minimum, additionalProperties...).
Value documentation_only(const Value& schema, Allocator& a) {
    Value out(rapidjson::kObjectType);
    for (const auto& m : schema.GetObject()) {
        const std::string_view keyword(m.name.GetString(), m.name.GetStringLength());
        if (keyword == "properties") {
            Value properties(rapidjson::kObjectType);
            for (const auto& p : m.value.GetObject())
                properties.AddMember(Value(p.name, a), documentation_only(p.value, a), a);
            out.AddMember(Value(m.name, a), properties, a);
        } else if (keyword == "$schema" || keyword == "title" || keyword == "description" || keyword == "default") {
            out.AddMember(Value(m.name, a), Value(m.value, a), a);
        }
    }
    return out;
}

std::string exported_schema() {
    rapidjson::Document full;
    full.Parse(kSchema);
    return to_json(documentation_only(full, full.GetAllocator()));
}

// JavaScript orders an object's array-index keys ("0", "17"; below 2^32 - 1) first, ascending.
std::optional<uint32_t> array_index(const Value& key) {
    const std::string_view s(key.GetString(), key.GetStringLength());
    if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
    uint64_t n = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + uint64_t(c - '0');
    }
    if (n >= UINT32_MAX) return std::nullopt;
    return uint32_t(n);
}

// The engine reads init_config with JSON.parse: of a repeated key the last value
// counts, in the first one's place, and array-index keys come first. The library
// takes the object the same way, so both judge (and print) the same values.
void normalize_like_javascript(Value& v, Allocator& a) {
    if (v.IsArray())
        for (auto& e : v.GetArray()) normalize_like_javascript(e, a);
    if (!v.IsObject()) return;
    std::vector<std::pair<Value, Value>> members;
    for (auto& m : v.GetObject()) {
        normalize_like_javascript(m.value, a);
        auto same = std::find_if(members.begin(), members.end(), [&](const auto& p) { return p.first == m.name; });
        if (same != members.end())
            same->second = m.value;
        else
            members.emplace_back(std::move(m.name), std::move(m.value));
    }
    std::stable_sort(members.begin(), members.end(), [](const auto& x, const auto& y) {
        const auto ix = array_index(x.first), iy = array_index(y.first);
        return ix && (!iy || *ix < *iy);
    });
    v.SetObject();
    for (auto& [name, value] : members) v.AddMember(name, value, a);
}

// JavaScript has one number type: 5.0 and 1e3 are integers to ajv, doubles to
// rapidjson's validator, which would refuse them as "integer". An integral
// double is made an integer; beyond 64 bits, the nearest 64-bit bound, which is
// just as far out of every range in the schema.
void integral_doubles_to_integers(Value& v) {
    if (v.IsObject())
        for (auto& m : v.GetObject()) integral_doubles_to_integers(m.value);
    else if (v.IsArray())
        for (auto& e : v.GetArray()) integral_doubles_to_integers(e);
    else if (v.IsDouble() && std::trunc(v.GetDouble()) == v.GetDouble()) {
        const double d = v.GetDouble();
        if (d < 0)
            v.SetInt64(d < -std::ldexp(1.0, 63) ? INT64_MIN : int64_t(d));
        else
            v.SetUint64(d >= std::ldexp(1.0, 64) ? UINT64_MAX : uint64_t(d));
    }
}

KeyPath key_path(const rapidjson::Pointer& pointer) {
    KeyPath path;
    for (size_t i = 0; i < pointer.GetTokenCount(); ++i)
        path.emplace_back(pointer.GetTokens()[i].name, pointer.GetTokens()[i].length);
    return path;
}

const Value& member_at(const Value& root, const KeyPath& path) {
    const Value* node = &root;
    for (const auto& key : path) node = &node->FindMember(key)->value;
    return *node;
}

Value& member_at(Value& root, const KeyPath& path) { return const_cast<Value&>(member_at(std::as_const(root), path)); }

// Reports every key of `object` the schema's `properties` lack, and removes them.
void take_unknown_keys(Value& object, const KeyPath& path, const Value& properties,
                       std::vector<std::string>& problems) {
    std::vector<std::string> accepted, unknown;
    for (const auto& p : properties.GetObject()) accepted.emplace_back(p.name.GetString(), p.name.GetStringLength());
    for (const auto& m : object.GetObject())
        if (!properties.HasMember(m.name)) unknown.emplace_back(m.name.GetString(), m.name.GetStringLength());
    for (const auto& key : unknown) {
        problems.push_back(unknown_key_problem(path, key, accepted));
        object.RemoveMember(key);
    }
}

// rapidjson's validator (1.1.0) stops at the first problem, so each offending
// member is reported and removed from a copy, and the copy validated again until
// it passes. The values shown are the config's own.
std::vector<std::string> schema_problems(const Value& config, const rapidjson::Document& schema_doc) {
    if (!config.IsObject()) return {not_an_object_problem(config)};
    rapidjson::Document checked;
    checked.CopyFrom(config, checked.GetAllocator());
    integral_doubles_to_integers(checked);
    const rapidjson::SchemaDocument schema(schema_doc);
    std::vector<std::string> problems;
    for (;;) {
        rapidjson::SchemaValidator validator(schema);
        if (checked.Accept(validator)) return problems;
        const KeyPath path = key_path(validator.GetInvalidDocumentPointer());
        const std::string keyword = validator.GetInvalidSchemaKeyword();
        const Value& rule = *validator.GetInvalidSchemaPointer().Get(schema_doc);
        if (keyword == "additionalProperties") {
            const KeyPath object(path.begin(), path.end() - 1);  // the path ends with the first unknown key
            take_unknown_keys(member_at(checked, object), object, rule["properties"], problems);
        } else {
            problems.push_back(rule_problem(path, keyword, rule, member_at(config, path)));
            if (path.empty()) return problems;  // a rule on the whole object: nothing to remove
            member_at(checked, KeyPath(path.begin(), path.end() - 1)).RemoveMember(path.back());
        }
    }
}

// Falco passes `init_config: {}` as the text null, and an empty or absent one as
// "" (libsinsp then as {}); like the JSON string "", they all mean every default.
// Numbers are read correctly rounded and text must be UTF-8, as Node.js reads them.
bool parse_text(const char* json, rapidjson::Document& config, std::string& error) {
    const std::string_view text = (json && *json) ? json : "{}";
    config.Parse<rapidjson::kParseFullPrecisionFlag | rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
    if (config.HasParseError()) {
        error = std::string("init_config is not valid JSON: ") + rapidjson::GetParseError_En(config.GetParseError()) +
                " at offset " + std::to_string(config.GetErrorOffset());
        return false;
    }
    if (config.IsNull() || (config.IsString() && config.GetStringLength() == 0)) config.SetObject();
    normalize_like_javascript(config, config.GetAllocator());
    return true;
}

// `config` is valid: a number there is an integer in range, though maybe written 5.0.
uint32_t number_or_default(const Value& config, const Value& properties, const char* key) {
    auto it = config.FindMember(key);
    return uint32_t((it != config.MemberEnd() ? it->value : properties[key]["default"]).GetDouble());
}

std::string string_or_empty(const Value& config, const char* key) {
    auto it = config.FindMember(key);
    return it != config.MemberEnd() ? it->value.GetString() : "";
}

void read_settings(const Value& config, const Value& properties, Config& out) {
    out.raw_json = to_json(config);
    out.open_timeout_ms = number_or_default(config, properties, "openTimeoutMs");
    out.idle_wait_ms = number_or_default(config, properties, "idleWaitMs");
    out.max_batch_events = number_or_default(config, properties, "maxBatchEvents");
    out.max_event_bytes = number_or_default(config, properties, "maxEventBytes");
    out.state_max_age_sec = number_or_default(config, properties, "stateMaxAgeSec");
    const auto state_dir = config.FindMember("stateDir");
    out.state_dir =
        (state_dir != config.MemberEnd() ? state_dir->value : properties["stateDir"]["default"]).GetString();
    out.uses_deprecated_flush_interval = config.HasMember("flushInterval") || config.HasMember("flushinterval");
}

// The engine first: the package's self-contained executable needs no Node.js, a script does.
bool find_programs(const Value& config, Config& out, std::string& error) {
    const std::string engine = string_or_empty(config, "enginePath");
    if (!engine.empty()) {
        if (!is_regular_file(engine)) {
            error = "init_config.enginePath " + engine + " does not exist or is not a file";
            return false;
        }
        out.engine_path = engine;
    } else {
        std::string searched;
        out.engine_path = find_engine(searched);
        if (out.engine_path.empty()) {
            error = "engine not found beside the plugin library (looked for " + searched +
                    "); copy the package's docker-engine next to libdocker.so or set init_config.enginePath";
            return false;
        }
    }
    const std::string node = string_or_empty(config, "nodePath");
    if (is_self_contained(out.engine_path)) {
        if (!is_executable_file(out.engine_path)) {
            error = "the engine " + out.engine_path + " is not executable (chmod +x it)";
            return false;
        }
        out.ignores_node_path = !node.empty();
        return true;
    }
    out.node_path = node.empty() ? find_node_binary() : node;
    if (out.node_path.empty()) {
        error = "Node.js not found to run the engine script " + out.engine_path +
                ": set init_config.nodePath (searched PATH, /usr/local/bin/node, /usr/bin/node), or use the "
                "package's self-contained docker-engine";
        return false;
    }
    if (!is_executable_file(out.node_path)) {
        error = "init_config.nodePath " + out.node_path + " is not an executable file";
        return false;
    }
    return true;
}

}  // namespace

// Falco checks init_config against this schema with valijson before plugin_init
// and stops at the first failure with valijson's message alone ("In <root>, Value
// type not permitted by 'type' constraint": no value, no suggestion); it also
// hands `init_config: {}` over as null. So the exported schema only documents and
// accepts any JSON, and plugin_init, validating with the full schema, names every
// problem.
const char* init_schema_json() {
    static const std::string schema = exported_schema();
    return schema.c_str();
}

bool parse_config(const char* json, Config& out, std::string& error) {
    rapidjson::Document schema_doc;
    schema_doc.Parse(kSchema);
    if (schema_doc.HasParseError()) {
        error = "internal error: the embedded init_config schema does not parse";
        return false;
    }
    rapidjson::Document config;
    if (!parse_text(json, config, error)) return false;
    const std::vector<std::string> problems = schema_problems(config, schema_doc);
    if (!problems.empty()) {
        error = join_problems(problems);
        return false;
    }
    read_settings(config, schema_doc["properties"], out);
    return find_programs(config, out, error);
}

}  // namespace docker_plugin
