#include "resume_store.h"

#include "clock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace docker_plugin {

namespace {

constexpr int kFormatVersion = 1;
constexpr size_t kMaxFileBytes = 1 << 20;  // the plugin writes ~12 KiB; anything larger is not its own

uint64_t fnv1a64(const std::string& text) {
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

std::string hex16(uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

bool parse_nanos(const rapidjson::Value& v, uint64_t& out) {
    if (!v.IsString() || v.GetStringLength() == 0 || v.GetStringLength() > 20) return false;
    const char* s = v.GetString();
    for (const char* p = s; *p; p++)
        if (*p < '0' || *p > '9') return false;
    errno = 0;
    char* end = nullptr;
    out = std::strtoull(s, &end, 10);
    return errno == 0 && *end == '\0';
}

// mkdir -p, each missing level private to root (the file says what Falco last delivered).
bool make_dirs(const std::string& dir, std::string& error) {
    for (size_t pos = 1; pos <= dir.size(); pos++) {
        if (pos < dir.size() && dir[pos] != '/') continue;
        const std::string part = dir.substr(0, pos);
        if (mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
            error = "cannot create " + part + ": " + std::strerror(errno);
            return false;
        }
    }
    return true;
}

// Reads a whole file of at most kMaxFileBytes; returns 0 or an errno (EFBIG: too large).
int read_small_file(const std::string& path, std::string& text) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    char buf[16384];
    int result = 0;
    for (;;) {
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) result = errno;
        if (n <= 0) break;
        text.append(buf, size_t(n));
        if (text.size() > kMaxFileBytes) {
            result = EFBIG;
            break;
        }
    }
    close(fd);
    return result;
}

std::string seconds_ago(uint64_t then_ns, uint64_t now_ns) {
    return std::to_string(now_ns > then_ns ? (now_ns - then_ns) / 1000000000u : 0) + " s ago";
}

}  // namespace

std::string resume_key(const std::string& open_params) {
    if (!open_params.empty()) return open_params;
    const char* host = std::getenv("DOCKER_HOST");
    return std::string("DOCKER_HOST=") + (host ? host : "");
}

bool replays_a_file(const std::string& open_params) {
    std::istringstream endpoints(open_params);
    std::string endpoint;
    while (std::getline(endpoints, endpoint, ',')) {
        const size_t start = endpoint.find_first_not_of(" \t");
        if (start != std::string::npos && endpoint.compare(start, 5, "file:") == 0) return true;
    }
    return false;
}

ResumeStore::ResumeStore(const std::string& dir, std::string key, uint64_t max_age_ns)
    : m_dir(dir), m_key(std::move(key)), m_max_age_ns(max_age_ns) {
    if (!dir.empty()) m_path = dir + (dir.back() == '/' ? "" : "/") + "resume-" + hex16(fnv1a64(m_key)) + ".json";
}

ResumeStore::Loaded ResumeStore::load(DeliveredTimes& times, std::string& note) const {
    std::string text;
    const int read_errno = read_small_file(m_path, text);
    if (read_errno == ENOENT) {
        note = "no resume point in " + m_path + " yet: starting from now";
        return Loaded::Missing;
    }
    const auto unusable = [&](const std::string& why) {
        note = "ignoring the resume point " + m_path + ": " + why + "; starting from now";
        return Loaded::Unusable;
    };
    if (read_errno == EFBIG) return unusable("larger than " + std::to_string(kMaxFileBytes) + " bytes");
    if (read_errno != 0) return unusable(std::string("cannot read it (") + std::strerror(read_errno) + ")");

    rapidjson::Document doc;
    doc.Parse(text.c_str(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) return unusable("not a JSON object");
    const auto version = doc.FindMember("version");
    if (version == doc.MemberEnd() || !version->value.IsInt() || version->value.GetInt() != kFormatVersion)
        return unusable("not format version " + std::to_string(kFormatVersion));
    const auto key = doc.FindMember("key");
    if (key == doc.MemberEnd() || !key->value.IsString() || m_key != key->value.GetString())
        return unusable("it was written for another open_params");
    uint64_t saved_at = 0;
    const auto saved = doc.FindMember("savedAtNano");
    if (saved == doc.MemberEnd() || !parse_nanos(saved->value, saved_at))
        return unusable("savedAtNano is missing or bad");
    const auto delivered = doc.FindMember("deliveredNano");
    if (delivered == doc.MemberEnd() || !delivered->value.IsArray() ||
        delivered->value.Size() > DeliveredTimes::kCapacity)
        return unusable("deliveredNano is not a list of at most " + std::to_string(DeliveredTimes::kCapacity) +
                        " times");

    const uint64_t now = realtime_ns();
    if (now > saved_at && now - saved_at > m_max_age_ns) {
        note = "the resume point " + m_path + " was saved " + seconds_ago(saved_at, now) +
               ", more than stateMaxAgeSec (" + std::to_string(m_max_age_ns / 1000000000u) + " s): starting from now";
        return Loaded::Stale;
    }
    DeliveredTimes loaded;
    for (const auto& t : delivered->value.GetArray()) {
        uint64_t ns = 0;
        if (!parse_nanos(t, ns)) return unusable("deliveredNano holds something other than a time");
        loaded.record(ns);
    }
    times = loaded;
    note = loaded.newest() == 0
               ? "resume point " + m_path + " (saved " + seconds_ago(saved_at, now) +
                     ") holds no event yet: starting from now"
               : "resuming after the event of " + std::to_string(loaded.newest()) +
                     " ns, where the previous capture stopped " + seconds_ago(saved_at, now) + " (" + m_path + ")";
    return Loaded::Resumed;
}

bool ResumeStore::save(const DeliveredTimes& times, std::string& error) const {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    const auto nanos = [&w](uint64_t ns) { w.String(std::to_string(ns).c_str()); };
    w.StartObject();
    w.Key("version");
    w.Int(kFormatVersion);
    w.Key("key");
    w.String(m_key.c_str(), rapidjson::SizeType(m_key.size()));
    w.Key("savedAtNano");
    nanos(realtime_ns());
    w.Key("deliveredNano");
    w.StartArray();
    times.for_each(nanos);
    w.EndArray();
    w.EndObject();

    if (!make_dirs(m_dir, error)) return false;
    const std::string tmp = m_path + ".tmp";
    const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot write " + tmp + ": " + std::strerror(errno);
        return false;
    }
    const char* data = sb.GetString();
    size_t left = sb.GetSize();
    while (left > 0) {
        const ssize_t n = write(fd, data, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error = "cannot write " + tmp + ": " + std::strerror(errno);
            close(fd);
            unlink(tmp.c_str());
            return false;
        }
        data += n;
        left -= size_t(n);
    }
    if (close(fd) != 0 || rename(tmp.c_str(), m_path.c_str()) != 0) {
        error = "cannot replace " + m_path + ": " + std::strerror(errno);
        unlink(tmp.c_str());
        return false;
    }
    return true;
}

}  // namespace docker_plugin
