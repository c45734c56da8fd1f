#include "fields.h"

#include "enum_table.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace docker_plugin {

using S = Source;
using T = FieldType;
constexpr Arity One = Arity::One;
constexpr Arity List = Arity::List;

constexpr FieldInfo kFields[] = {
    {FieldId::Status, "docker.status", T::String, One, S::Derived, "status", "Status",
     "Status of the event: the daemon's `status` key; for container and image events from Docker >= 29 "
     "(which no longer sends it) the Action, as older daemons sent it"},
    {FieldId::Id, "docker.id", T::String, One, S::Derived, "id", "ID",
     "ID of the event's object: the daemon's `id` key; for container and image events from Docker >= 29, "
     "Actor.ID"},
    {FieldId::From, "docker.from", T::String, One, S::Derived, "from", "From",
     "Image of a container event (deprecated `from` key; from Docker >= 29, the image attribute)"},
    {FieldId::Type, "docker.type", T::String, One, S::TopLevel, "Type", "Type",
     "Type of the object (container, image, volume, network, daemon, plugin, node, service, secret, config)"},
    {FieldId::Action, "docker.action", T::String, One, S::TopLevel, "Action", "Action",
     "Action of the event (create, start, die, destroy, connect, exec_start: <cmd>, ...)"},
    {FieldId::StackNamespace, "docker.stack.namespace", T::String, One, S::Attribute, "com.docker.stack.namespace",
     "Stack Namespace", "Stack namespace (attribute com.docker.stack.namespace)"},
    {FieldId::NodeId, "docker.node.id", T::String, One, S::Attribute, "com.docker.swarm.node.id", "Swarm Node ID",
     "Swarm node ID (attribute com.docker.swarm.node.id)"},
    {FieldId::SwarmTask, "docker.swarm.task", T::String, One, S::Attribute, "com.docker.swarm.task", "Swarm Task",
     "Swarm task (attribute com.docker.swarm.task)"},
    {FieldId::SwarmTaskId, "docker.swarm.taskid", T::String, One, S::Attribute, "com.docker.swarm.task.id",
     "Swarm Task ID", "Swarm task ID (attribute com.docker.swarm.task.id)"},
    {FieldId::SwarmTaskName, "docker.swarm.taskname", T::String, One, S::Attribute, "com.docker.swarm.task.name",
     "Swarm Task Name", "Swarm task name (attribute com.docker.swarm.task.name)"},
    {FieldId::SwarmServiceName, "docker.swarm.servicename", T::String, One, S::Attribute,
     "com.docker.swarm.service.name", "Swarm Service Name",
     "Swarm service name (attribute com.docker.swarm.service.name)"},
    {FieldId::NodeStateNew, "docker.node.statenew", T::String, One, S::Attribute, "state.new", "Node New State",
     "New state of a swarm node (attribute state.new)"},
    {FieldId::NodeStateOld, "docker.node.stateold", T::String, One, S::Attribute, "state.old", "Node Old State",
     "Old state of a swarm node (attribute state.old)"},
    {FieldId::AttrContainer, "docker.attributes.container", T::String, One, S::Attribute, "container",
     "Attribute Container", "Container ID of a network event (attribute container)"},
    {FieldId::AttrImage, "docker.attributes.image", T::String, One, S::Attribute, "image", "Attribute Image",
     "Image of a container event (attribute image)"},
    {FieldId::AttrName, "docker.attributes.name", T::String, One, S::Attribute, "name", "Attribute Name",
     "Name of the container, image, network or volume (attribute name)"},
    {FieldId::AttrType, "docker.attributes.type", T::String, One, S::Attribute, "type", "Attribute Type",
     "Type attribute, e.g. the driver of a network (attribute type)"},
    {FieldId::AttrExitCode, "docker.attributes.exitcode", T::String, One, S::Attribute, "exitCode",
     "Attribute Exit Code", "Exit code of a container `die` event (attribute exitCode)"},
    {FieldId::AttrSignal, "docker.attributes.signal", T::String, One, S::Attribute, "signal", "Attribute Signal",
     "Signal number of a container `kill` event (attribute signal)"},
    {FieldId::Scope, "docker.scope", T::String, One, S::TopLevel, "scope", "Scope",
     "Scope of the event (local or swarm)"},
    {FieldId::ActorId, "docker.actor.id", T::String, One, S::Derived, "", "Actor ID",
     "ID of the object the event is about (Actor.ID)"},
    {FieldId::Attributes, "docker.attributes", T::String, One, S::AttributeByArg, "", "Attribute",
     "Any attribute of the event by key, e.g. docker.attributes[com.example.label] or docker.attributes[exitCode]"},
    {FieldId::Time, "docker.time", T::AbsTime, One, S::Derived, "", "Event Time",
     "Time the daemon recorded the event (timeNano; from `time` in seconds when timeNano is absent)"},
    {FieldId::Host, "docker.host", T::String, One, S::Derived, "host", "Docker Host",
     "The daemon the event came from, as open_params names it (e.g. unix:///var/run/docker.sock); with several "
     "endpoints, the one that sent this event"},
    {FieldId::ImageRegistry, "docker.image.registry", T::String, One, S::Derived, "", "Image Registry",
     "Registry host of a container event's image (attribute image), as Docker resolves the reference: its first "
     "path component when that names a host (holds `.` or `:`, is `localhost`, or has upper case), else "
     "`docker.io` (Docker Hub: `nginx`, `library/nginx`; `index.docker.io` also gives `docker.io`); no value for "
     "an image given by ID (`sha256:…` or 64 hex digits)"},
    {FieldId::ContainerPrivileged, "docker.container.privileged", T::Bool, One, S::Container, "privileged",
     "Privileged", "Whether the container is privileged (`--privileged`)"},
    {FieldId::ContainerUser, "docker.container.user", T::String, One, S::Container, "user", "Container User",
     "User the container's process runs as: `--user`, else the image's USER; `root` when neither names one"},
    {FieldId::ContainerCapAdd, "docker.container.cap_add", T::String, List, S::Container, "capAdd",
     "Added Capabilities",
     "Capabilities added (`--cap-add`) as `CAP_…` in upper case, or `ALL`, e.g. docker.container.cap_add intersects "
     "(CAP_SYS_ADMIN, ALL)"},
    {FieldId::ContainerCapDrop, "docker.container.cap_drop", T::String, List, S::Container, "capDrop",
     "Dropped Capabilities", "Capabilities dropped (`--cap-drop`) as `CAP_…` in upper case, or `ALL`"},
    {FieldId::ContainerMountSources, "docker.container.mount.sources", T::String, List, S::FromContainer, "mounts",
     "Bind Mount Sources", "Host paths bind-mounted into the container (the source of each `bind` mount)"},
    {FieldId::ContainerMountRwSources, "docker.container.mount.rw_sources", T::String, List, S::FromContainer, "mounts",
     "Read-Write Bind Mount Sources", "Host paths bind-mounted read-write (the source of each writable `bind` mount)"},
    {FieldId::ContainerMountDestinations, "docker.container.mount.destinations", T::String, List, S::FromContainer,
     "mounts", "Mount Destinations",
     "Paths in the container where something is mounted (the destination of every mount: bind, volume, tmpfs, …)"},
    {FieldId::ContainerPidMode, "docker.container.pid_mode", T::String, One, S::Container, "pidMode", "PID Mode",
     "PID namespace (`--pid`): `host`, `container:<id>`, or \"\" for the daemon's default"},
    {FieldId::ContainerNetworkMode, "docker.container.network_mode", T::String, One, S::Container, "networkMode",
     "Network Mode", "Network mode (`--network`): `default`, `bridge`, `host`, `none`, `container:<id>` or a network"},
    {FieldId::ContainerIpcMode, "docker.container.ipc_mode", T::String, One, S::Container, "ipcMode", "IPC Mode",
     "IPC namespace (`--ipc`): `host`, `private`, `shareable`, `container:<id>`, or \"\" for the daemon's default"},
    {FieldId::ContainerUtsMode, "docker.container.uts_mode", T::String, One, S::Container, "utsMode", "UTS Mode",
     "UTS namespace (`--uts`): `host`, or \"\" for the container's own"},
    {FieldId::ContainerUsernsMode, "docker.container.userns_mode", T::String, One, S::Container, "usernsMode",
     "User Namespace Mode", "User namespace (`--userns`): `host`, or \"\" for the daemon's default"},
    {FieldId::ContainerSecurityOpt, "docker.container.security_opt", T::String, List, S::Container, "securityOpt",
     "Security Options",
     "Security options (`--security-opt`) as `key=value`, e.g. `seccomp=unconfined`, `apparmor=unconfined`"},
    {FieldId::ContainerReadonlyRootfs, "docker.container.readonly_rootfs", T::Bool, One, S::Container, "readonlyRootfs",
     "Read-Only Root Filesystem", "Whether the container's root filesystem is read-only (`--read-only`)"},
    {FieldId::ContainerDevices, "docker.container.devices", T::String, List, S::Container, "devices", "Devices",
     "Host devices given to the container (`--device`), as their host paths"},
    {FieldId::ContainerPorts, "docker.container.ports", T::String, List, S::FromContainer, "ports", "Port Bindings",
     "Ports published (`-p`, as asked: a created container has no live ports yet) as `hostIp:hostPort/protocol`, IPv6 "
     "in brackets (`0.0.0.0:8080/tcp`, `[::]:22/tcp`); host port 0 = any free port"},
    {FieldId::ContainerPublicPorts, "docker.container.public_ports", T::String, List, S::FromContainer, "ports",
     "Public Ports",
     "`hostPort/protocol` of the ports published on every interface (host IP `0.0.0.0` or `::`), e.g. `22/tcp`"},
    {FieldId::ContainerRestartPolicy, "docker.container.restart_policy", T::String, One, S::Container, "restartPolicy",
     "Restart Policy",
     "Restart policy (`--restart`): `no`, `always`, `unless-stopped`, `on-failure` or `on-failure:<retries>`"},
    {FieldId::ContainerCmdline, "docker.container.cmdline", T::String, One, S::Container, "cmdline",
     "Container Command Line",
     "Command line of the container's main process, its path and arguments joined by spaces (like proc.cmdline)"},
    {FieldId::ContainerWorkdir, "docker.container.workdir", T::String, One, S::Container, "workdir",
     "Working Directory",
     "Working directory of the container's process (`--workdir`, else the image's; `/` when none)"},
    {FieldId::ContainerEnvNames, "docker.container.env_names", T::String, List, S::Container, "envNames",
     "Environment Variable Names",
     "Names of the container's environment variables (the values are never read into the events)"},
    {FieldId::ContainerLabel, "docker.container.label", T::String, One, S::LabelByArg, "", "Container Label",
     "A label of the container by key, e.g. docker.container.label[com.example.team]"},
    {FieldId::ImageId, "docker.image.id", T::String, One, S::Image, "id", "Image ID",
     "ID of the container's image (`sha256:…`)"},
    {FieldId::ImageDigest, "docker.image.digest", T::String, One, S::Image, "digest", "Image Digest",
     "Repository digest of the container's image (`sha256:…`); none for an image built or imported locally"},
    {FieldId::ExecUser, "docker.exec.user", T::String, One, S::Exec, "user", "Exec User",
     "User of an exec (`docker exec --user`, else the container's user; `root` when neither names one); exec_create, "
     "exec_start and exec_die events"},
    {FieldId::ExecCmdline, "docker.exec.cmdline", T::String, One, S::Exec, "cmdline", "Exec Command Line",
     "Command line of an exec, its command and arguments joined by spaces; exec events"},
    {FieldId::ExecPrivileged, "docker.exec.privileged", T::Bool, One, S::Exec, "privileged", "Exec Privileged",
     "Whether an exec is privileged (`docker exec --privileged`); exec events"},
    {FieldId::ExecTty, "docker.exec.tty", T::Bool, One, S::Exec, "tty", "Exec TTY",
     "Whether an exec has a terminal (`docker exec -t`); exec events"},
};

static_assert(rows_in_enum_order(kFields, &FieldInfo::id, kFieldCount), "kFields: one row per FieldId, in its order");

static const char* type_name(FieldType t) {
    switch (t) {
        case FieldType::String: return "string";
        case FieldType::AbsTime: return "abstime";
        case FieldType::Bool: return "bool";
    }
    return "string";
}

std::string fields_json() {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartArray();
    for (size_t i = 0; i < kFieldCount; i++) {
        const FieldInfo& f = kFields[i];
        w.StartObject();
        w.Key("type");
        w.String(type_name(f.type));
        w.Key("name");
        w.String(f.name);
        w.Key("display");
        w.String(f.display);
        w.Key("desc");
        if (reads_context(f.source)) {
            w.String(std::string(f.desc) + "; needs the engine's container context (docs/enrichment.md)");
        } else {
            w.String(f.desc);
        }
        if (f.arity == Arity::List) {
            w.Key("isList");
            w.Bool(true);
        }
        if (takes_key(f.source)) {
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
