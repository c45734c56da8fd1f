// One open capture (ss_instance_t*) and libscap's source-plugin engine
// around next_batch: output sentinels, return-code rules, per-event checks
// and the host's writes into the plugin's event memory.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "abi.h"
#include "plugin_state.h"

namespace loader {

// The outputs of one next_batch call that passed the call-level checks.
struct RawBatch {
    falco_abi::Rc rc = SS_PLUGIN_SUCCESS;
    uint32_t nevts = 0;
    falco_abi::Event** evts = nullptr;
    uint64_t returnedAtNs = 0;  // CLOCK_REALTIME right after next_batch returned
    std::string error;          // get_last_error after FAILURE / NOT_SUPPORTED
};

// One event of a batch after the host's checks and writes.
struct PreparedEvent {
    falco_abi::Event* evt = nullptr;  // the plugin's memory, valid until the next next_batch
    uint64_t evtnum = 0;
    bool hostStampedTs = false;  // ts was UINT64_MAX and the host wrote "now"
};

struct Progress {
    bool supported = false;
    uint32_t pct = 0;  // hundredths of a percent
    std::string text;
};

const char* rcName(falco_abi::Rc rc);

class HostInstance {
public:
    // Values written into *nevts / *evts before each call; finding them after
    // the call means the plugin did not write its outputs.
    static constexpr uint32_t kNevtsSentinel = 0xFEE1DEADu;
    static falco_abi::Event** evtsSentinel() {
        return reinterpret_cast<falco_abi::Event**>(static_cast<uintptr_t>(0x0BADC0DE0BADC0DEull));
    }

    // Throws ERR_PLUGIN_OPEN with the plugin's last error when open fails.
    static std::shared_ptr<HostInstance> open(std::shared_ptr<HostState> state, const std::string& params);
    ~HostInstance();
    HostInstance(const HostInstance&) = delete;
    HostInstance& operator=(const HostInstance&) = delete;

    // Throws ERR_PLUGIN_STATE while a call is running. Idempotent.
    void close();
    bool closed() const { return !m_open; }
    void ensureOpen() const;
    HostState& state() { return *m_state; }
    const std::string& pluginName() const { return m_state->library().info().name; }

    // Marks the instance busy for one next_batch/runLoop; throws ERR_PLUGIN_STATE if it already is.
    void beginCall();
    void endCall() { m_busy.store(false); }

    // One next_batch call plus libscap's checks on its outputs. Throws ERR_PLUGIN_BATCH.
    RawBatch callNextBatch();
    // libscap's per-event checks and host writes for event `i` of `batch`. Throws ERR_PLUGIN_BATCH.
    PreparedEvent prepareEvent(const RawBatch& batch, uint32_t i);

    Progress progress();

private:
    HostInstance(std::shared_ptr<HostState> state, falco_abi::InstanceHandle* handle);
    void closeLocked();

    std::shared_ptr<HostState> m_state;
    falco_abi::InstanceHandle* m_handle;
    bool m_open = true;
    std::atomic<bool> m_busy{false};
};

// RAII for beginCall/endCall.
class CallGuard {
public:
    explicit CallGuard(HostInstance& inst) : m_inst(&inst) { m_inst->beginCall(); }
    ~CallGuard() {
        if (m_inst) m_inst->endCall();
    }
    CallGuard(const CallGuard&) = delete;
    CallGuard& operator=(const CallGuard&) = delete;

private:
    HostInstance* m_inst;
};

}  // namespace loader
