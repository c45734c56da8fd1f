// One Docker event payload, parsed once (in situ, into reused memory) and
// queried by the extractor and event_to_string. Hostile bytes give an event
// with no values, never a crash.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace docker_plugin {

class DockerEvent {
public:
    DockerEvent();

    // Parses a copy of the payload; the previous event's values are gone after this.
    void parse(const uint8_t* data, size_t len);
    bool valid() const { return m_valid; }

    // Strings below point into this object and stay valid until the next parse().
    const char* top(const char* key) const;        // top-level string key
    const char* attribute(const char* key) const;  // Actor.Attributes[key]
    const char* actor_id() const;                  // Actor.ID

    // The deprecated keys, as the daemon sent them or, when absent (Docker >= 29,
    // API >= 1.52), derived the way older daemons filled them.
    const char* status() const;
    const char* id() const;
    const char* from() const;

    // The image attribute of a container event.
    const char* container_image() const;

    std::optional<uint64_t> time_ns() const;

    // enrichment.<object> (container, image or exec) when it is a JSON object: the engine's container
    // context (docs/enrichment.md); nullptr without one. Valid until the next parse().
    const rapidjson::Value* context(const char* object) const;

private:
    bool type_is(const char* type) const;

    std::vector<char> m_buffer;
    rapidjson::MemoryPoolAllocator<> m_pool;
    rapidjson::Document m_doc;
    const rapidjson::Value* m_attributes = nullptr;
    const rapidjson::Value* m_enrichment = nullptr;
    bool m_valid = false;
};

}  // namespace docker_plugin
