#include "engine_stats.h"

#include "json_member.h"

#include <rapidjson/document.h>

namespace docker_plugin {

namespace {

constexpr uint32_t kMaxStatsFrame = 64u << 10;

}  // namespace

EngineStats::EngineStats(const EngineProcess& engine, Metrics& metrics, const Logger& logger)
    : m_engine(engine), m_metrics(metrics), m_logger(logger), m_reader(kMaxStatsFrame, 0) {}

void EngineStats::drain() {
    if (m_engine.stats_fd() < 0) return;
    m_reader.release();
    while (m_reader.fill(m_engine.stats_fd()) == FrameReader::Fill::Data) {
        FrameReader::Frame f{};
        frame::HeaderCheck problem{};
        FrameReader::Next next;
        while ((next = m_reader.next(f, problem)) == FrameReader::Next::Frame)
            if (f.header.type == uint16_t(frame::Type::Stats)) apply(f.payload(), f.header.payload_len);
        if (next == FrameReader::Next::Invalid) {
            m_logger.log(SS_PLUGIN_LOG_SEV_WARNING,
                         std::string("ignoring the engine's counters: ") + frame::describe(problem));
            m_reader.reset();
            return;
        }
    }
}

void EngineStats::apply(const uint8_t* json, size_t len) {
    rapidjson::Document doc;
    doc.Parse(reinterpret_cast<const char*>(json), len);
    if (doc.HasParseError() || !doc.IsObject()) return;
    for (const MetricInfo& metric : kMetrics) {
        if (!metric.stats_key) continue;
        auto it = doc.FindMember(metric.stats_key);
        if (it != doc.MemberEnd() && it->value.IsUint64()) m_metrics.set(metric.id, it->value.GetUint64());
    }
    auto pct = doc.FindMember("progressPct");
    if (pct != doc.MemberEnd() && pct->value.IsUint() && pct->value.GetUint() <= 10000) {
        m_progress_pct = pct->value.GetUint();
        m_progress_text = json_string_member(doc, "progressText");
        m_has_progress = true;
    }
}

const char* EngineStats::progress(uint32_t* pct) const {
    *pct = m_progress_pct;
    return m_has_progress ? m_progress_text.c_str() : nullptr;
}

}  // namespace docker_plugin
