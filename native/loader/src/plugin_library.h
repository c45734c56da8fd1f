// A loaded plugin library: dlopen + every load-time check Falco/libsinsp
// performs before the first init (plugin_loader.c + sinsp_plugin).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "abi.h"

namespace loader {

enum Capability : uint32_t {
    kCapSourcing = 1u << 0,
    kCapExtraction = 1u << 1,
    kCapParsing = 1u << 2,
    kCapAsync = 1u << 3,
    kCapCaptureListening = 1u << 4,
};

struct FieldInfo {
    uint32_t id = 0;  // index in get_fields = field_id
    std::string name;
    std::string type;    // JSON type name ("string", "uint64", ...)
    uint32_t ftype = 0;  // ss_plugin_field_type code
    std::string desc;
    std::string display;
    bool isList = false;
    bool addOutput = false;
    bool argRequired = false;
    bool argIndex = false;
    bool argKey = false;
    std::vector<std::string> properties;
};

struct PluginInfo {
    std::string path;
    std::string name;
    std::string version;
    std::string description;
    std::string contact;
    std::string requiredApiVersion;
    uint32_t id = 0;
    std::string eventSource;
    uint32_t capabilities = 0;
    std::vector<FieldInfo> fields;
    bool hasInitSchema = false;  // get_init_schema exists
    int32_t initSchemaType = SS_PLUGIN_SCHEMA_NONE;
    std::string initSchema;
    // Resolved like libsinsp: declared sources plus the plugin's own source.
    std::vector<std::string> extractEventSources;
};

class PluginLibrary {
public:
    // Loads and checks the library; throws LoaderError. The library is closed again on failure.
    static std::shared_ptr<PluginLibrary> load(const std::string& path);

    // True when `path` is currently mapped in this process (dlopen RTLD_NOLOAD).
    static bool isResident(const std::string& path);

    ~PluginLibrary();
    PluginLibrary(const PluginLibrary&) = delete;
    PluginLibrary& operator=(const PluginLibrary&) = delete;

    const falco_abi::Api& api() const { return m_api; }
    const PluginInfo& info() const { return m_info; }
    // -1 when unknown.
    int fieldIndex(const std::string& name) const;

    // dlclose now. Throws ERR_PLUGIN_STATE while states are alive. Idempotent.
    void unload();
    bool unloaded() const { return m_handle == nullptr; }
    // Throws ERR_PLUGIN_STATE after unload().
    void ensureLoaded() const;

    void stateCreated() { m_liveStates.fetch_add(1); }
    void stateDestroyed() { m_liveStates.fetch_sub(1); }
    int liveStates() const { return m_liveStates.load(); }

private:
    explicit PluginLibrary(void* handle, std::string path);
    void resolveSymbols();
    void checkAndDescribe();
    void parseFields();
    void parseExtractEventSources();

    void* m_handle;
    falco_abi::Api m_api;
    PluginInfo m_info;
    std::unordered_map<std::string, uint32_t> m_fieldIndex;
    std::atomic<int> m_liveStates{0};
};

// Safe conversion of a possibly-NULL plugin string.
inline std::string fromPluginString(const char* s) { return s ? std::string(s) : std::string(); }

}  // namespace loader
