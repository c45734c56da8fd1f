// The library's own error codes, declared once: each code's name, whether it fails the capture (init, open
// or next_batch returns FAILURE) or is only logged, and what it means for a user. Every message the library
// gives Falco is built by error_message(); README's Errors table is generated from this table (with the
// engine's codes, src/errors.ts) by `npm run docs`. Codes never change meaning.
#pragma once

#include "enum_table.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace docker_plugin {

enum class ErrorCode : uint8_t {
    ConfigInvalid,
    EngineSpawn,
    EngineTimeout,
    EngineExited,
    EngineIo,
    Protocol,
    EngineUnreadable,
    StateFile,
    Internal,
    Count
};

enum class ErrorKind : uint8_t {
    Fatal,  // the call fails: init, open or next_batch returns FAILURE with this message
    Log,    // only logged; the capture goes on
};

struct ErrorCodeInfo {
    ErrorCode code;
    const char* name;
    ErrorKind kind;
    const char* meaning;  // one line for users; a code the engine reports too has the engine's meaning
};

inline constexpr ErrorCodeInfo kErrorCodes[] = {
    {ErrorCode::ConfigInvalid, "ERR_CONFIG_INVALID", ErrorKind::Fatal,
     "`init_config` breaks the schema; the message names every problem, its key, the rule and the value"},
    {ErrorCode::EngineSpawn, "ERR_ENGINE_SPAWN", ErrorKind::Fatal, "`node` could not be started"},
    {ErrorCode::EngineTimeout, "ERR_ENGINE_TIMEOUT", ErrorKind::Fatal,
     "the engine did not reach the daemon within `openTimeoutMs`"},
    {ErrorCode::EngineExited, "ERR_ENGINE_EXITED", ErrorKind::Fatal,
     "the engine died before it was ready, or died and could not be restarted; its last messages are included"},
    {ErrorCode::EngineIo, "ERR_ENGINE_IO", ErrorKind::Fatal, "the plugin could not read from the engine's pipes"},
    {ErrorCode::Protocol, "ERR_PROTOCOL", ErrorKind::Fatal,
     "the engine sent a frame the library does not accept: the library and the engine disagree; please report it "
     "with the message"},
    {ErrorCode::EngineUnreadable, "ERR_ENGINE", ErrorKind::Fatal,
     "the engine reported a failure the library cannot read (not JSON), included as it came: please report it"},
    {ErrorCode::StateFile, "ERR_STATE_FILE", ErrorKind::Log,
     "the resume point cannot be written in `stateDir`: a reload or restart starts from now"},
    {ErrorCode::Internal, "ERR_INTERNAL", ErrorKind::Fatal,
     "a bug in the library or the engine: please report it with the message"},
};

constexpr size_t kErrorCodeCount = static_cast<size_t>(ErrorCode::Count);
static_assert(rows_in_enum_order(kErrorCodes, &ErrorCodeInfo::code, kErrorCodeCount),
              "kErrorCodes: one row per ErrorCode, in its order");

constexpr const ErrorCodeInfo& error_info(ErrorCode code) { return kErrorCodes[static_cast<size_t>(code)]; }

// "ERR_…: message", the form in which every failure and coded warning reaches Falco.
inline std::string error_message(const std::string& code, const std::string& message) { return code + ": " + message; }
inline std::string error_message(ErrorCode code, const std::string& message) {
    return error_message(error_info(code).name, message);
}

}  // namespace docker_plugin
