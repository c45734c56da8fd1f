// The library's version: package.json's, in one generated file (build/gen/version.cpp, native/Makefile).
#pragma once

namespace docker_plugin {

const char* plugin_version();

}  // namespace docker_plugin
