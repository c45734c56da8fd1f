#include "paths.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

namespace docker_plugin {

bool is_regular_file(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_executable_file(const std::string& path) { return is_regular_file(path) && access(path.c_str(), X_OK) == 0; }

std::string find_node_binary() {
    if (const char* path = std::getenv("PATH")) {
        std::string dirs = path;
        size_t start = 0;
        while (start <= dirs.size()) {
            size_t end = dirs.find(':', start);
            if (end == std::string::npos) end = dirs.size();
            std::string dir = dirs.substr(start, end - start);
            if (!dir.empty() && is_executable_file(dir + "/node")) return dir + "/node";
            start = end + 1;
        }
    }
    for (const char* candidate : {"/usr/local/bin/node", "/usr/bin/node"})
        if (is_executable_file(candidate)) return candidate;
    return "";
}

static std::string library_dir() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&library_dir), &info) == 0 || !info.dli_fname) return ".";
    std::string lib = info.dli_fname;
    if (char* real = realpath(lib.c_str(), nullptr)) {
        lib = real;
        std::free(real);
    }
    auto slash = lib.rfind('/');
    return slash == std::string::npos ? "." : lib.substr(0, slash);
}

std::string find_engine(std::string& searched) {
    const std::string dir = library_dir();
    const std::vector<std::string> candidates = {dir + "/docker-engine", dir + "/../dist/src/main.js"};
    searched.clear();
    for (const auto& c : candidates) {
        if (is_regular_file(c)) return c;
        searched += (searched.empty() ? "" : ", ") + c;
    }
    return "";
}

bool is_self_contained(const std::string& engine) {
    std::ifstream file(engine, std::ios::binary);
    static constexpr char kElfMagic[4] = {0x7f, 'E', 'L', 'F'};
    char magic[4] = {};
    return file.read(magic, sizeof magic) && std::memcmp(magic, kElfMagic, sizeof magic) == 0;
}

}  // namespace docker_plugin
