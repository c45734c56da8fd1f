// Prints the library's error codes and metrics, from the tables the library is built with, as JSON:
// {"errors":[{"code","kind":"fatal"|"log","meaning"}],"metrics":[{"name","kind","meaning"}]}.
// `npm run docs` turns it into README's Errors and Metrics tables.
#include "error_codes.h"
#include "metrics.h"

#include <cstdio>
#include <string>

using namespace docker_plugin;

namespace {

std::string json_string(const char* text) {
    std::string out = "\"";
    for (const char* p = text; *p; p++) {
        const unsigned char c = static_cast<unsigned char>(*p);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += char(c);
        } else if (c < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
            out += escaped;
        } else {
            out += char(c);
        }
    }
    return out + "\"";
}

}  // namespace

int main() {
    std::string out = "{\"errors\":[";
    for (const ErrorCodeInfo& e : kErrorCodes) {
        if (&e != kErrorCodes) out += ",";
        out += "{\"code\":" + json_string(e.name) + ",\"kind\":\"" + (e.kind == ErrorKind::Fatal ? "fatal" : "log") +
               "\",\"meaning\":" + json_string(e.meaning) + "}";
    }
    out += "],\"metrics\":[";
    for (const MetricInfo& m : kMetrics) {
        if (&m != kMetrics) out += ",";
        out += "{\"name\":" + json_string(m.name) + ",\"kind\":\"" +
               (m.kind == MetricKind::Counter ? "counter" : "gauge") + "\",\"meaning\":" + json_string(m.meaning) + "}";
    }
    out += "]}\n";
    std::fputs(out.c_str(), stdout);
    return 0;
}
