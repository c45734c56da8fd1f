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
    ImageRegistry,
    // From the engine's container context (docs/enrichment.md).
    ContainerPrivileged,
    ContainerUser,
    ContainerCapAdd,
    ContainerCapDrop,
    ContainerMountSources,
    ContainerMountRwSources,
    ContainerMountDestinations,
    ContainerPidMode,
    ContainerNetworkMode,
    ContainerIpcMode,
    ContainerUtsMode,
    ContainerUsernsMode,
    ContainerSecurityOpt,
    ContainerReadonlyRootfs,
    ContainerDevices,
    ContainerPorts,
    ContainerPublicPorts,
    ContainerRestartPolicy,
    ContainerCmdline,
    ContainerWorkdir,
    ContainerEnvNames,
    ContainerLabel,
    ImageId,
    ImageDigest,
    ExecUser,
    ExecCmdline,
    ExecPrivileged,
    ExecTty,
    Count
};

// Falco's field types (ss_plugin_field_type).
enum class FieldType : uint32_t { String = 9, AbsTime = 21, Bool = 25 };

// One value, or a list of them ("isList"; Falco allows only exists, in and intersects on a list).
enum class Arity : uint8_t { One, List };

// A list field gives at most this many values (the first ones); a hostile payload cannot make one huge.
constexpr size_t kMaxListValues = 1024;

// Where a value comes from in the Docker event JSON.
enum class Source : uint8_t {
    TopLevel,        // a top-level string key (`key`)
    Attribute,       // Actor.Attributes[key]
    AttributeByArg,  // Actor.Attributes[<field argument>]
    Derived,         // computed; see the extractor
    // The engine's container context, enrichment.<object> (docs/enrichment.md). A member is read as the
    // field says: a string, a bool, or for a list field an array of strings (other elements skipped).
    Container,      // enrichment.container[key]
    Image,          // enrichment.image[key]
    Exec,           // enrichment.exec[key]
    LabelByArg,     // enrichment.container.labels[<field argument>]
    FromContainer,  // computed from enrichment.container[key]; see the extractor
};

// Fields named with an argument (`field[key]`); Falco requires the key.
constexpr bool takes_key(Source s) { return s == Source::AttributeByArg || s == Source::LabelByArg; }

// Fields that have a value only when the engine added its container context to the event.
constexpr bool reads_context(Source s) {
    return s == Source::Container || s == Source::Image || s == Source::Exec || s == Source::LabelByArg ||
           s == Source::FromContainer;
}

struct FieldInfo {
    FieldId id;
    const char* name;
    FieldType type;
    Arity arity;
    Source source;
    const char* key;  // JSON key (TopLevel, Container, Image, Exec) or attribute key (Attribute)
    const char* display;
    const char* desc;  // get_fields adds "needs the engine's container context" where reads_context()
};

extern const FieldInfo kFields[];
constexpr size_t kFieldCount = static_cast<size_t>(FieldId::Count);

// JSON array for plugin_get_fields.
std::string fields_json();

}  // namespace docker_plugin
