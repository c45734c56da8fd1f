// Finding the node binary and the engine script.
#pragma once

#include <string>

namespace docker_plugin {

bool is_regular_file(const std::string& path);
bool is_executable_file(const std::string& path);
// First `node` on PATH, then /usr/local/bin/node, /usr/bin/node; "" if none.
std::string find_node_binary();
// The engine beside this library; "" if none (searched lists the candidates).
std::string find_engine_script(std::string& searched);

}  // namespace docker_plugin
