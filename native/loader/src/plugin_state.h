// One initialised plugin state (ss_plugin_t*), owned like libsinsp's
// sinsp_plugin owns it: init input with owner/log_fn, logs, metrics,
// extraction one field per call, event_to_string, list_open_params.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "abi.h"
#include "errors.h"
#include "field_request.h"
#include "plugin_library.h"

namespace loader {

struct LogEntry {
    std::string component;
    std::string message;
    int32_t severity;
};

struct MetricSample {
    std::string name;  // "<plugin name>.<metric name>"
    int32_t type;
    int32_t valueType;
    decltype(falco_abi::Metric::value) value;
};

struct OpenParam {
    std::string value;
    std::string desc;
    std::string separator;
};

struct EventText {
    std::string text;
    bool fromPlugin;  // false: libsinsp's "datalen=N data=..." fallback
};

class HostInstance;

class HostState {
public:
    static constexpr size_t kMaxQueuedLogs = 10000;

    explicit HostState(std::shared_ptr<PluginLibrary> lib);
    ~HostState();
    HostState(const HostState&) = delete;
    HostState& operator=(const HostState&) = delete;

    // Calls plugin init. Throws ERR_PLUGIN_CONFIG / ERR_PLUGIN_INIT (the state is destroyed then).
    void init(const std::string& config);
    // Throws ERR_PLUGIN_STATE while instances are open. Idempotent.
    void destroy();
    bool destroyed() const { return m_handle == nullptr; }
    void ensureAlive() const;

    const PluginLibrary& library() const { return *m_lib; }
    const std::shared_ptr<PluginLibrary>& libraryPtr() const { return m_lib; }
    const std::string& configPassed() const { return m_config; }
    const std::vector<uint16_t>& extractEventTypes() const { return m_extractTypes; }
    // The resolved type filter: libsinsp only extracts from events whose type is in it.
    bool acceptsEventType(uint16_t type) const;

    std::vector<LogEntry> drainLogs();
    std::vector<MetricSample> metrics();
    std::string lastError();
    // Throws ERR_PLUGIN_OPEN_PARAMS like libsinsp's list_open_params.
    std::vector<OpenParam> listOpenParams();
    // Throws ERR_PLUGIN_EVENT when the record is not an event of this plugin.
    EventText eventToString(const falco_abi::Event* evt, size_t size, uint64_t evtnum);

    // One extract_fields call for `count` fields (num_fields = count; libsinsp asks one at a time,
    // other hosts batch). `onResult(rc, fields)` runs while the plugin's result memory is still
    // valid. The event type filter is the caller's job.
    template <typename OnResult>
    falco_abi::Rc extract(const falco_abi::Event* evt, uint64_t evtnum, const FieldRequest* reqs, size_t count,
                          OnResult&& onResult);

    uint64_t nextEvtnum() { return m_evtnum.fetch_add(1) + 1; }
    int openInstances() const { return m_openInstances.load(); }

private:
    friend class HostInstance;

    falco_abi::OwnerHandle* owner() { return reinterpret_cast<falco_abi::OwnerHandle*>(this); }
    static const char* ownerLastError(falco_abi::OwnerHandle* o);
    static void logThunk(falco_abi::OwnerHandle* o, const char* component, const char* msg, int32_t severity);
    // get_last_error without taking the call lock (caller holds it).
    std::string lastErrorLocked() const;
    void destroyLocked();

    std::shared_ptr<PluginLibrary> m_lib;
    const falco_abi::Api& m_api;
    falco_abi::PluginHandle* m_handle = nullptr;
    bool m_counted = false;
    std::string m_config;
    std::string m_evtsrc;
    std::string m_ownerLastError;
    std::vector<uint16_t> m_extractTypes;
    bool m_syscallCompatible = false;

    // Serialises plugin calls on this state (Falco makes them from one thread
    // per source); get_metrics deliberately bypasses it, as Falco's webserver does.
    std::mutex m_callMutex;

    std::mutex m_logMutex;
    std::deque<LogEntry> m_logs;
    uint64_t m_droppedLogs = 0;

    std::atomic<int> m_openInstances{0};
    std::atomic<uint64_t> m_evtnum{0};
};

template <typename OnResult>
falco_abi::Rc HostState::extract(const falco_abi::Event* evt, uint64_t evtnum, const FieldRequest* reqs, size_t count,
                                 OnResult&& onResult) {
    std::lock_guard<std::mutex> lock(m_callMutex);
    ensureAlive();
    if (!m_api.extract_fields) {
        throw LoaderError(codes::kExtract, "plugin " + m_lib->info().name + " has no field extraction capability");
    }
    falco_abi::ExtractField single{};  // the common case, without an allocation per call
    std::vector<falco_abi::ExtractField> several(count > 1 ? count : 0);
    falco_abi::ExtractField* fields = count > 1 ? several.data() : &single;
    for (size_t i = 0; i < count; ++i) {
        const FieldRequest& req = reqs[i];
        falco_abi::ExtractField& field = fields[i];
        field.field_id = req.field->id;
        field.field = req.field->name.c_str();
        field.arg_key = req.hasKey ? req.argKey.c_str() : nullptr;
        field.arg_index = req.argIndex;
        field.arg_present = req.argPresent ? 1 : 0;
        field.ftype = req.field->ftype;
        field.flist = req.field->isList ? 1 : 0;
    }

    falco_abi::EventInput input{evt, evtnum, m_evtsrc.c_str()};
    falco_abi::ExtractValueOffsets offsets{nullptr, nullptr};
    falco_abi::FieldExtractInput in{};
    in.owner = owner();
    in.get_owner_last_error = &HostState::ownerLastError;
    in.num_fields = static_cast<uint32_t>(count);
    in.fields = fields;
    in.table_reader_ext = nullptr;
    in.value_offsets = &offsets;
    const falco_abi::Rc rc = m_api.extract_fields(m_handle, &input, &in);
    onResult(rc, static_cast<const falco_abi::ExtractField*>(fields));
    return rc;
}

// Checks an extraction result against its field; returns "" when it is usable.
std::string checkExtractResult(const falco_abi::ExtractField& f, const FieldInfo& info);

// Checks that `size` bytes hold one complete event header and, for type 322, a
// well-formed plugin event (lengths 4 and N, len = 38 + N). Returns "" when valid.
std::string describeEventProblem(const uint8_t* bytes, size_t size);

}  // namespace loader
