// node-addon-api wrappers over the loader classes. Failures become JS Errors
// with a stable `code`; the wrappers hold shared_ptrs, so garbage collection
// frees instance -> state -> library in that order whatever order the
// finalizers run in.
#pragma once

#include <napi.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "errors.h"
#include "field_request.h"
#include "plugin_instance.h"
#include "plugin_library.h"
#include "plugin_state.h"

namespace loader {

struct AddonData {
    Napi::FunctionReference stateCtor;
    Napi::FunctionReference instanceCtor;
};

Napi::Error codedError(Napi::Env env, const char* code, const std::string& message);

// Runs f(); a LoaderError becomes a thrown JS Error with its code.
template <typename F>
auto withCodes(Napi::Env env, F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const LoaderError& e) {
        throw codedError(env, e.code(), e.what());
    }
}

Napi::Array logsToJs(Napi::Env env, const std::vector<LogEntry>& logs);

// [{name, arg?}] -> resolved requests (arg: string or non-negative integer).
std::vector<FieldRequest> fieldRequestsFromJs(Napi::Env env, const PluginLibrary& lib, const Napi::Value& v);

class JsPlugin : public Napi::ObjectWrap<JsPlugin> {
public:
    static Napi::Function Define(Napi::Env env);
    explicit JsPlugin(const Napi::CallbackInfo& info);

private:
    static Napi::Value IsResident(const Napi::CallbackInfo& info);
    Napi::Value Info(const Napi::CallbackInfo& info);
    Napi::Value Init(const Napi::CallbackInfo& info);
    Napi::Value Unload(const Napi::CallbackInfo& info);
    Napi::Value IsUnloaded(const Napi::CallbackInfo& info);
    Napi::Value LiveStates(const Napi::CallbackInfo& info);

    std::shared_ptr<PluginLibrary> m_lib;
};

class JsState : public Napi::ObjectWrap<JsState> {
public:
    static Napi::Function Define(Napi::Env env);
    explicit JsState(const Napi::CallbackInfo& info);

private:
    HostState& state();
    Napi::Value DrainLogs(const Napi::CallbackInfo& info);
    Napi::Value Metrics(const Napi::CallbackInfo& info);
    Napi::Value LastError(const Napi::CallbackInfo& info);
    Napi::Value ListOpenParams(const Napi::CallbackInfo& info);
    Napi::Value Destroy(const Napi::CallbackInfo& info);
    Napi::Value IsDestroyed(const Napi::CallbackInfo& info);
    Napi::Value Open(const Napi::CallbackInfo& info);
    Napi::Value OpenAsync(const Napi::CallbackInfo& info);
    Napi::Value Extract(const Napi::CallbackInfo& info);
    Napi::Value ExtractInOneCall(const Napi::CallbackInfo& info);
    Napi::Value EventToString(const Napi::CallbackInfo& info);
    Napi::Value ExtractEventTypes(const Napi::CallbackInfo& info);
    Napi::Value Config(const Napi::CallbackInfo& info);

    std::shared_ptr<HostState> m_state;
};

class JsInstance : public Napi::ObjectWrap<JsInstance> {
public:
    static Napi::Function Define(Napi::Env env);
    explicit JsInstance(const Napi::CallbackInfo& info);

private:
    Napi::Value NextBatch(const Napi::CallbackInfo& info);
    Napi::Value NextBatchSync(const Napi::CallbackInfo& info);
    Napi::Value RunLoop(const Napi::CallbackInfo& info);
    Napi::Value Progress(const Napi::CallbackInfo& info);
    Napi::Value Close(const Napi::CallbackInfo& info);
    Napi::Value IsClosed(const Napi::CallbackInfo& info);

    std::shared_ptr<HostInstance> m_instance;
};

}  // namespace loader
