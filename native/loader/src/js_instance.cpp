// The PluginInstance wrapper: next_batch on a worker thread (or inline), the
// Falco-like loop, progress and close.
#include <cstring>

#include "bindings.h"
#include "falco_loop.h"

namespace loader {

namespace {

struct CollectedEvent {
    std::vector<uint8_t> record;
    uint64_t evtnum;
    uint64_t ts;
    uint32_t pluginId;
    bool hostStampedTs;
};

struct CollectedBatch {
    falco_abi::Rc rc = SS_PLUGIN_SUCCESS;
    std::string error;
    uint64_t returnedAtNs = 0;
    std::vector<CollectedEvent> events;
};

// One next_batch call, checked and written like libscap, every event copied out.
CollectedBatch collectBatch(HostInstance& inst) {
    const RawBatch raw = inst.callNextBatch();
    CollectedBatch out;
    out.rc = raw.rc;
    out.error = raw.error;
    out.returnedAtNs = raw.returnedAtNs;
    out.events.reserve(raw.nevts);
    for (uint32_t i = 0; i < raw.nevts; ++i) {
        const PreparedEvent ev = inst.prepareEvent(raw, i);
        const auto* bytes = reinterpret_cast<const uint8_t*>(ev.evt);
        CollectedEvent c;
        c.record.assign(bytes, bytes + ev.evt->len);
        c.evtnum = ev.evtnum;
        c.ts = ev.evt->ts;
        c.pluginId = 0;
        if (ev.evt->type == SS_PLUGIN_EVENT_TYPE_PLUGIN) {
            std::memcpy(&c.pluginId, bytes + SS_PLUGIN_EVENT_PLUGIN_ID_OFFSET, 4);
        }
        c.hostStampedTs = ev.hostStampedTs;
        out.events.push_back(std::move(c));
    }
    return out;
}

Napi::Object batchToJs(Napi::Env env, const CollectedBatch& b) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("rc", rcName(b.rc));
    if (b.rc == SS_PLUGIN_FAILURE || b.rc == SS_PLUGIN_NOT_SUPPORTED) o.Set("error", b.error);
    o.Set("returnedAtNs", Napi::BigInt::New(env, b.returnedAtNs));
    Napi::Array events = Napi::Array::New(env, b.events.size());
    for (size_t i = 0; i < b.events.size(); ++i) {
        const CollectedEvent& e = b.events[i];
        Napi::Object eo = Napi::Object::New(env);
        eo.Set("record", Napi::Buffer<uint8_t>::Copy(env, e.record.data(), e.record.size()));
        eo.Set("evtnum", Napi::BigInt::New(env, e.evtnum));
        eo.Set("ts", Napi::BigInt::New(env, e.ts));
        eo.Set("pluginId", e.pluginId);
        eo.Set("returnedAtNs", Napi::BigInt::New(env, b.returnedAtNs));
        eo.Set("hostStampedTs", e.hostStampedTs);
        events.Set(static_cast<uint32_t>(i), eo);
    }
    o.Set("events", events);
    return o;
}

Napi::Object loopToJs(Napi::Env env, const LoopResult& r) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("events", static_cast<double>(r.events));
    o.Set("batches", static_cast<double>(r.batches));
    o.Set("timeouts", static_cast<double>(r.timeouts));
    o.Set("rc", rcName(r.rc) ? rcName(r.rc) : "FAILURE");
    if (!r.error.empty() || !r.errorCode.empty()) o.Set("error", r.error);
    if (!r.errorCode.empty()) o.Set("errorCode", r.errorCode);

    Napi::ArrayBuffer latBuf = Napi::ArrayBuffer::New(env, r.latencyNs.size() * sizeof(int64_t));
    if (!r.latencyNs.empty()) std::memcpy(latBuf.Data(), r.latencyNs.data(), latBuf.ByteLength());
    o.Set("latencyNs", Napi::TypedArrayOf<int64_t>::New(env, r.latencyNs.size(), latBuf, 0, napi_bigint64_array));
    Napi::ArrayBuffer sizeBuf = Napi::ArrayBuffer::New(env, r.batchSizes.size() * sizeof(uint32_t));
    if (!r.batchSizes.empty()) std::memcpy(sizeBuf.Data(), r.batchSizes.data(), sizeBuf.ByteLength());
    o.Set("batchSizes", Napi::TypedArrayOf<uint32_t>::New(env, r.batchSizes.size(), sizeBuf, 0, napi_uint32_array));

    o.Set("extractCalls", static_cast<double>(r.extractCalls));
    o.Set("extractedValues", static_cast<double>(r.extractedValues));
    o.Set("elapsedNs", Napi::BigInt::New(env, r.elapsedNs));
    o.Set("cpuUserUs", static_cast<double>(r.cpuUserUs));
    o.Set("cpuSysUs", static_cast<double>(r.cpuSysUs));
    o.Set("processCpuUserUs", static_cast<double>(r.processCpuUserUs));
    o.Set("processCpuSysUs", static_cast<double>(r.processCpuSysUs));
    return o;
}

