// Loader failures carry a stable code that the JS side exposes as `err.code`.
#pragma once

#include <stdexcept>
#include <string>

namespace loader {

namespace codes {
constexpr const char* kLoad = "ERR_PLUGIN_LOAD";               // dlopen failed, or another load-time refusal
constexpr const char* kApiVersion = "ERR_PLUGIN_API_VERSION";  // required API version unparsable/incompatible
constexpr const char* kSymbol = "ERR_PLUGIN_SYMBOL";           // a required symbol is missing
constexpr const char* kVersion = "ERR_PLUGIN_VERSION";         // get_version is not X.Y.Z
constexpr const char* kCapability = "ERR_PLUGIN_CAPABILITY";   // no/broken capability, bad id/source
constexpr const char* kFields = "ERR_PLUGIN_FIELDS";           // get_fields (or extract sources) rejected
constexpr const char* kConfig = "ERR_PLUGIN_CONFIG";           // init schema/config is not valid JSON
constexpr const char* kInit = "ERR_PLUGIN_INIT";               // init returned FAILURE
constexpr const char* kOpen = "ERR_PLUGIN_OPEN";               // open returned FAILURE
constexpr const char* kOpenParams = "ERR_PLUGIN_OPEN_PARAMS";  // list_open_params failed or is malformed
constexpr const char* kState = "ERR_PLUGIN_STATE";             // use after close/destroy/unload, busy, live children
constexpr const char* kBatch = "ERR_PLUGIN_BATCH";             // next_batch broke the contract (Falco: fatal)
constexpr const char* kExtract = "ERR_PLUGIN_EXTRACT";         // bad field request or bad extraction result
constexpr const char* kEvent = "ERR_PLUGIN_EVENT";             // an event record handed in is malformed
}  // namespace codes

class LoaderError : public std::runtime_error {
public:
    LoaderError(const char* code, const std::string& message) : std::runtime_error(message), m_code(code) {}
    const char* code() const noexcept { return m_code; }

private:
    const char* m_code;
};

}  // namespace loader
