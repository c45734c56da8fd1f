#include "extractor.h"

#include "fields.h"
#include "frame.h"

#include <cstring>

namespace docker_plugin {

namespace {

void set_string(ss_plugin_extract_field& f, const char*& slot, const char* value) {
    if (!value) return;
    slot = value;
    f.res.str = &slot;
    f.res_len = 1;
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
    m_str_results.resize(req.num_fields);
    m_u64_results.resize(req.num_fields);
    for (uint32_t i = 0; i < req.num_fields; i++) extract_one(req.fields[i], m_str_results[i], m_u64_results[i]);
}

void Extractor::extract_one(ss_plugin_extract_field& f, const char*& str_slot, uint64_t& u64_slot) {
    f.res_len = 0;
    if (f.field_id >= kFieldCount) return;
    const FieldInfo& info = kFields[f.field_id];
    const DockerEvent& e = m_event;
    switch (info.source) {
        case Source::TopLevel: set_string(f, str_slot, e.top(info.key)); return;
        case Source::Attribute: set_string(f, str_slot, e.attribute(info.key)); return;
        case Source::AttributeByArg:
            if (f.arg_present && f.arg_key) set_string(f, str_slot, e.attribute(f.arg_key));
            return;
        case Source::Derived: break;
    }
    switch (info.id) {
        case FieldId::Status: set_string(f, str_slot, e.status()); return;
        case FieldId::Id: set_string(f, str_slot, e.id()); return;
        case FieldId::From: set_string(f, str_slot, e.from()); return;
        case FieldId::ActorId: set_string(f, str_slot, e.actor_id()); return;
        case FieldId::Host: {
            const char* host = e.top(info.key);  // set by the engine when it fans several daemons in
            if (!host && e.valid() && !m_default_host.empty()) host = m_default_host.c_str();
            set_string(f, str_slot, host);
            return;
        }
        case FieldId::Time:
            if (auto t = e.time_ns()) {
                u64_slot = *t;
                f.res.u64 = &u64_slot;
                f.res_len = 1;
            }
            return;
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
