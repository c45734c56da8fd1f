// The PluginState wrapper: logs, metrics, open params, open, extract, event_to_string.
#include <cstring>

#include "bindings.h"

namespace loader {

namespace {

const char* metricValueTypeName(int32_t t) {
    switch (t) {
        case SS_PLUGIN_METRIC_VALUE_TYPE_U32: return "u32";
        case SS_PLUGIN_METRIC_VALUE_TYPE_S32: return "s32";
        case SS_PLUGIN_METRIC_VALUE_TYPE_U64: return "u64";
        case SS_PLUGIN_METRIC_VALUE_TYPE_S64: return "s64";
        case SS_PLUGIN_METRIC_VALUE_TYPE_D: return "double";
        case SS_PLUGIN_METRIC_VALUE_TYPE_F: return "float";
        case SS_PLUGIN_METRIC_VALUE_TYPE_I: return "int";
        default: return "unknown";
    }
}

Napi::Value metricValueToJs(Napi::Env env, const MetricSample& m) {
    switch (m.valueType) {
        case SS_PLUGIN_METRIC_VALUE_TYPE_U32: return Napi::Number::New(env, m.value.u32);
        case SS_PLUGIN_METRIC_VALUE_TYPE_S32: return Napi::Number::New(env, m.value.s32);
        case SS_PLUGIN_METRIC_VALUE_TYPE_U64: return Napi::BigInt::New(env, m.value.u64);
        case SS_PLUGIN_METRIC_VALUE_TYPE_S64: return Napi::BigInt::New(env, m.value.s64);
        case SS_PLUGIN_METRIC_VALUE_TYPE_D: return Napi::Number::New(env, m.value.d);
        case SS_PLUGIN_METRIC_VALUE_TYPE_F: return Napi::Number::New(env, m.value.f);
        case SS_PLUGIN_METRIC_VALUE_TYPE_I: return Napi::Number::New(env, m.value.i);
        default: return env.Null();
    }
}

// A copy of a JS event record in 8-byte aligned memory (the plugin sees it as
// Falco shows it events read back from a capture file).
struct RecordCopy {
    std::vector<uint64_t> storage;
    size_t size = 0;
    const falco_abi::Event* event() const { return reinterpret_cast<const falco_abi::Event*>(storage.data()); }
};

RecordCopy copyRecord(Napi::Env env, const Napi::Value& v) {
    if (!v.IsBuffer()) throw Napi::TypeError::New(env, "event record must be a Buffer");
    auto buf = v.As<Napi::Buffer<uint8_t>>();
    RecordCopy c;
    c.size = buf.Length();
    c.storage.resize((c.size + 7) / 8 + 1);
    std::memcpy(c.storage.data(), buf.Data(), c.size);
    const std::string problem = describeEventProblem(reinterpret_cast<const uint8_t*>(c.storage.data()), c.size);
    if (!problem.empty()) throw codedError(env, codes::kEvent, "invalid event record: " + problem);
    return c;
}

uint64_t evtnumFromJs(Napi::Env env, const Napi::Value& v) {
    if (v.IsBigInt()) {
        bool lossless = false;
        return v.As<Napi::BigInt>().Uint64Value(&lossless);
    }
    if (v.IsNumber()) return static_cast<uint64_t>(v.As<Napi::Number>().Int64Value());
    throw Napi::TypeError::New(env, "evtnum must be a bigint");
}

// Values of one successful extraction, typed by field type.
Napi::Value valuesToJs(Napi::Env env, const falco_abi::ExtractField& f, const FieldInfo& field) {
    Napi::Array out = Napi::Array::New(env, static_cast<size_t>(f.res_len));
    for (uint32_t i = 0; i < f.res_len; ++i) {
        switch (field.ftype) {
            case FTYPE_STRING: out.Set(i, Napi::String::New(env, f.res.str[i])); break;
            case FTYPE_BOOL: out.Set(i, Napi::Boolean::New(env, f.res.boolean[i] != 0)); break;
            case FTYPE_IPADDR:
            case FTYPE_IPNET:
                out.Set(i, Napi::Buffer<uint8_t>::Copy(env, static_cast<const uint8_t*>(f.res.buf[i].ptr),
                                                       f.res.buf[i].len));
                break;
            default:  // uint64, reltime, abstime
                out.Set(i, Napi::BigInt::New(env, f.res.u64[i]));
                break;
        }
    }
    return out;
}

}  // namespace

Napi::Function JsState::Define(Napi::Env env) {
    return DefineClass(env, "NativeState",
                       {
                           InstanceMethod<&JsState::DrainLogs>("drainLogs"),
                           InstanceMethod<&JsState::Metrics>("metrics"),
                           InstanceMethod<&JsState::LastError>("lastError"),
                           InstanceMethod<&JsState::ListOpenParams>("listOpenParams"),
                           InstanceMethod<&JsState::Destroy>("destroy"),
                           InstanceMethod<&JsState::IsDestroyed>("isDestroyed"),
                           InstanceMethod<&JsState::Open>("open"),
                           InstanceMethod<&JsState::OpenAsync>("openAsync"),
                           InstanceMethod<&JsState::Extract>("extract"),
                           InstanceMethod<&JsState::ExtractInOneCall>("extractInOneCall"),
                           InstanceMethod<&JsState::EventToString>("eventToString"),
                           InstanceMethod<&JsState::ExtractEventTypes>("extractEventTypes"),
                           InstanceMethod<&JsState::Config>("config"),
                       });
}

JsState::JsState(const Napi::CallbackInfo& info) : Napi::ObjectWrap<JsState>(info) {
    if (info.Length() < 1 || !info[0].IsExternal()) {
        throw Napi::TypeError::New(info.Env(), "NativeState is created by NativePlugin.init()");
    }
    m_state = *info[0].As<Napi::External<std::shared_ptr<HostState>>>().Data();
}

HostState& JsState::state() {
    withCodes(Env(), [&] { m_state->ensureAlive(); });
    return *m_state;
}

Napi::Value JsState::DrainLogs(const Napi::CallbackInfo& info) {
    // Allowed after destroy: messages logged by destroy itself are still there.
    return logsToJs(info.Env(), m_state->drainLogs());
}

Napi::Value JsState::Metrics(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const auto metrics = withCodes(env, [&] { return state().metrics(); });
    Napi::Array out = Napi::Array::New(env, metrics.size());
    for (size_t i = 0; i < metrics.size(); ++i) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("name", metrics[i].name);
        o.Set("type", metrics[i].type == SS_PLUGIN_METRIC_TYPE_MONOTONIC ? "monotonic" : "non_monotonic");
        o.Set("valueType", metricValueTypeName(metrics[i].valueType));
        o.Set("value", metricValueToJs(env, metrics[i]));
        out.Set(static_cast<uint32_t>(i), o);
    }
    return out;
}

