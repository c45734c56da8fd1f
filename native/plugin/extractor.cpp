#include "extractor.h"

#include "fields.h"
#include "frame.h"
#include "image_reference.h"

#include <charconv>
#include <cstring>
#include <string_view>

namespace docker_plugin {

namespace {

using Json = rapidjson::Value;

// obj[key], when obj is an object that has the key.
const Json* member(const Json* obj, const char* key) {
    if (!obj || !obj->IsObject()) return nullptr;
    auto it = obj->FindMember(key);
    return it != obj->MemberEnd() ? &it->value : nullptr;
}

const char* string_of(const Json* v) { return v && v->IsString() ? v->GetString() : nullptr; }

const char* context_object(Source source) {
    switch (source) {
        case Source::Image: return "image";
        case Source::Exec: return "exec";
        default: return "container";
    }
}

// A host IP that binds every interface: Docker's "" (normalised by the engine), 0.0.0.0 or ::.
bool binds_every_interface(std::string_view ip) { return ip.empty() || ip == "0.0.0.0" || ip == "::"; }

void set_string(ss_plugin_extract_field& f, FieldResult& r, const char* value) {
    if (!value) return;
    r.str = value;
    f.res.str = &r.str;
    f.res_len = 1;
}

void set_bool(ss_plugin_extract_field& f, FieldResult& r, bool value) {
    r.boolean = value ? 1 : 0;
    f.res.boolean = &r.boolean;
    f.res_len = 1;
}

void set_u64(ss_plugin_extract_field& f, FieldResult& r, uint64_t value) {
    r.u64 = value;
    f.res.u64 = &r.u64;
    f.res_len = 1;
}

// r.strs as the field's values; none when it is empty.
void set_list(ss_plugin_extract_field& f, FieldResult& r) {
    if (r.strs.empty()) return;
    f.res.str = r.strs.data();
    f.res_len = static_cast<uint64_t>(r.strs.size());
}

// The values appended to r.text, each NUL-terminated, as the field's values.
void set_text_list(ss_plugin_extract_field& f, FieldResult& r) {
    r.strs.clear();
    for (size_t at = 0; at < r.text.size(); at += std::strlen(r.text.c_str() + at) + 1)
        r.strs.push_back(r.text.c_str() + at);
    set_list(f, r);
}

// The strings of a JSON array (other elements skipped), at most kMaxListValues of them.
void set_string_array(ss_plugin_extract_field& f, FieldResult& r, const Json* array) {
    if (!array || !array->IsArray()) return;
    r.strs.clear();
    for (const Json& v : array->GetArray()) {
        if (r.strs.size() == kMaxListValues) break;
        if (v.IsString()) r.strs.push_back(v.GetString());
    }
    set_list(f, r);
}

// A member of the container context, read as the field's type and arity say.
void set_context_value(ss_plugin_extract_field& f, FieldResult& r, const FieldInfo& info, const Json* v) {
    if (!v) return;
    if (info.arity == Arity::List) {
        set_string_array(f, r, v);
    } else if (info.type == FieldType::Bool) {
        if (v->IsBool()) set_bool(f, r, v->GetBool());
    } else {
        set_string(f, r, string_of(v));
    }
}

enum class MountPart { BindSource, ReadWriteBindSource, Destination };

// One part of each of enrichment.container.mounts (docs/enrichment.md, "Fields").
void set_mounts(ss_plugin_extract_field& f, FieldResult& r, const Json* mounts, MountPart part) {
    if (!mounts || !mounts->IsArray()) return;
    r.strs.clear();
    for (const Json& m : mounts->GetArray()) {
        if (r.strs.size() == kMaxListValues) break;
        const char* value = nullptr;
        if (part == MountPart::Destination) {
            value = string_of(member(&m, "destination"));
        } else {
            const char* type = string_of(member(&m, "type"));
            const Json* rw = member(&m, "rw");
            const bool wanted = type && std::strcmp(type, "bind") == 0 &&
                                (part == MountPart::BindSource || (rw && rw->IsBool() && rw->GetBool()));
            if (wanted) value = string_of(member(&m, "source"));
        }
        if (value) r.strs.push_back(value);
    }
    set_list(f, r);
}

// enrichment.container.ports as `hostIp:hostPort/protocol` (IPv6 in brackets), or as `hostPort/protocol`
// of those bound on every interface. A port without a string hostIp and protocol and a hostPort of
// 0–65535 is skipped.
void set_ports(ss_plugin_extract_field& f, FieldResult& r, const Json* ports, bool public_only) {
    if (!ports || !ports->IsArray()) return;
    r.text.clear();
    size_t count = 0;
    for (const Json& p : ports->GetArray()) {
        if (count == kMaxListValues) break;
        const char* ip = string_of(member(&p, "hostIp"));
        const char* protocol = string_of(member(&p, "protocol"));
        const Json* port = member(&p, "hostPort");
        if (!ip || !protocol || !port || !port->IsUint() || port->GetUint() > 65535) continue;
        if (public_only && !binds_every_interface(ip)) continue;
        if (!public_only) {
            const bool ipv6 = std::strchr(ip, ':') != nullptr;
            if (ipv6) r.text += '[';
            r.text += *ip ? ip : "0.0.0.0";
            if (ipv6) r.text += ']';
            r.text += ':';
        }
        char digits[8];
        const auto end = std::to_chars(digits, digits + sizeof digits, port->GetUint()).ptr;
        r.text.append(digits, end);
        r.text += '/';
        r.text += protocol;
        r.text += '\0';
        count++;
    }
    set_text_list(f, r);
}

}  // namespace

const DockerEvent& Extractor::event_for(const ss_plugin_event_input& in) {
    if (m_cached && in.evtnum == m_evtnum && in.evt == m_evt) return m_event;
    m_cached = true;
    m_evtnum = in.evtnum;
    m_evt = in.evt;
    const auto* bytes = reinterpret_cast<const uint8_t*>(in.evt);
    frame::Header h{};
    if (!in.evt || in.evt->len < frame::kHeaderSize ||
        frame::parse_header(bytes, in.evt->len - frame::kHeaderSize, h) != frame::HeaderCheck::Ok ||
        h.type != uint16_t(frame::Type::Event)) {
        m_event.parse(nullptr, 0);  // no values for a malformed record
        return m_event;
    }
    m_event.parse(bytes + frame::kHeaderSize, h.payload_len);
    return m_event;
}

void Extractor::extract(const ss_plugin_event_input& in, ss_plugin_field_extract_input& req) {
    event_for(in);
    if (m_results.size() < req.num_fields) m_results.resize(req.num_fields);
    for (uint32_t i = 0; i < req.num_fields; i++) extract_one(req.fields[i], m_results[i]);
}

void Extractor::extract_one(ss_plugin_extract_field& f, FieldResult& r) {
    f.res_len = 0;
    if (f.field_id >= kFieldCount) return;
    const FieldInfo& info = kFields[f.field_id];
    const DockerEvent& e = m_event;
    switch (info.source) {
        case Source::TopLevel: set_string(f, r, e.top(info.key)); return;
        case Source::Attribute: set_string(f, r, e.attribute(info.key)); return;
        case Source::AttributeByArg:
            if (f.arg_present && f.arg_key) set_string(f, r, e.attribute(f.arg_key));
            return;
        case Source::Container:
        case Source::Image:
        case Source::Exec:
            set_context_value(f, r, info, member(e.context(context_object(info.source)), info.key));
            return;
        case Source::LabelByArg:
            if (f.arg_present && f.arg_key)
                set_string(f, r, string_of(member(member(e.context("container"), "labels"), f.arg_key)));
            return;
        case Source::Derived: extract_derived(f, r); return;
        case Source::FromContainer: extract_from_container(f, r, member(e.context("container"), info.key)); return;
    }
}

void Extractor::extract_derived(ss_plugin_extract_field& f, FieldResult& r) {
    const FieldInfo& info = kFields[f.field_id];
    const DockerEvent& e = m_event;
    switch (info.id) {
        case FieldId::Status: set_string(f, r, e.status()); return;
        case FieldId::Id: set_string(f, r, e.id()); return;
        case FieldId::From: set_string(f, r, e.from()); return;
        case FieldId::ActorId: set_string(f, r, e.actor_id()); return;
        case FieldId::Host: {
            const char* host = e.top(info.key);  // set by the engine when it fans several daemons in
            if (!host && e.valid() && !m_default_host.empty()) host = m_default_host.c_str();
            set_string(f, r, host);
            return;
        }
        case FieldId::Time:
            if (auto t = e.time_ns()) set_u64(f, r, *t);
            return;
        case FieldId::ImageRegistry: {
            const char* image = e.container_image();
            const auto registry = image ? image_registry(image) : std::nullopt;
            if (!registry) return;
            r.text.assign(registry->data(), registry->size());
            set_string(f, r, r.text.c_str());
            return;
        }
        default: return;
    }
}

void Extractor::extract_from_container(ss_plugin_extract_field& f, FieldResult& r, const rapidjson::Value* v) {
    switch (static_cast<FieldId>(f.field_id)) {
        case FieldId::ContainerMountSources: set_mounts(f, r, v, MountPart::BindSource); return;
        case FieldId::ContainerMountRwSources: set_mounts(f, r, v, MountPart::ReadWriteBindSource); return;
        case FieldId::ContainerMountDestinations: set_mounts(f, r, v, MountPart::Destination); return;
        case FieldId::ContainerPorts: set_ports(f, r, v, false); return;
        case FieldId::ContainerPublicPorts: set_ports(f, r, v, true); return;
        default: return;
    }
}

const char* Extractor::describe(const ss_plugin_event_input& in) {
    const DockerEvent& e = event_for(in);
    m_line.clear();
    if (!e.valid()) {
        m_line = "malformed docker event";
        return m_line.c_str();
    }
    auto append = [this](const char* label, const char* value, size_t max_len = std::string::npos) {
        if (!value || !*value) return;
        if (!m_line.empty()) m_line += ' ';
        if (label) {
            m_line += label;
            m_line += '=';
        }
        m_line.append(value, std::min(std::strlen(value), max_len));
    };
    append(nullptr, e.top("Type"));
    append(nullptr, e.top("Action"));
    append("id", e.actor_id(), 12);
    append("name", e.attribute("name"));
    append("image", e.attribute("image"));
    append("container", e.attribute("container"), 12);
    append("exitCode", e.attribute("exitCode"));
    append("signal", e.attribute("signal"));
    for (char& c : m_line)
        if (c == '\n' || c == '\r') c = ' ';
    return m_line.c_str();
}

}  // namespace docker_plugin
