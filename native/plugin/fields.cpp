#include "fields.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace docker_plugin {

using S = Source;
using T = FieldType;

const FieldInfo kFields[] = {
    {FieldId::Status, "docker.status", T::String, S::Derived, "status", "Status",
     "Status of the event: the daemon's `status` key; for container and image events from Docker >= 29 "
     "(which no longer sends it) the Action, as older daemons sent it"},
    {FieldId::Id, "docker.id", T::String, S::Derived, "id", "ID",
     "ID of the event's object: the daemon's `id` key; for container and image events from Docker >= 29, "
     "Actor.ID"},
    {FieldId::From, "docker.from", T::String, S::Derived, "from", "From",
     "Image of a container event (deprecated `from` key; from Docker >= 29, the image attribute)"},
    {FieldId::Type, "docker.type", T::String, S::TopLevel, "Type", "Type",
     "Type of the object (container, image, volume, network, daemon, plugin, node, service, secret, config)"},
    {FieldId::Action, "docker.action", T::String, S::TopLevel, "Action", "Action",
     "Action of the event (create, start, die, destroy, connect, exec_start: <cmd>, ...)"},
    {FieldId::StackNamespace, "docker.stack.namespace", T::String, S::Attribute, "com.docker.stack.namespace",
     "Stack Namespace", "Stack namespace (attribute com.docker.stack.namespace)"},
    {FieldId::NodeId, "docker.node.id", T::String, S::Attribute, "com.docker.swarm.node.id", "Swarm Node ID",
     "Swarm node ID (attribute com.docker.swarm.node.id)"},
    {FieldId::SwarmTask, "docker.swarm.task", T::String, S::Attribute, "com.docker.swarm.task", "Swarm Task",
     "Swarm task (attribute com.docker.swarm.task)"},
    {FieldId::SwarmTaskId, "docker.swarm.taskid", T::String, S::Attribute, "com.docker.swarm.task.id", "Swarm Task ID",
     "Swarm task ID (attribute com.docker.swarm.task.id)"},
    {FieldId::SwarmTaskName, "docker.swarm.taskname", T::String, S::Attribute, "com.docker.swarm.task.name",
     "Swarm Task Name", "Swarm task name (attribute com.docker.swarm.task.name)"},
    {FieldId::SwarmServiceName, "docker.swarm.servicename", T::String, S::Attribute, "com.docker.swarm.service.name",
     "Swarm Service Name", "Swarm service name (attribute com.docker.swarm.service.name)"},
    {FieldId::NodeStateNew, "docker.node.statenew", T::String, S::Attribute, "state.new", "Node New State",
     "New state of a swarm node (attribute state.new)"},
    {FieldId::NodeStateOld, "docker.node.stateold", T::String, S::Attribute, "state.old", "Node Old State",
     "Old state of a swarm node (attribute state.old)"},
    {FieldId::AttrContainer, "docker.attributes.container", T::String, S::Attribute, "container", "Attribute Container",
     "Container ID of a network event (attribute container)"},
    {FieldId::AttrImage, "docker.attributes.image", T::String, S::Attribute, "image", "Attribute Image",
     "Image of a container event (attribute image)"},
    {FieldId::AttrName, "docker.attributes.name", T::String, S::Attribute, "name", "Attribute Name",
     "Name of the container, image, network or volume (attribute name)"},
    {FieldId::AttrType, "docker.attributes.type", T::String, S::Attribute, "type", "Attribute Type",
     "Type attribute, e.g. the driver of a network (attribute type)"},
    {FieldId::AttrExitCode, "docker.attributes.exitcode", T::String, S::Attribute, "exitCode", "Attribute Exit Code",
     "Exit code of a container `die` event (attribute exitCode)"},
    {FieldId::AttrSignal, "docker.attributes.signal", T::String, S::Attribute, "signal", "Attribute Signal",
     "Signal number of a container `kill` event (attribute signal)"},
    {FieldId::Scope, "docker.scope", T::String, S::TopLevel, "scope", "Scope", "Scope of the event (local or swarm)"},
    {FieldId::ActorId, "docker.actor.id", T::String, S::Derived, "", "Actor ID",
     "ID of the object the event is about (Actor.ID)"},
    {FieldId::Attributes, "docker.attributes", T::String, S::AttributeByArg, "", "Attribute",
     "Any attribute of the event by key, e.g. docker.attributes[com.example.label] or docker.attributes[exitCode]"},
    {FieldId::Time, "docker.time", T::AbsTime, S::Derived, "", "Event Time",
     "Time the daemon recorded the event (timeNano; from `time` in seconds when timeNano is absent)"},
    {FieldId::Host, "docker.host", T::String, S::Derived, "host", "Docker Host",
     "The daemon the event came from, as open_params names it (e.g. unix:///var/run/docker.sock); with several "
     "endpoints, the one that sent this event"},
};

static_assert(sizeof(kFields) / sizeof(kFields[0]) == kFieldCount, "one row per FieldId");

static const char* type_name(FieldType t) {
    switch (t) {
        case FieldType::String: return "string";
        case FieldType::AbsTime: return "abstime";
    }
    return "string";
}

std::string fields_json() {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartArray();
    for (size_t i = 0; i < kFieldCount; i++) {
        const FieldInfo& f = kFields[i];
        if (static_cast<size_t>(f.id) != i) return "[]";  // table order broken; caught by tests
        w.StartObject();
        w.Key("type");
        w.String(type_name(f.type));
        w.Key("name");
        w.String(f.name);
        w.Key("display");
        w.String(f.display);
        w.Key("desc");
        w.String(f.desc);
        if (f.source == Source::AttributeByArg) {
            w.Key("arg");
            w.StartObject();
            w.Key("isRequired");
            w.Bool(true);
            w.Key("isKey");
            w.Bool(true);
            w.EndObject();
        }
        w.EndObject();
    }
    w.EndArray();
    return buf.GetString();
}

}  // namespace docker_plugin