Napi::Value JsState::LastError(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), withCodes(info.Env(), [&] { return m_state->lastError(); }));
}

Napi::Value JsState::ListOpenParams(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const auto params = withCodes(env, [&] { return m_state->listOpenParams(); });
    Napi::Array out = Napi::Array::New(env, params.size());
    for (size_t i = 0; i < params.size(); ++i) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("value", params[i].value);
        o.Set("desc", params[i].desc);
        o.Set("separator", params[i].separator);
        out.Set(static_cast<uint32_t>(i), o);
    }
    return out;
}

Napi::Value JsState::Destroy(const Napi::CallbackInfo& info) {
    withCodes(info.Env(), [&] { m_state->destroy(); });
    return info.Env().Undefined();
}

Napi::Value JsState::IsDestroyed(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), m_state->destroyed());
}

Napi::Value JsState::Open(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const std::string params = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
    auto instance = withCodes(env, [&] { return HostInstance::open(m_state, params); });
    auto* data = env.GetInstanceData<AddonData>();
    return data->instanceCtor.New({Napi::External<std::shared_ptr<HostInstance>>::New(env, &instance)});
}

namespace {

// plugin_open on a worker thread, so a host whose open blocks (waiting for a
// daemon served by this same process, say) does not block the JS event loop.
class OpenWorker : public Napi::AsyncWorker {
public:
    OpenWorker(Napi::Env env, std::shared_ptr<HostState> state, std::string params)
        : Napi::AsyncWorker(env, "plugin_loader.open"),
          m_deferred(Napi::Promise::Deferred::New(env)),
          m_state(std::move(state)),
          m_params(std::move(params)) {}

