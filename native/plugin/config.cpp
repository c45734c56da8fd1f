#include "config.h"

#include "paths.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string_view>

namespace docker_plugin {

namespace {

const char kSchema[] =
#include "init_schema.inc"
    ;

std::string pointer_string(const rapidjson::Pointer& p) {
    rapidjson::StringBuffer sb;
    p.StringifyUriFragment(sb);
    std::string s = sb.GetString();
    if (!s.empty() && s[0] == '#') s.erase(0, 1);
    return s;
}

std::string to_json(const rapidjson::Value& v) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    v.Accept(w);
    return sb.GetString();
}

// "/idleWaitMs" -> "init_config.idleWaitMs"
std::string key_name(const std::string& pointer) {
    std::string name = "init_config";
    for (char c : pointer) name += (c == '/') ? '.' : c;
    return name;
}

std::string unknown_keys_message(const rapidjson::Value& config, const rapidjson::Value& properties) {
    std::string unknown, accepted;
    for (auto& m : config.GetObject())
        if (!properties.HasMember(m.name)) unknown += (unknown.empty() ? "" : ", ") + std::string(m.name.GetString());
    for (auto& p : properties.GetObject()) accepted += (accepted.empty() ? "" : ", ") + std::string(p.name.GetString());
    return "init_config has unknown key(s) " + unknown + "; accepted keys: " + accepted;
}

std::string describe_violation(const rapidjson::SchemaValidator& v, const rapidjson::Document& schema,
                               const rapidjson::Document& config) {
    const std::string keyword = v.GetInvalidSchemaKeyword();
    const std::string doc_ptr = pointer_string(v.GetInvalidDocumentPointer());
    const rapidjson::Value* schema_node = v.GetInvalidSchemaPointer().Get(schema);
    const rapidjson::Value* bad = rapidjson::Pointer(doc_ptr.c_str()).Get(config);
    if (keyword == "additionalProperties") return unknown_keys_message(config, schema["properties"]);
    std::string msg = key_name(doc_ptr) + " ";
    if (keyword == "type" && doc_ptr.empty()) return "init_config must be a JSON object (got " + (bad ? to_json(*bad) : "?") + ")";
    if (schema_node && schema_node->HasMember(keyword.c_str())) {
        const auto& rule = (*schema_node)[keyword.c_str()];
        if (keyword == "minimum") msg += "must be >= " + to_json(rule);
        else if (keyword == "maximum") msg += "must be <= " + to_json(rule);
        else if (keyword == "enum") msg += "must be one of " + to_json(rule);
        else if (keyword == "type") msg += "must be of type " + to_json(rule);
        else if (keyword == "minLength") msg += "must not be empty";
        else msg += "violates schema rule '" + keyword + "': " + to_json(rule);
    } else {
        msg += "violates schema rule '" + keyword + "'";
    }
    if (bad) msg += " (got " + to_json(*bad) + ")";
    return msg;
}

uint32_t number_or_default(const rapidjson::Value& config, const rapidjson::Value& properties, const char* key) {
    auto it = config.FindMember(key);
    if (it != config.MemberEnd() && it->value.IsUint()) return it->value.GetUint();
    return properties[key]["default"].GetUint();
}

}  // namespace

const char* init_schema_json() { return kSchema; }

bool parse_config(const char* json, Config& out, std::string& error) {
    rapidjson::Document schema_doc;
    schema_doc.Parse(kSchema);
    if (schema_doc.HasParseError()) {
        error = "internal error: the embedded init_config schema does not parse";
        return false;
    }
    const std::string_view text = (json && *json) ? json : "{}";
    rapidjson::Document config;
    config.Parse(text.data(), text.size());
    if (config.HasParseError()) {
        error = std::string("init_config is not valid JSON: ") + rapidjson::GetParseError_En(config.GetParseError()) +
                " at offset " + std::to_string(config.GetErrorOffset());
        return false;
    }
    rapidjson::SchemaDocument schema(schema_doc);
    rapidjson::SchemaValidator validator(schema);
    if (!config.Accept(validator)) {
        error = describe_violation(validator, schema_doc, config);
        return false;
    }
    const rapidjson::Value& props = schema_doc["properties"];
    out.raw_json = to_json(config);
    out.open_timeout_ms = number_or_default(config, props, "openTimeoutMs");
    out.idle_wait_ms = number_or_default(config, props, "idleWaitMs");
    out.max_batch_events = number_or_default(config, props, "maxBatchEvents");
    out.max_event_bytes = number_or_default(config, props, "maxEventBytes");
    out.state_max_age_sec = number_or_default(config, props, "stateMaxAgeSec");
    const auto state_dir = config.FindMember("stateDir");
    out.state_dir = state_dir != config.MemberEnd() ? state_dir->value.GetString() : props["stateDir"]["default"].GetString();
    out.uses_deprecated_flush_interval = config.HasMember("flushInterval") || config.HasMember("flushinterval");

    auto given = [&](const char* key) -> std::string {
        auto it = config.FindMember(key);
        return it != config.MemberEnd() ? it->value.GetString() : "";
    };
    std::string node = given("nodePath");
    out.node_path = node.empty() ? find_node_binary() : node;
    if (out.node_path.empty()) {
        error = "Node.js not found: set init_config.nodePath (searched PATH, /usr/local/bin/node, /usr/bin/node)";
        return false;
    }
    if (!is_executable_file(out.node_path)) {
        error = "init_config.nodePath " + out.node_path + " is not an executable file";
        return false;
    }
    std::string engine = given("enginePath");
    if (!engine.empty()) {
        if (!is_regular_file(engine)) {
            error = "init_config.enginePath " + engine + " does not exist or is not a file";
            return false;
        }
        out.engine_path = engine;
    } else {
        std::string searched;
        out.engine_path = find_engine_script(searched);
        if (out.engine_path.empty()) {
            error = "engine not found beside the plugin library (looked for " + searched +
                    "); install it there or set init_config.enginePath";
            return false;
        }
    }
    return true;
}

}  // namespace docker_plugin
