// Where the last capture of one open_params stopped, kept on disk so that the next capture (after a hot
// reload, a Falco restart, an upgrade) resumes there instead of from "now". It holds what an engine restart
// already resumes from (DeliveredTimes): one small JSON file per open_params, replaced atomically.
#pragma once

#include "delivered_times.h"

#include <cstdint>
#include <string>

namespace docker_plugin {

class ResumeStore {
public:
    ResumeStore() = default;
    // dir "" turns the store off. `key` names what is captured (open_params, with DOCKER_HOST when it is
    // empty); the file name is derived from it and the file repeats it, so two keys never share a file.
    ResumeStore(const std::string& dir, std::string key, uint64_t max_age_ns);

    bool enabled() const { return !m_path.empty(); }

    enum class Loaded { Resumed, Missing, Stale, Unusable };
    // Fills `times` from the file when it is there, whole and recent enough; `note` says what happened.
    Loaded load(DeliveredTimes& times, std::string& note) const;

    // Replaces the file (written beside it, then renamed: a crash leaves the old or the new one).
    bool save(const DeliveredTimes& times, std::string& error) const;

private:
    std::string m_dir;
    std::string m_path;
    std::string m_key;
    uint64_t m_max_age_ns = 0;
};

// The store's key for an open_params: DOCKER_HOST decides what an empty one captures.
std::string resume_key(const std::string& open_params);

// A file:// replay is read from its start every time: nothing to resume.
bool replays_a_file(const std::string& open_params);

}  // namespace docker_plugin