    Napi::Promise Promise() { return m_deferred.Promise(); }

protected:
    void Execute() override {
        try {
            m_instance = HostInstance::open(m_state, m_params);
        } catch (const LoaderError& e) {
            m_code = e.code();
            SetError(e.what());
        } catch (const std::exception& e) {
            SetError(e.what());
        }
    }

    void OnOK() override {
        auto* data = Env().GetInstanceData<AddonData>();
        m_deferred.Resolve(
            data->instanceCtor.New({Napi::External<std::shared_ptr<HostInstance>>::New(Env(), &m_instance)}));
    }

    void OnError(const Napi::Error& e) override { m_deferred.Reject(codedError(Env(), m_code, e.Message()).Value()); }

private:
    Napi::Promise::Deferred m_deferred;
    std::shared_ptr<HostState> m_state;
    std::string m_params;
    std::shared_ptr<HostInstance> m_instance;
    const char* m_code = codes::kOpen;
};

}  // namespace

Napi::Value JsState::OpenAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string params = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
    withCodes(env, [&] { m_state->ensureAlive(); });
    auto* worker = new OpenWorker(env, m_state, std::move(params));
    Napi::Promise p = worker->Promise();
    worker->Queue();
    return p;
}

namespace {

// Values of one field's result: null for no value, throws ERR_PLUGIN_EXTRACT on a malformed result.
Napi::Value resultToJs(Napi::Env env, const falco_abi::ExtractField& f, const FieldInfo& field) {
    if (f.res_len == 0) return env.Null();
    const std::string problem = checkExtractResult(f, field);
    if (!problem.empty()) throw codedError(env, codes::kExtract, problem);
    return valuesToJs(env, f, field);
}

// (record: Buffer, evtnum: bigint, fields: [{name, arg?}]) -> Array<values[] | null>, with one
// extract_fields call per field (as libsinsp makes them) or one for all (as other hosts may).
Napi::Value extractValues(const Napi::CallbackInfo& info, HostState& st, bool inOneCall) {
    Napi::Env env = info.Env();
    const RecordCopy record = copyRecord(env, info[0]);
    const uint64_t evtnum = evtnumFromJs(env, info[1]);
    const std::vector<FieldRequest> requests = fieldRequestsFromJs(env, st.library(), info[2]);

    Napi::Array out = Napi::Array::New(env, requests.size());
    for (size_t i = 0; i < requests.size(); ++i) out.Set(static_cast<uint32_t>(i), env.Null());
    if (requests.empty() || !st.acceptsEventType(record.event()->type)) return out;
    const auto call = [&](size_t first, size_t count) {
        withCodes(env, [&] {
            st.extract(record.event(), evtnum, &requests[first], count,
                       [&](falco_abi::Rc rc, const falco_abi::ExtractField* fields) {
                           if (rc != SS_PLUGIN_SUCCESS) return;
                           for (size_t j = 0; j < count; ++j) {
                               out.Set(static_cast<uint32_t>(first + j),
                                       resultToJs(env, fields[j], *requests[first + j].field));
                           }
                       });
        });
    };
    if (inOneCall) {
        call(0, requests.size());
    } else {
        for (size_t i = 0; i < requests.size(); ++i) call(i, 1);
    }
    return out;
}

}  // namespace

Napi::Value JsState::Extract(const Napi::CallbackInfo& info) { return extractValues(info, state(), false); }

Napi::Value JsState::ExtractInOneCall(const Napi::CallbackInfo& info) { return extractValues(info, state(), true); }

// eventToString(record: Buffer, evtnum: bigint) -> {text, source: 'plugin' | 'fallback'}
Napi::Value JsState::EventToString(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const RecordCopy record = copyRecord(env, info[0]);
    const uint64_t evtnum = evtnumFromJs(env, info[1]);
    const EventText t = withCodes(env, [&] { return state().eventToString(record.event(), record.size, evtnum); });
    Napi::Object o = Napi::Object::New(env);
    o.Set("text", t.text);
    o.Set("source", t.fromPlugin ? "plugin" : "fallback");
    return o;
}

Napi::Value JsState::ExtractEventTypes(const Napi::CallbackInfo& info) {
    const auto& types = m_state->extractEventTypes();
    Napi::Array out = Napi::Array::New(info.Env(), types.size());
    for (size_t i = 0; i < types.size(); ++i) out.Set(static_cast<uint32_t>(i), types[i]);
    return out;
}

Napi::Value JsState::Config(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), m_state->configPassed());
}

}  // namespace loader
