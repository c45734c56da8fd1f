// Module entry point and the Plugin wrapper (load, info, init, unload).
#include "bindings.h"

namespace loader {

namespace {

const char* capabilityName(uint32_t bit) {
    switch (bit) {
        case kCapSourcing: return "sourcing";
        case kCapExtraction: return "extraction";
        case kCapParsing: return "parsing";
        case kCapAsync: return "async";
        case kCapCaptureListening: return "capture_listening";
        default: return "unknown";
    }
}

const char* severityName(int32_t s) {
    static const char* const names[] = {"unknown", "fatal", "critical", "error", "warning",
                                        "notice",  "info",  "debug",    "trace"};
    return s >= 1 && s <= 8 ? names[s] : names[0];
}

Napi::Array stringArray(Napi::Env env, const std::vector<std::string>& v) {
    Napi::Array a = Napi::Array::New(env, v.size());
    for (size_t i = 0; i < v.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::String::New(env, v[i]));
    return a;
}

}  // namespace

Napi::Error codedError(Napi::Env env, const char* code, const std::string& message) {
    Napi::Error e = Napi::Error::New(env, message);
    e.Value().Set("code", Napi::String::New(env, code));
    return e;
}

Napi::Array logsToJs(Napi::Env env, const std::vector<LogEntry>& logs) {
    Napi::Array out = Napi::Array::New(env, logs.size());
    for (size_t i = 0; i < logs.size(); ++i) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("component", logs[i].component);
        o.Set("message", logs[i].message);
        o.Set("severity", severityName(logs[i].severity));
        o.Set("severityCode", logs[i].severity);
        out.Set(static_cast<uint32_t>(i), o);
    }
    return out;
}

std::vector<FieldRequest> fieldRequestsFromJs(Napi::Env env, const PluginLibrary& lib, const Napi::Value& v) {
    if (!v.IsArray()) throw Napi::TypeError::New(env, "fields must be an array of {name, arg?}");
    Napi::Array arr = v.As<Napi::Array>();
    std::vector<FieldRequest> out;
    out.reserve(arr.Length());
    for (uint32_t i = 0; i < arr.Length(); ++i) {
        Napi::Value item = arr.Get(i);
        if (!item.IsObject()) throw Napi::TypeError::New(env, "fields[" + std::to_string(i) + "] must be {name, arg?}");
        Napi::Object o = item.As<Napi::Object>();
        Napi::Value name = o.Get("name");
        if (!name.IsString())
            throw Napi::TypeError::New(env, "fields[" + std::to_string(i) + "].name must be a string");
        std::optional<std::string> arg;
        Napi::Value a = o.Get("arg");
        if (a.IsString()) {
            arg = a.As<Napi::String>().Utf8Value();
        } else if (a.IsNumber()) {
            const double d = a.As<Napi::Number>().DoubleValue();
            if (!(d >= 0) || d != static_cast<double>(static_cast<uint64_t>(d))) {
                throw Napi::TypeError::New(env, "fields[" + std::to_string(i) + "].arg must be a non-negative integer");
            }
            arg = std::to_string(static_cast<uint64_t>(d));
        } else if (a.IsBigInt()) {
            bool lossless = false;
            arg = std::to_string(a.As<Napi::BigInt>().Uint64Value(&lossless));
        } else if (!a.IsUndefined() && !a.IsNull()) {
            throw Napi::TypeError::New(env, "fields[" + std::to_string(i) + "].arg must be a string or a number");
        }
        out.push_back(
            withCodes(env, [&] { return resolveFieldRequest(lib, name.As<Napi::String>().Utf8Value(), arg); }));
    }
    return out;
}

Napi::Function JsPlugin::Define(Napi::Env env) {
    return DefineClass(env, "NativePlugin",
                       {
                           StaticMethod<&JsPlugin::IsResident>("isResident"),
                           InstanceMethod<&JsPlugin::Info>("info"),
                           InstanceMethod<&JsPlugin::Init>("init"),
                           InstanceMethod<&JsPlugin::Unload>("unload"),
                           InstanceMethod<&JsPlugin::IsUnloaded>("isUnloaded"),
                           InstanceMethod<&JsPlugin::LiveStates>("liveStates"),
                       });
}

JsPlugin::JsPlugin(const Napi::CallbackInfo& info) : Napi::ObjectWrap<JsPlugin>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "plugin path must be a string");
    const std::string path = info[0].As<Napi::String>().Utf8Value();
    m_lib = withCodes(env, [&] { return PluginLibrary::load(path); });
}

