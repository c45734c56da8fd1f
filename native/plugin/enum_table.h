// Tables indexed by an enum (error codes, metrics): checked at compile time to hold one row per value, in
// the enum's order, so a lookup is an index.
#pragma once

#include <cstddef>

namespace docker_plugin {

template <typename Row, size_t N, typename Enum>
constexpr bool rows_in_enum_order(const Row (&rows)[N], Enum Row::*key, size_t count) {
    if (N != count) return false;
    for (size_t i = 0; i < N; i++)
        if (static_cast<size_t>(rows[i].*key) != i) return false;
    return true;
}

}  // namespace docker_plugin
