// The one field table. get_fields, the extractor, README's field table
// (npm run docs) and the rules check all derive from it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace docker_plugin {

enum class FieldId : uint32_t {
    Status,
    Id,
    From,
    Type,
    Action,
    StackNamespace,
    NodeId,
    SwarmTask,
    SwarmTaskId,
    SwarmTaskName,
    SwarmServiceName,
    NodeStateNew,
    NodeStateOld,
    AttrContainer,
    AttrImage,
    AttrName,
    AttrType,
    AttrExitCode,
    AttrSignal,
    Scope,
    ActorId,
    Attributes,
    Time,
    Host,
    Count
};

enum class FieldType : uint32_t { String = 9, AbsTime = 21 };

// Where a value comes from in the Docker event JSON.
enum class Source : uint8_t {
    TopLevel,        // a top-level string key (`key`)
    Attribute,       // Actor.Attributes[key]
    AttributeByArg,  // Actor.Attributes[<field argument>]
    Derived,         // computed; see the extractor
};

struct FieldInfo {
    FieldId id;
    const char* name;
    FieldType type;
    Source source;
    const char* key;  // JSON key (TopLevel) or attribute key (Attribute)
    const char* display;
    const char* desc;
};

extern const FieldInfo kFields[];
constexpr size_t kFieldCount = static_cast<size_t>(FieldId::Count);

// JSON array for plugin_get_fields.
std::string fields_json();

}  // namespace docker_plugin
