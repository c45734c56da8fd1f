// A field to extract, resolved the way libsinsp's plugin filtercheck parses
// "name" / "name[arg]" into one ss_plugin_extract_field request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plugin_library.h"

namespace loader {

struct FieldRequest {
    const FieldInfo* field = nullptr;  // points into the library's PluginInfo
    std::string label;                 // "name" or "name[arg]", for messages
    bool argPresent = false;
    bool hasKey = false;
    std::string argKey;
    uint64_t argIndex = UINT64_MAX;  // libsinsp passes all ones when there is no index
};

// `name` may carry its argument in brackets; `arg` gives it separately (not both).
// Throws LoaderError(ERR_PLUGIN_EXTRACT) with libsinsp's wording.
FieldRequest resolveFieldRequest(const PluginLibrary& lib, const std::string& name,
                                 const std::optional<std::string>& arg);

}  // namespace loader
