#include "config_problems.h"

#include "js_text.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <string_view>

namespace docker_plugin {

namespace {

constexpr size_t kMinPrefixLength = 4;
constexpr size_t kMaxEditDistance = 2;

std::string key_name(const KeyPath& path) {
    std::string name = "init_config";
    for (const auto& key : path) name += "." + key;
    return name;
}

KeyPath child(KeyPath path, const std::string& key) {
    path.push_back(key);
    return path;
}

size_t edit_distance(const std::u32string& a, const std::u32string& b) {
    std::vector<size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), size_t(0));
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t above = row[j];
            row[j] = std::min({above + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1] ? 1 : 0)});
            diagonal = above;
        }
    }
    return row.back();
}

bool starts_with(const std::u32string& text, const std::u32string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

// The same key ignoring case; else a key the unknown one begins, or one that
// begins it; else the first of the nearest within two edits. "" when none.
std::string near_match(const std::string& unknown, const std::vector<std::string>& accepted) {
    const std::u32string wanted = code_points(ascii_lower(unknown));
    std::vector<std::u32string> keys;
    for (const auto& key : accepted) keys.push_back(code_points(ascii_lower(key)));
    using Rule = std::function<bool(const std::u32string&)>;
    const Rule same = [&](const std::u32string& key) { return key == wanted; };
    const Rule extends = [&](const std::u32string& key) {
        return wanted.size() >= kMinPrefixLength && starts_with(key, wanted);
    };
    const Rule prefixes = [&](const std::u32string& key) {
        return key.size() >= kMinPrefixLength && starts_with(wanted, key);
    };
    for (const Rule& rule : {same, extends, prefixes})
        for (size_t i = 0; i < keys.size(); ++i)
            if (rule(keys[i])) return accepted[i];
    size_t best = keys.size(), best_distance = kMaxEditDistance + 1;
    for (size_t i = 0; i < keys.size(); ++i) {
        const size_t distance = edit_distance(wanted, keys[i]);
        if (distance < best_distance) {
            best = i;
            best_distance = distance;
        }
    }
    return best < keys.size() ? accepted[best] : "";
}

std::string with_article(const std::string& noun) {
    const bool vowel = !noun.empty() && std::string_view("aeiou").find(noun[0]) != std::string_view::npos;
    return (vowel ? "an " : "a ") + noun;
}

std::string requirement(const std::string& keyword, const rapidjson::Value& rule) {
    if (keyword == "type") return "must be " + with_article(rule["type"].GetString());
    if (keyword == "minimum") return "must be >= " + js_json(rule["minimum"]);
    if (keyword == "maximum") return "must be <= " + js_json(rule["maximum"]);
    if (keyword == "minLength") return "must not be empty";
    if (keyword == "enum") {
        std::string allowed;
        for (const auto& v : rule["enum"].GetArray()) allowed += (allowed.empty() ? "" : ", ") + js_json(v);
        return "must be one of " + allowed;
    }
    return "breaks the schema's " + keyword + " rule";
}

}  // namespace

std::string not_an_object_problem(const rapidjson::Value& config) {
    return "init_config must be a JSON object (got " + describe_value(config) + ")";
}

std::string unknown_key_problem(const KeyPath& object, const std::string& key,
                                const std::vector<std::string>& accepted) {
    const std::string match = near_match(key, accepted);
    std::string list;
    for (const auto& k : accepted) list += (list.empty() ? "" : ", ") + k;
    return key_name(child(object, key)) + " is not a known key" +
           (match.empty() ? "" : " (did you mean " + key_name(child(object, match)) + "?)") + "; " + key_name(object) +
           " accepts " + list;
}

std::string rule_problem(const KeyPath& path, const std::string& keyword, const rapidjson::Value& rule,
                         const rapidjson::Value& value) {
    return key_name(path) + " " + requirement(keyword, rule) + " (got " + describe_value(value) + ")";
}

std::string join_problems(std::vector<std::string> problems) {
    std::sort(problems.begin(), problems.end());  // std::string compares bytes as unsigned char
    std::string joined;
    for (const auto& p : problems) joined += (joined.empty() ? "" : "; ") + p;
    return joined;
}

}  // namespace docker_plugin
