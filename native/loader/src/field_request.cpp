#include "field_request.h"

#include "errors.h"

namespace loader {

namespace {

// libsinsp: digits only, no leading zero, fits in 64 bits.
uint64_t parseIndexArg(const std::string& label, const FieldInfo& f, const std::string& arg) {
    const char* problem = nullptr;
    if (arg.empty() || (arg.size() > 1 && arg[0] == '0')) problem = " has an invalid index argument starting with 0: ";
    for (char c : arg) {
        if (c < '0' || c > '9') {
            problem = " has an invalid index argument not composed only by digits: ";
            break;
        }
    }
    uint64_t value = 0;
    if (!problem) {
        for (char c : arg) {
            uint64_t digit = static_cast<uint64_t>(c - '0');
            if (value > (UINT64_MAX - digit) / 10) {
                problem = " has an invalid index argument not representable on 64 bit: ";
                break;
            }
            value = value * 10 + digit;
        }
    }
    if (problem) throw LoaderError(codes::kExtract, "filter " + label + " " + f.name + problem + arg);
    return value;
}

}  // namespace

FieldRequest resolveFieldRequest(const PluginLibrary& lib, const std::string& name,
                                 const std::optional<std::string>& arg) {
    FieldRequest req;
    std::string fieldName = name;
    std::optional<std::string> argStr = arg;

    const size_t open = name.find('[');
    if (open != std::string::npos) {
        if (arg) {
            throw LoaderError(codes::kExtract,
                              "field request '" + name + "' gives an argument both in brackets and in `arg`");
        }
        fieldName = name.substr(0, open);
        const size_t start = open + 1;
        if (start >= name.size()) {
            throw LoaderError(codes::kExtract,
                              "filter '" + name + "': " + fieldName + " terminates with incomplete argument brackets");
        }
        const size_t close = name.find(']', start);
        if (close == std::string::npos || close != name.size() - 1) {
            throw LoaderError(codes::kExtract,
                              "filter '" + name + "': " + fieldName + " has unbalanced argument brackets");
        }
        argStr = name.substr(start, close - start);
    }

    const int id = lib.fieldIndex(fieldName);
    if (id < 0) {
        throw LoaderError(codes::kExtract, "plugin " + lib.info().name + " has no field '" + fieldName + "'");
    }
    const FieldInfo& f = lib.info().fields[static_cast<size_t>(id)];
    req.field = &f;
    req.label = argStr ? fieldName + "[" + *argStr + "]" : fieldName;

    if (argStr) {
        req.argPresent = true;
        if (!(f.argIndex || f.argKey || f.argRequired)) {
            throw LoaderError(codes::kExtract,
                              "filter '" + req.label + "': " + f.name +
                                  " does not allow nor require an argument but one is provided: " + *argStr);
        }
        if (f.argIndex) req.argIndex = parseIndexArg(req.label, f, *argStr);
        if (f.argKey) {
            req.hasKey = true;
            req.argKey = *argStr;
        }
    } else if (f.argRequired) {
        throw LoaderError(codes::kExtract,
                          "filter '" + req.label + "': " + f.name + " requires an argument but none provided");
    }
    return req;
}

}  // namespace loader