Napi::Value JsPlugin::IsResident(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(info.Env(), "path must be a string");
    return Napi::Boolean::New(info.Env(), PluginLibrary::isResident(info[0].As<Napi::String>().Utf8Value()));
}

Napi::Value JsPlugin::Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const PluginInfo& pi = m_lib->info();
    Napi::Object o = Napi::Object::New(env);
    o.Set("path", pi.path);
    o.Set("name", pi.name);
    o.Set("version", pi.version);
    o.Set("description", pi.description);
    o.Set("contact", pi.contact);
    o.Set("requiredApiVersion", pi.requiredApiVersion);
    o.Set("id", pi.id);
    o.Set("eventSource", pi.eventSource);
    std::vector<std::string> caps;
    for (uint32_t bit = 1; bit <= kCapCaptureListening; bit <<= 1) {
        if (pi.capabilities & bit) caps.emplace_back(capabilityName(bit));
    }
    o.Set("capabilities", stringArray(env, caps));
    Napi::Array fields = Napi::Array::New(env, pi.fields.size());
    for (size_t i = 0; i < pi.fields.size(); ++i) {
        const FieldInfo& f = pi.fields[i];
        Napi::Object fo = Napi::Object::New(env);
        fo.Set("id", f.id);
        fo.Set("name", f.name);
        fo.Set("type", f.type);
        fo.Set("ftype", f.ftype);
        fo.Set("desc", f.desc);
        fo.Set("display", f.display);
        fo.Set("isList", f.isList);
        fo.Set("addOutput", f.addOutput);
        Napi::Object arg = Napi::Object::New(env);
        arg.Set("isRequired", f.argRequired);
        arg.Set("isIndex", f.argIndex);
        arg.Set("isKey", f.argKey);
        fo.Set("arg", arg);
        fo.Set("properties", stringArray(env, f.properties));
        fields.Set(static_cast<uint32_t>(i), fo);
    }
    o.Set("fields", fields);
    o.Set("initSchema",
          pi.hasInitSchema && !pi.initSchema.empty() ? Napi::Value(Napi::String::New(env, pi.initSchema)) : env.Null());
    o.Set("initSchemaType", pi.initSchemaType == SS_PLUGIN_SCHEMA_JSON ? Napi::Value(Napi::String::New(env, "json"))
                            : pi.initSchemaType == SS_PLUGIN_SCHEMA_NONE
                                ? Napi::Value(Napi::String::New(env, "none"))
                                : Napi::Value(Napi::Number::New(env, pi.initSchemaType)));
    o.Set("extractEventSources", stringArray(env, pi.extractEventSources));
    return o;
}

Napi::Value JsPlugin::Init(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const std::string config = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
    auto state = withCodes(env, [&] { return std::make_shared<HostState>(m_lib); });
    try {
        state->init(config);
    } catch (const LoaderError& e) {
        Napi::Error err = codedError(env, e.code(), e.what());
        err.Value().Set("logs", logsToJs(env, state->drainLogs()));
        throw err;
    }
    auto* data = env.GetInstanceData<AddonData>();
    return data->stateCtor.New({Napi::External<std::shared_ptr<HostState>>::New(env, &state)});
}

Napi::Value JsPlugin::Unload(const Napi::CallbackInfo& info) {
    withCodes(info.Env(), [&] { m_lib->unload(); });
    return info.Env().Undefined();
}

Napi::Value JsPlugin::IsUnloaded(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), m_lib->unloaded());
}

Napi::Value JsPlugin::LiveStates(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), m_lib->liveStates());
}

}  // namespace loader

namespace {

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
    auto* data = new loader::AddonData();
    Napi::Function state = loader::JsState::Define(env);
    Napi::Function instance = loader::JsInstance::Define(env);
    data->stateCtor = Napi::Persistent(state);
    data->instanceCtor = Napi::Persistent(instance);
    env.SetInstanceData<loader::AddonData>(data);

    exports.Set("NativePlugin", loader::JsPlugin::Define(env));
    exports.Set("NativeState", state);
    exports.Set("NativeInstance", instance);
    Napi::Object constants = Napi::Object::New(env);
    constants.Set("apiVersion", SS_PLUGIN_API_VERSION);
    constants.Set("nevtsSentinel", loader::HostInstance::kNevtsSentinel);
    constants.Set("payloadOffset", static_cast<uint32_t>(SS_PLUGIN_EVENT_PAYLOAD_OFFSET));
    constants.Set("pluginEventType", static_cast<uint16_t>(SS_PLUGIN_EVENT_TYPE_PLUGIN));
    exports.Set("constants", constants);
    return exports;
}

}  // namespace

NODE_API_MODULE(plugin_loader, InitModule)
