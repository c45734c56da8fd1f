#include "docker_event.h"

#include <cstring>

namespace docker_plugin {

namespace {

// Iterative parsing: a hostile, deeply nested payload cannot exhaust the stack.
constexpr unsigned kParseFlags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag;

const char* string_member(const rapidjson::Value& obj, const char* key) {
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd() || !it->value.IsString()) return nullptr;
    return it->value.GetString();
}

}  // namespace

DockerEvent::DockerEvent() : m_doc(&m_pool) {}

void DockerEvent::parse(const uint8_t* data, size_t len) {
    m_valid = false;
    m_attributes = nullptr;
    m_enrichment = nullptr;
    m_buffer.assign(reinterpret_cast<const char*>(data), reinterpret_cast<const char*>(data) + len);
    m_buffer.push_back('\0');
    m_doc.SetNull();
    m_pool.Clear();
    m_doc.ParseInsitu<kParseFlags>(m_buffer.data());
    if (m_doc.HasParseError() || !m_doc.IsObject()) return;
    m_valid = true;
    auto actor = m_doc.FindMember("Actor");
    if (actor != m_doc.MemberEnd() && actor->value.IsObject()) {
        auto attrs = actor->value.FindMember("Attributes");
        if (attrs != actor->value.MemberEnd() && attrs->value.IsObject()) m_attributes = &attrs->value;
    }
    auto enrichment = m_doc.FindMember("enrichment");
    if (enrichment != m_doc.MemberEnd() && enrichment->value.IsObject()) m_enrichment = &enrichment->value;
}

const char* DockerEvent::top(const char* key) const { return m_valid ? string_member(m_doc, key) : nullptr; }

const char* DockerEvent::attribute(const char* key) const {
    return m_attributes ? string_member(*m_attributes, key) : nullptr;
}

const char* DockerEvent::actor_id() const {
    if (!m_valid) return nullptr;
    auto actor = m_doc.FindMember("Actor");
    if (actor == m_doc.MemberEnd() || !actor->value.IsObject()) return nullptr;
    return string_member(actor->value, "ID");
}

bool DockerEvent::type_is(const char* type) const {
    const char* t = top("Type");
    return t && std::strcmp(t, type) == 0;
}

const char* DockerEvent::status() const {
    if (const char* s = top("status")) return s;
    return (type_is("container") || type_is("image")) ? top("Action") : nullptr;
}

const char* DockerEvent::id() const {
    if (const char* s = top("id")) return s;
    return (type_is("container") || type_is("image")) ? actor_id() : nullptr;
}

const char* DockerEvent::from() const {
    if (const char* s = top("from")) return s;
    return container_image();
}

const rapidjson::Value* DockerEvent::context(const char* object) const {
    if (!m_enrichment) return nullptr;
    auto it = m_enrichment->FindMember(object);
    return (it != m_enrichment->MemberEnd() && it->value.IsObject()) ? &it->value : nullptr;
}

const char* DockerEvent::container_image() const { return type_is("container") ? attribute("image") : nullptr; }

std::optional<uint64_t> DockerEvent::time_ns() const {
    if (!m_valid) return std::nullopt;
    auto nano = m_doc.FindMember("timeNano");
    if (nano != m_doc.MemberEnd() && nano->value.IsUint64()) return nano->value.GetUint64();
    auto secs = m_doc.FindMember("time");
    if (secs != m_doc.MemberEnd() && secs->value.IsUint64() && secs->value.GetUint64() <= UINT64_MAX / 1000000000u)
        return secs->value.GetUint64() * 1000000000u;
    return std::nullopt;
}

}  // namespace docker_plugin
