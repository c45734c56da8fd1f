#include "image_reference.h"

namespace docker_plugin {

namespace {

constexpr std::string_view kDockerHub = "docker.io";

bool all_hex(std::string_view s) {
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return !s.empty();
}

bool is_image_id(std::string_view reference) {
    constexpr std::string_view kAlgorithm = "sha256:";
    if (reference.substr(0, kAlgorithm.size()) == kAlgorithm) return all_hex(reference.substr(kAlgorithm.size()));
    return reference.size() == 64 && all_hex(reference);
}

bool names_host(std::string_view component) {
    if (component == "localhost" || component.find_first_of(".:") != std::string_view::npos) return true;
    for (char c : component)
        if (c >= 'A' && c <= 'Z') return true;
    return false;
}

}  // namespace

std::optional<std::string_view> image_registry(std::string_view reference) {
    if (is_image_id(reference)) return std::nullopt;
    const std::string_view name = reference.substr(0, reference.find('@'));
    if (name.empty()) return std::nullopt;
    const size_t slash = name.find('/');
    if (slash == 0) return std::nullopt;
    if (slash == std::string_view::npos) return kDockerHub;
    const std::string_view first = name.substr(0, slash);
    if (!names_host(first) || first == "index.docker.io") return kDockerHub;
    return first;
}

}  // namespace docker_plugin