// Base for promise-returning workers that mark the instance busy for their whole run.
class InstanceWorker : public Napi::AsyncWorker {
public:
    InstanceWorker(Napi::Env env, const char* name, std::shared_ptr<HostInstance> inst)
        : Napi::AsyncWorker(env, name), m_deferred(Napi::Promise::Deferred::New(env)), m_inst(std::move(inst)) {}

    Napi::Promise Promise() { return m_deferred.Promise(); }

protected:
    virtual void Run() = 0;

    void Execute() override {
        try {
            Run();
        } catch (const LoaderError& e) {
            m_code = e.code();
            SetError(e.what());
        } catch (const std::exception& e) {
            m_code = codes::kBatch;
            SetError(e.what());
        }
        m_inst->endCall();
    }

    void OnError(const Napi::Error& e) override { m_deferred.Reject(codedError(Env(), m_code, e.Message()).Value()); }

    Napi::Promise::Deferred m_deferred;
    std::shared_ptr<HostInstance> m_inst;
    const char* m_code = codes::kBatch;
};

class NextBatchWorker : public InstanceWorker {
public:
    NextBatchWorker(Napi::Env env, std::shared_ptr<HostInstance> inst)
        : InstanceWorker(env, "plugin_loader.next_batch", std::move(inst)) {}

protected:
    void Run() override { m_batch = collectBatch(*m_inst); }
    void OnOK() override { m_deferred.Resolve(batchToJs(Env(), m_batch)); }

private:
    CollectedBatch m_batch;
};

class LoopWorker : public InstanceWorker {
public:
    LoopWorker(Napi::Env env, std::shared_ptr<HostInstance> inst, LoopOptions options)
        : InstanceWorker(env, "plugin_loader.run_loop", std::move(inst)), m_options(std::move(options)) {}

protected:
    void Run() override { m_result = runFalcoLoop(*m_inst, m_options); }
    void OnOK() override { m_deferred.Resolve(loopToJs(Env(), m_result)); }

private:
    LoopOptions m_options;
    LoopResult m_result;
};

}  // namespace

Napi::Function JsInstance::Define(Napi::Env env) {
    return DefineClass(env, "NativeInstance",
                       {
                           InstanceMethod<&JsInstance::NextBatch>("nextBatch"),
                           InstanceMethod<&JsInstance::NextBatchSync>("nextBatchSync"),
                           InstanceMethod<&JsInstance::RunLoop>("runLoop"),
                           InstanceMethod<&JsInstance::Progress>("progress"),
                           InstanceMethod<&JsInstance::Close>("close"),
                           InstanceMethod<&JsInstance::IsClosed>("isClosed"),
                       });
}

JsInstance::JsInstance(const Napi::CallbackInfo& info) : Napi::ObjectWrap<JsInstance>(info) {
    if (info.Length() < 1 || !info[0].IsExternal()) {
        throw Napi::TypeError::New(info.Env(), "NativeInstance is created by NativeState.open()");
    }
    m_instance = *info[0].As<Napi::External<std::shared_ptr<HostInstance>>>().Data();
}

Napi::Value JsInstance::NextBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    withCodes(env, [&] { m_instance->beginCall(); });
    auto* worker = new NextBatchWorker(env, m_instance);
    Napi::Promise p = worker->Promise();
    worker->Queue();
    return p;
}

Napi::Value JsInstance::NextBatchSync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const CollectedBatch batch = withCodes(env, [&] {
        CallGuard guard(*m_instance);
        return collectBatch(*m_instance);
    });
    return batchToJs(env, batch);
}

// runLoop(durationMs: number, maxEvents: number, fields: [{name, arg?}]) -> Promise<LoopResult>
Napi::Value JsInstance::RunLoop(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    LoopOptions options;
    const double durationMs = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
    const double maxEvents = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 0;
    if (!(durationMs >= 0) || !(maxEvents >= 0))
        throw Napi::RangeError::New(env, "durationMs and maxEvents must be >= 0");
    options.durationNs = static_cast<uint64_t>(durationMs * 1e6);
    options.maxEvents = static_cast<uint64_t>(maxEvents);
    withCodes(env, [&] { m_instance->ensureOpen(); });
    if (info.Length() > 2 && !info[2].IsUndefined()) {
        options.fields = fieldRequestsFromJs(env, m_instance->state().library(), info[2]);
    }
    withCodes(env, [&] { m_instance->beginCall(); });
    auto* worker = new LoopWorker(env, m_instance, std::move(options));
    Napi::Promise p = worker->Promise();
    worker->Queue();
    return p;
}

Napi::Value JsInstance::Progress(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const loader::Progress p = withCodes(env, [&] { return m_instance->progress(); });
    Napi::Object o = Napi::Object::New(env);
    o.Set("supported", p.supported);
    o.Set("pct", p.pct);
    o.Set("text", p.text);
    return o;
}

Napi::Value JsInstance::Close(const Napi::CallbackInfo& info) {
    withCodes(info.Env(), [&] { m_instance->close(); });
    return info.Env().Undefined();
}

Napi::Value JsInstance::IsClosed(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), m_instance->closed());
}

}  // namespace loader
