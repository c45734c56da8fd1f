#include "frame_batch.h"

#include "error_codes.h"
#include "json_member.h"

#include <rapidjson/document.h>

namespace docker_plugin {

FrameBatch::FrameBatch(uint32_t max_event_bytes, uint32_t max_events, EngineStats& stats)
    : m_stats(stats), m_reader(max_event_bytes), m_max_events(max_events) {
    m_events.reserve(max_events);
}

void FrameBatch::restart() {
    m_reader.reset();
    m_ready = false;
}

void FrameBatch::begin() {
    m_events.clear();
    m_reader.release();
}

FrameBatch::Step FrameBatch::collect(std::string& error) {
    while (m_events.size() < m_max_events) {
        FrameReader::Frame f{};
        frame::HeaderCheck problem = frame::HeaderCheck::Ok;
        FrameReader::Next next = m_reader.next(f, problem);
        if (next == FrameReader::Next::NeedMore) return Step::Continue;
        if (next == FrameReader::Next::Invalid) {
            error =
                error_message(ErrorCode::Protocol,
                              std::string("the engine sent an invalid frame: ") + frame::describe(problem) + " (type " +
                                  std::to_string(f.header.type) + ", len " + std::to_string(f.header.len) + ")");
            return Step::Failed;
        }
        if (f.header.type == uint16_t(frame::Type::Event)) {
            m_events.push_back(reinterpret_cast<ss_plugin_event*>(f.record));
            continue;
        }
        Step step = control(f, error);
        if (step != Step::Continue) return step;
    }
    return Step::Continue;
}

FrameBatch::Step FrameBatch::control(const FrameReader::Frame& f, std::string& error) {
    const auto* payload = reinterpret_cast<const char*>(f.payload());
    const size_t len = f.header.payload_len;
    switch (frame::Type(f.header.type)) {
        case frame::Type::Ready: {  // the engine itself logs what it connected to
            if (m_ready) return Step::Continue;
            m_ready = true;
            rapidjson::Document info;
            info.Parse(payload, len);
            if (!info.HasParseError() && info.IsObject()) m_transport = json_string_member(info, "transport");
            return Step::Ready;
        }
        case frame::Type::Error: {
            rapidjson::Document doc;
            doc.Parse(payload, len);
            if (!doc.HasParseError() && doc.IsObject())
                error = error_message(json_string_member(doc, "code"), json_string_member(doc, "message"));
            else
                error = error_message(ErrorCode::EngineUnreadable, std::string(payload, len));
            return Step::Failed;
        }
        case frame::Type::Stats: m_stats.apply(f.payload(), len); return Step::Continue;
        case frame::Type::End:
            m_stats.drain();  // the engine sent its final counters (100 % of a file) just before END
            m_ended = true;
            return Step::Continue;
        case frame::Type::Event: return Step::Continue;
    }
    return Step::Continue;
}

}  // namespace docker_plugin
