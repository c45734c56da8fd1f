#include "plugin_instance.h"

#include <cstring>

#include "clock.h"
#include "errors.h"

namespace loader {

const char* rcName(falco_abi::Rc rc) {
    switch (rc) {
        case SS_PLUGIN_SUCCESS: return "SUCCESS";
        case SS_PLUGIN_FAILURE: return "FAILURE";
        case SS_PLUGIN_TIMEOUT: return "TIMEOUT";
        case SS_PLUGIN_EOF: return "EOF";
        case SS_PLUGIN_NOT_SUPPORTED: return "NOT_SUPPORTED";
        default: return nullptr;
    }
}

HostInstance::HostInstance(std::shared_ptr<HostState> state, falco_abi::InstanceHandle* handle)
    : m_state(std::move(state)), m_handle(handle) {
    m_state->m_openInstances.fetch_add(1);
}

HostInstance::~HostInstance() {
    // Nothing can be running: calls hold a reference to the instance.
    std::lock_guard<std::mutex> lock(m_state->m_callMutex);
    closeLocked();
}

std::shared_ptr<HostInstance> HostInstance::open(std::shared_ptr<HostState> state, const std::string& params) {
    const PluginLibrary& lib = state->library();
    if (!(lib.info().capabilities & kCapSourcing)) {
        throw LoaderError(codes::kOpen, "plugin " + lib.info().name + " has no event sourcing capability");
    }
    std::lock_guard<std::mutex> lock(state->m_callMutex);
    state->ensureAlive();
    const falco_abi::Api& api = lib.api();
    falco_abi::Rc rc = SS_PLUGIN_FAILURE;  // libscap: a plugin that forgets *rc fails
    falco_abi::InstanceHandle* h = api.open(state->m_handle, params.c_str(), &rc);
    if (rc != SS_PLUGIN_SUCCESS) {
        std::string why = state->lastErrorLocked();
        // libscap closes the engine after a failed open: close(state, whatever open returned).
        api.close(state->m_handle, h);
        throw LoaderError(codes::kOpen, why);
    }
    return std::shared_ptr<HostInstance>(new HostInstance(std::move(state), h));
}

void HostInstance::ensureOpen() const {
    if (!m_open)
        throw LoaderError(codes::kState, "plugin " + m_state->library().info().name + ": instance has been closed");
}

void HostInstance::beginCall() {
    ensureOpen();
    if (m_busy.exchange(true)) {
        throw LoaderError(codes::kState,
                          "plugin " + pluginName() + ": a next_batch call is already running on this instance");
    }
}

void HostInstance::close() {
    if (!m_open) return;
    if (m_busy.load()) {
        throw LoaderError(codes::kState,
                          "cannot close plugin " + pluginName() + " instance: a next_batch call is running");
    }
    std::lock_guard<std::mutex> lock(m_state->m_callMutex);
    closeLocked();
}

void HostInstance::closeLocked() {
    if (!m_open) return;
    m_open = false;
    if (m_state->m_handle) m_state->m_api.close(m_state->m_handle, m_handle);
    m_handle = nullptr;
    m_state->m_openInstances.fetch_sub(1);
}

RawBatch HostInstance::callNextBatch() {
    ensureOpen();
    RawBatch b;
    uint32_t nevts = kNevtsSentinel;
    falco_abi::Event** evts = evtsSentinel();
    {
        std::lock_guard<std::mutex> lock(m_state->m_callMutex);
        m_state->ensureAlive();
        b.rc = m_state->m_api.next_batch(m_state->m_handle, m_handle, &nevts, &evts);
        b.returnedAtNs = realtimeNs();
        if (b.rc == SS_PLUGIN_FAILURE || b.rc == SS_PLUGIN_NOT_SUPPORTED) b.error = m_state->lastErrorLocked();
    }
    const std::string& name = pluginName();
    const char* rc = rcName(b.rc);
    if (!rc) {
        throw LoaderError(codes::kBatch,
                          "plugin " + name + " returned an unknown code " + std::to_string(b.rc) + " from next_batch");
    }
    if (nevts == kNevtsSentinel) {
        throw LoaderError(codes::kBatch, "plugin " + name + " returned " + rc +
                                             " from next_batch without writing *nevts: libscap would deliver the "
                                             "previous batch again");
    }
    if (nevts == 0 && b.rc == SS_PLUGIN_SUCCESS) {
        throw LoaderError(codes::kBatch, "unexpected 0 size event returned by plugin " + name);
    }
    if (nevts > 0 && (evts == evtsSentinel() || evts == nullptr)) {
        throw LoaderError(codes::kBatch, "plugin " + name + " returned *nevts=" + std::to_string(nevts) +
                                             " from next_batch without a valid *evts");
    }
    b.nevts = nevts;
    b.evts = evts;
    return b;
}

PreparedEvent HostInstance::prepareEvent(const RawBatch& batch, uint32_t i) {
    const PluginInfo& info = m_state->library().info();
    const std::string where = " (event " + std::to_string(i) + " of " + std::to_string(batch.nevts) + ")";
    falco_abi::Event* e = batch.evts[i];
    if (!e) throw LoaderError(codes::kBatch, "plugin " + info.name + " returned a NULL event pointer" + where);
    auto* bytes = reinterpret_cast<uint8_t*>(e);

    // libscap: a plugin with an ID may only produce plugin events.
    if (info.id != 0 && (e->type != SS_PLUGIN_EVENT_TYPE_PLUGIN || e->nparams != SS_PLUGIN_EVENT_NPARAMS)) {
        throw LoaderError(codes::kBatch, "malformed plugin event produced by plugin: '" + info.name + "'" + where +
                                             ": type " + std::to_string(e->type) + ", nparams " +
                                             std::to_string(e->nparams) + ", expected type 322 with 2 params");
    }
    if (e->type == SS_PLUGIN_EVENT_TYPE_PLUGIN) {
        // Layout checks libscap leaves to trust: lengths 4 and N, len = 38 + N.
        uint32_t lenId = 0, lenData = 0;
        if (e->len >= SS_PLUGIN_EVENT_PAYLOAD_OFFSET) {
            std::memcpy(&lenId, bytes + 26, 4);
            std::memcpy(&lenData, bytes + 30, 4);
        }
        if (e->len < SS_PLUGIN_EVENT_PAYLOAD_OFFSET || lenId != 4 ||
            static_cast<uint64_t>(lenData) + SS_PLUGIN_EVENT_PAYLOAD_OFFSET != e->len) {
            throw LoaderError(codes::kBatch, "malformed plugin event produced by plugin: '" + info.name + "'" + where +
                                                 ": len " + std::to_string(e->len) + ", param lengths " +
                                                 std::to_string(lenId) + " and " + std::to_string(lenData) +
                                                 ", expected 4 and N with len = 38 + N");
        }
        uint32_t pluginId = 0;
        std::memcpy(&pluginId, bytes + SS_PLUGIN_EVENT_PLUGIN_ID_OFFSET, 4);
        if (info.id != 0) {
            if (pluginId == 0) {
                pluginId = info.id;
                std::memcpy(bytes + SS_PLUGIN_EVENT_PLUGIN_ID_OFFSET, &pluginId, 4);  // host write: own ID
            } else if (pluginId != info.id) {
                throw LoaderError(codes::kBatch, "unexpected plugin ID in plugin event: plugin='" + info.name +
                                                     "', expected_id=" + std::to_string(info.id) +
                                                     ", actual_id=" + std::to_string(pluginId));
            }
        }
        if (pluginId == 0) {
            throw LoaderError(codes::kBatch, "malformed plugin event produced by plugin (no ID): '" + info.name + "'");
        }
        e->tid = UINT64_MAX;  // host write: plugin events have no thread
    } else if (e->len < sizeof(falco_abi::Event)) {
        throw LoaderError(codes::kBatch, "malformed event produced by plugin: '" + info.name + "'" + where + ": len " +
                                             std::to_string(e->len));
    }

    PreparedEvent out;
    out.evt = e;
    if (e->ts == UINT64_MAX) {
        e->ts = realtimeNs();  // host write: stamp "now"
        out.hostStampedTs = true;
    }
    out.evtnum = m_state->nextEvtnum();
    return out;
}

Progress HostInstance::progress() {
    ensureOpen();
    Progress p;
    std::lock_guard<std::mutex> lock(m_state->m_callMutex);
    m_state->ensureAlive();
    if (!m_state->m_api.get_progress) return p;
    p.supported = true;
    uint32_t pct = 0;
    p.text = fromPluginString(m_state->m_api.get_progress(m_state->m_handle, m_handle, &pct));
    p.pct = pct;
    return p;
}

}  // namespace loader
