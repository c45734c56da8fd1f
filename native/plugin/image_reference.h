// The registry of a Docker image reference, resolved as Docker resolves it (the domain of
// github.com/distribution/reference's splitDockerDomain).
#pragma once

#include <optional>
#include <string_view>

namespace docker_plugin {

// The registry host (with its port) of `reference`: its first path component when that names a host (holds
// '.' or ':', is "localhost", or has upper case, which no repository name may), else "docker.io", which
// "index.docker.io" also gives; a "@digest" is ignored. No value for an image ID ("sha256:<hex>", 64 hex
// digits) or a reference that is empty or starts with '/'. The view points into `reference` or a literal.
std::optional<std::string_view> image_registry(std::string_view reference);

}  // namespace docker_plugin
