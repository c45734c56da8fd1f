#include "plugin_library.h"

#include <dlfcn.h>
#include <rapidjson/document.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "errors.h"

namespace loader {

namespace {

struct FieldTypeName {
    const char* name;
    uint32_t code;
};

constexpr FieldTypeName kFieldTypes[] = {
    {"string", FTYPE_STRING}, {"uint64", FTYPE_UINT64}, {"reltime", FTYPE_RELTIME}, {"abstime", FTYPE_ABSTIME},
    {"bool", FTYPE_BOOL},     {"ipaddr", FTYPE_IPADDR}, {"ipnet", FTYPE_IPNET},
};

// "M.m.p" with a possible suffix after the third number (sscanf semantics, like libs).
bool parseVersion(const std::string& s, uint32_t& major, uint32_t& minor, uint32_t& patch) {
    return std::sscanf(s.c_str(), "%" SCNu32 ".%" SCNu32 ".%" SCNu32, &major, &minor, &patch) == 3;
}

// [a-z]+[a-z0-9_]*(\.[a-z]+[a-z0-9_]*)+ : the field-name convention of the plugin docs.
bool isSafeFieldName(const std::string& name) {
    size_t segments = 0;
    size_t i = 0;
    while (i <= name.size()) {
        if (i == name.size() || !(name[i] >= 'a' && name[i] <= 'z')) return false;
        while (i < name.size() &&
               ((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_')) {
            ++i;
        }
        ++segments;
        if (i == name.size()) break;
        if (name[i] != '.') return false;
        ++i;
    }
    return segments >= 2;
}

template <typename T>
void resolve(void* handle, T& slot, const char* name) {
    std::string sym = std::string("plugin_") + name;
    void* p = dlsym(handle, sym.c_str());
    static_assert(sizeof(T) == sizeof(void*), "function pointers are pointer-sized");
    std::memcpy(&slot, &p, sizeof p);
}

}  // namespace

PluginLibrary::PluginLibrary(void* handle, std::string path) : m_handle(handle) { m_info.path = std::move(path); }

PluginLibrary::~PluginLibrary() {
    if (m_handle) dlclose(m_handle);
}

std::shared_ptr<PluginLibrary> PluginLibrary::load(const std::string& path) {
    dlerror();
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* why = dlerror();
        throw LoaderError(codes::kLoad,
                          std::string("can't load plugin dynamic library: ") + (why ? why : "unknown error"));
    }
    // From here on the destructor closes the library if a check throws.
    std::shared_ptr<PluginLibrary> lib(new PluginLibrary(handle, path));
    lib->resolveSymbols();
    lib->checkAndDescribe();
    return lib;
}

bool PluginLibrary::isResident(const std::string& path) {
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
    if (!h) return false;
    dlclose(h);  // RTLD_NOLOAD took a reference
    return true;
}

int PluginLibrary::fieldIndex(const std::string& name) const {
    auto it = m_fieldIndex.find(name);
    return it == m_fieldIndex.end() ? -1 : static_cast<int>(it->second);
}

void PluginLibrary::unload() {
    if (!m_handle) return;
    int live = liveStates();
    if (live > 0) {
        throw LoaderError(codes::kState, "cannot unload plugin " + m_info.name + ": " + std::to_string(live) +
                                             " state(s) still alive; destroy them first");
    }
    dlclose(m_handle);
    m_handle = nullptr;
    m_api = falco_abi::Api{};
}

void PluginLibrary::ensureLoaded() const {
    if (!m_handle) throw LoaderError(codes::kState, "plugin " + m_info.name + " has been unloaded");
}

void PluginLibrary::resolveSymbols() {
    void* h = m_handle;
    resolve(h, m_api.get_required_api_version, "get_required_api_version");
    resolve(h, m_api.get_version, "get_version");
    resolve(h, m_api.get_name, "get_name");
    resolve(h, m_api.get_description, "get_description");
    resolve(h, m_api.get_contact, "get_contact");
    resolve(h, m_api.get_init_schema, "get_init_schema");
    resolve(h, m_api.init, "init");
    resolve(h, m_api.destroy, "destroy");
    resolve(h, m_api.get_last_error, "get_last_error");
    resolve(h, m_api.set_config, "set_config");
    resolve(h, m_api.get_metrics, "get_metrics");
    resolve(h, m_api.get_required_event_schema_version, "get_required_event_schema_version");
    resolve(h, m_api.get_id, "get_id");
    resolve(h, m_api.get_event_source, "get_event_source");
    resolve(h, m_api.open, "open");
    resolve(h, m_api.close, "close");
    resolve(h, m_api.next_batch, "next_batch");
    resolve(h, m_api.get_progress, "get_progress");
    resolve(h, m_api.list_open_params, "list_open_params");
    resolve(h, m_api.event_to_string, "event_to_string");
    resolve(h, m_api.get_fields, "get_fields");
    resolve(h, m_api.extract_fields, "extract_fields");
    resolve(h, m_api.get_extract_event_sources, "get_extract_event_sources");
    resolve(h, m_api.get_extract_event_types, "get_extract_event_types");
    resolve(h, m_api.parse_event, "parse_event");
    resolve(h, m_api.get_parse_event_sources, "get_parse_event_sources");
    resolve(h, m_api.get_parse_event_types, "get_parse_event_types");
    resolve(h, m_api.get_async_events, "get_async_events");
    resolve(h, m_api.get_async_event_sources, "get_async_event_sources");
    resolve(h, m_api.set_async_event_handler, "set_async_event_handler");
    resolve(h, m_api.dump_state, "dump_state");
    resolve(h, m_api.capture_open, "capture_open");
    resolve(h, m_api.capture_close, "capture_close");
}

void PluginLibrary::checkAndDescribe() {
    // 1. Required API version, before anything else.
    if (!m_api.get_required_api_version) {
        throw LoaderError(codes::kSymbol, "plugin_get_required_api_version symbol not implemented");
    }
    const std::string reqApi = fromPluginString(m_api.get_required_api_version());
    uint32_t major = 0, minor = 0, patch = 0;
    if (!parseVersion(reqApi, major, minor, patch)) {
        throw LoaderError(codes::kApiVersion, "plugin provided an invalid required API version: '" + reqApi + "'");
    }
    const char* why = nullptr;
    if (major != SS_PLUGIN_API_VERSION_MAJOR) {
        why = "major versions disagree";
    } else if (SS_PLUGIN_API_VERSION_MINOR < minor) {
        why = "framework's minor is less than the requested one";
    } else if (SS_PLUGIN_API_VERSION_MINOR == minor && SS_PLUGIN_API_VERSION_PATCH < patch) {
        why = "framework's patch is less than the requested one";
    }
    if (why) {
        throw LoaderError(codes::kApiVersion, "plugin required API version '" + reqApi +
                                                  "' not compatible with the framework's API version '" +
                                                  SS_PLUGIN_API_VERSION + "': " + why);
    }
    m_info.requiredApiVersion = reqApi;

    // 2. Symbols every plugin must export.
    const std::pair<const void*, const char*> required[] = {
        {reinterpret_cast<const void*>(m_api.get_required_api_version), "get_required_api_version"},
        {reinterpret_cast<const void*>(m_api.get_version), "get_version"},
        {reinterpret_cast<const void*>(m_api.get_name), "get_name"},
        {reinterpret_cast<const void*>(m_api.get_description), "get_description"},
        {reinterpret_cast<const void*>(m_api.get_contact), "get_contact"},
        {reinterpret_cast<const void*>(m_api.init), "init"},
        {reinterpret_cast<const void*>(m_api.destroy), "destroy"},
        {reinterpret_cast<const void*>(m_api.get_last_error), "get_last_error"},
    };
    for (const auto& [ptr, name] : required) {
        if (!ptr) throw LoaderError(codes::kSymbol, std::string("required symbol not implemented: '") + name + "'");
    }

    // 3. Descriptive info and the plugin's own version.
    m_info.name = fromPluginString(m_api.get_name());
    m_info.description = fromPluginString(m_api.get_description());
    m_info.contact = fromPluginString(m_api.get_contact());
    m_info.version = fromPluginString(m_api.get_version());
    if (!parseVersion(m_info.version, major, minor, patch)) {
        throw LoaderError(codes::kVersion, "plugin provided an invalid version string: '" + m_info.version + "'");
    }

    // 4. Capabilities from the symbols present; half capabilities mark the plugin broken.
    std::string broken;
    auto addBroken = [&broken](const char* msg) {
        if (!broken.empty()) broken += ", ";
        broken += msg;
    };
    uint32_t caps = 0;
    if (m_api.open && m_api.close && m_api.next_batch) {
        const bool hasId = m_api.get_id && m_api.get_id() != 0;
        const bool hasSource = m_api.get_event_source && !fromPluginString(m_api.get_event_source()).empty();
        if (hasId == hasSource) {
            caps |= kCapSourcing;
        } else {
            addBroken("must implement both 'plugin_get_id' and 'plugin_get_event_source' or neither (event sourcing)");
        }
    } else if (m_api.open || m_api.close || m_api.next_batch) {
        addBroken("must implement all of 'plugin_open', 'plugin_close', and 'plugin_next_batch' (event sourcing)");
    }
    if (m_api.get_fields && m_api.extract_fields) {
        caps |= kCapExtraction;
    } else if (m_api.extract_fields) {
        addBroken("must implement both 'plugin_get_fields' and 'plugin_extract_fields' (field extraction)");
    }
    if (m_api.parse_event) caps |= kCapParsing;
    if (m_api.get_async_events && m_api.set_async_event_handler) {
        caps |= kCapAsync;
    } else if (m_api.set_async_event_handler) {
        addBroken("must implement both 'plugin_get_async_events' and 'plugin_set_async_event_handler' (async events)");
    }
    if (m_api.capture_open && m_api.capture_close) {
        caps |= kCapCaptureListening;
    } else if (m_api.capture_open) {
        addBroken("must implement both 'plugin_capture_open' and 'plugin_capture_close' (capture listening)");
    }
    if (!broken.empty()) throw LoaderError(codes::kCapability, "broken plugin capabilities: " + broken);
    if (caps == 0) throw LoaderError(codes::kCapability, "plugin does not implement any capability");
    m_info.capabilities = caps;

    // 5. Event source identity.
    if ((caps & kCapSourcing) && m_api.get_id && m_api.get_event_source && m_api.get_id() != 0) {
        m_info.id = m_api.get_id();
        m_info.eventSource = fromPluginString(m_api.get_event_source());
        if (m_info.eventSource == "syscall") {
            throw LoaderError(codes::kCapability,
                              "plugin can't implement the reserved event source '" + m_info.eventSource + "'");
        }
    }

    // 6. Fields and extraction sources, still before any init.
    if (caps & kCapExtraction) {
        parseFields();
        parseExtractEventSources();
    }

    // The init schema, as Falco reads it before init.
    if (m_api.get_init_schema) {
        int32_t type = SS_PLUGIN_SCHEMA_NONE;
        m_info.initSchema = fromPluginString(m_api.get_init_schema(&type));
        m_info.initSchemaType = type;
        m_info.hasInitSchema = true;
    }
}

void PluginLibrary::parseFields() {
    const std::string prefix = "error in plugin " + m_info.name + ": ";
    auto fail = [&prefix](const std::string& msg) { throw LoaderError(codes::kFields, prefix + msg); };

    const char* raw = m_api.get_fields();
    if (!raw) fail("get_fields returned a null string");
    rapidjson::Document root;
    root.Parse<rapidjson::kParseCommentsFlag>(raw);
    if (root.HasParseError() || !root.IsArray()) fail("get_fields returned an invalid JSON");
    if (root.Empty()) fail("get_fields returned no fields");

    auto stringMember = [](const rapidjson::Value& obj, const char* key) -> std::string {
        auto it = obj.FindMember(key);
        if (it == obj.MemberEnd() || !it->value.IsString()) return std::string();
        return std::string(it->value.GetString(), it->value.GetStringLength());
    };
    // Optional boolean member: absent/null = false; anything but a bool aborts loading.
    auto boolMember = [&fail](const rapidjson::Value& obj, const char* key, const std::string& fname,
                              const char* what) -> bool {
        auto it = obj.FindMember(key);
        if (it == obj.MemberEnd() || it->value.IsNull()) return false;
        if (!it->value.IsBool()) fail("field " + fname + " " + what + " property is not boolean");
        return it->value.GetBool();
    };

    for (rapidjson::SizeType j = 0; j < root.Size(); ++j) {
        const rapidjson::Value& entry = root[j];
        if (!entry.IsObject()) fail("field JSON entry " + std::to_string(j) + " is not an object");
        FieldInfo f;
        f.id = j;
        f.type = stringMember(entry, "type");
        if (f.type.empty()) fail("field JSON entry has no type");
        f.name = stringMember(entry, "name");
        if (f.name.empty()) fail("field JSON entry has no name");
        f.display = stringMember(entry, "display");
        f.desc = stringMember(entry, "desc");
        if (f.desc.empty()) fail("field JSON entry has no desc");
        bool known = false;
        for (const auto& t : kFieldTypes) {
            if (f.type == t.name) {
                f.ftype = t.code;
                known = true;
            }
        }
        if (!known) fail("invalid field type " + f.type);
        f.isList = boolMember(entry, "isList", f.name, "isList");
        f.addOutput = boolMember(entry, "addOutput", f.name, "addOutput");

        auto arg = entry.FindMember("arg");
        if (arg != entry.MemberEnd() && !arg->value.IsNull()) {
            if (!arg->value.IsObject()) fail("field " + f.name + " arg property is not an object");
            f.argRequired = boolMember(arg->value, "isRequired", f.name, "isRequired");
            f.argIndex = boolMember(arg->value, "isIndex", f.name, "isIndex");
            f.argKey = boolMember(arg->value, "isKey", f.name, "isKey");
            if (f.argRequired && !f.argIndex && !f.argKey) {
                fail("field " + f.name + " arg has isRequired true, but none of isKey nor isIndex is true");
            }
        }

        auto props = entry.FindMember("properties");
        if (props != entry.MemberEnd() && !props->value.IsNull()) {
            if (!props->value.IsArray()) fail("field " + f.name + " properties property is not array");
            for (const auto& p : props->value.GetArray()) {
                if (!p.IsString()) fail("field " + f.name + " properties value is not string");
                f.properties.emplace_back(p.GetString(), p.GetStringLength());
            }
        }

        // Checks Falco makes when it registers the fields of a source.
        if (!isSafeFieldName(f.name)) {
            fail("field name '" + f.name + "' does not match [a-z]+[a-z0-9_]*(\\.[a-z]+[a-z0-9_]*)+");
        }
        auto [it, inserted] = m_fieldIndex.emplace(f.name, j);
        if (!inserted) {
            fail("field '" + f.name + "' is defined twice (entries " + std::to_string(it->second) + " and " +
                 std::to_string(j) + ")");
        }
        m_info.fields.push_back(std::move(f));
    }
}

void PluginLibrary::parseExtractEventSources() {
    std::vector<std::string>& out = m_info.extractEventSources;
    out.clear();
    if (m_api.get_extract_event_sources) {
        const std::string json = fromPluginString(m_api.get_extract_event_sources());
        if (!json.empty()) {
            const std::string err =
                "error in plugin " + m_info.name + ": 'get_extract_event_sources' did not return a json array";
            rapidjson::Document root;
            root.Parse<rapidjson::kParseCommentsFlag>(json.c_str());
            if (root.HasParseError() || !root.IsArray()) throw LoaderError(codes::kFields, err);
            for (const auto& v : root.GetArray()) {
                if (!v.IsString()) throw LoaderError(codes::kFields, err);
                std::string src(v.GetString(), v.GetStringLength());
                bool dup = false;
                for (const auto& s : out) dup = dup || s == src;
                if (!src.empty() && !dup) out.push_back(std::move(src));
            }
        }
    }
    // A sourcing plugin always extracts from its own source.
    if ((m_info.capabilities & kCapSourcing) && !m_info.eventSource.empty()) {
        bool present = false;
        for (const auto& s : out) present = present || s == m_info.eventSource;
        if (!present) out.push_back(m_info.eventSource);
    }
}

}  // namespace loader
