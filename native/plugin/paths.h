// Finding the engine (the package's self-contained executable, or a source checkout's script) and, for a
// script, the node binary that runs it.
#pragma once

#include <string>

namespace docker_plugin {

bool is_regular_file(const std::string& path);
bool is_executable_file(const std::string& path);
// First `node` on PATH, then /usr/local/bin/node, /usr/bin/node; "" if none.
std::string find_node_binary();
// The engine beside this library: the package's `docker-engine` executable, else a source checkout's
// dist/src/main.js; "" if none (searched lists the candidates).
std::string find_engine(std::string& searched);
// True for an ELF executable (the self-contained engine, run directly); false for a script run with node.
bool is_self_contained(const std::string& engine);

}  // namespace docker_plugin
