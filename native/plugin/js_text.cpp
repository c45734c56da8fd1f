#include "js_text.h"

#include <charconv>
#include <cstdio>
#include <string_view>

namespace docker_plugin {

namespace {

constexpr size_t kDescribedCodePoints = 80;

// Number.prototype.toString: the shortest digits that round-trip, in plain
// notation from 1e-6 up to 1e21, else as d.ddde+n.
std::string js_number(double value) {
    if (value == 0) return "0";  // -0 too
    char buf[32];
    const auto end = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific).ptr;
    std::string_view text(buf, size_t(end - buf));  // [-]d[.ddd]e±x
    const std::string sign = text[0] == '-' ? "-" : "";
    text.remove_prefix(sign.size());
    const size_t e = text.find('e');
    std::string digits(text.substr(0, e));
    if (digits.size() > 1) digits.erase(1, 1);  // the '.'
    const int k = int(digits.size());
    const int n = std::stoi(std::string(text.substr(e + 1))) + 1;  // value = 0.digits * 10^n
    if (k <= n && n <= 21) return sign + digits + std::string(size_t(n - k), '0');
    if (0 < n && n <= 21) return sign + digits.substr(0, size_t(n)) + "." + digits.substr(size_t(n));
    if (-6 < n && n <= 0) return sign + "0." + std::string(size_t(-n), '0') + digits;
    const std::string mantissa = k == 1 ? digits : digits.substr(0, 1) + "." + digits.substr(1);
    return sign + mantissa + "e" + (n > 0 ? "+" : "-") + std::to_string(n > 0 ? n - 1 : 1 - n);
}

void append_js_string(std::string& out, const rapidjson::Value& s) {
    out += '"';
    for (const char *p = s.GetString(), *end = p + s.GetStringLength(); p != end; ++p) {
        const auto c = static_cast<unsigned char>(*p);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char hex[8];
                    std::snprintf(hex, sizeof hex, "\\u%04x", c);
                    out += hex;
                } else {
                    out += char(c);
                }
        }
    }
    out += '"';
}

void append_js_json(std::string& out, const rapidjson::Value& v) {
    if (v.IsNull())
        out += "null";
    else if (v.IsBool())
        out += v.GetBool() ? "true" : "false";
    else if (v.IsNumber())
        out += js_number(v.GetDouble());
    else if (v.IsString())
        append_js_string(out, v);
    else if (v.IsArray()) {
        out += '[';
        for (const auto& e : v.GetArray()) {
            if (out.back() != '[') out += ',';
            append_js_json(out, e);
        }
        out += ']';
    } else {
        out += '{';
        for (const auto& m : v.GetObject()) {
            if (out.back() != '{') out += ',';
            append_js_string(out, m.name);
            out += ':';
            append_js_json(out, m.value);
        }
        out += '}';
    }
}

bool starts_code_point(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

}  // namespace

std::string js_json(const rapidjson::Value& value) {
    std::string out;
    append_js_json(out, value);
    return out;
}

std::string describe_value(const rapidjson::Value& value) {
    if (value.IsArray()) return "an array";
    const std::string text = js_json(value);
    if (code_points(text).size() <= kDescribedCodePoints) return text;
    size_t kept = 0, cut = 0;
    while (cut < text.size() && !(starts_code_point(text[cut]) && kept++ == kDescribedCodePoints - 3)) ++cut;
    return text.substr(0, cut) + "...";
}

std::u32string code_points(const std::string& utf8) {
    std::u32string out;
    for (char c : utf8) {
        const auto b = static_cast<unsigned char>(c);
        if (starts_code_point(c) || out.empty())
            out += char32_t(b < 0x80 ? b : b < 0xE0 ? b & 0x1F : b < 0xF0 ? b & 0x0F : b & 0x07);
        else
            out.back() = (out.back() << 6) | (b & 0x3F);
    }
    return out;
}

std::string ascii_lower(std::string text) {
    for (char& c : text)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return text;
}

}  // namespace docker_plugin
