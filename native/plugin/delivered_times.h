// The times of the last events handed to Falco, for resuming a restarted engine without loss or repeat.
//
// A Docker daemon can publish events slightly out of timeNano order, so "the last event's time" is not a
// safe resume point: the engine replays from shortly before the newest time and drops the times listed
// here (resume.deliveredNano, docs/engine-protocol.md). Capacity: twice the daemon's replay buffer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace docker_plugin {

class DeliveredTimes {
public:
    static constexpr size_t kCapacity = 512;

    void record(uint64_t ts) {
        m_times[m_next] = ts;
        m_next = (m_next + 1) % kCapacity;
        if (m_size < kCapacity) m_size++;
        if (ts > m_newest) m_newest = ts;
    }

    /** The newest time recorded, 0 when none. */
    uint64_t newest() const { return m_newest; }

    template <typename F>
    void for_each(F&& f) const {
        const size_t first = (m_next + kCapacity - m_size) % kCapacity;
        for (size_t i = 0; i < m_size; i++) f(m_times[(first + i) % kCapacity]);
    }

private:
    std::array<uint64_t, kCapacity> m_times{};
    size_t m_next = 0;
    size_t m_size = 0;
    uint64_t m_newest = 0;
};

}  // namespace docker_plugin
