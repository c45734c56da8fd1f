{
  "targets": [
    {
      "target_name": "plugin_loader",
      "sources": [
        "src/addon.cpp",
        "src/js_state.cpp",
        "src/js_instance.cpp",
        "src/plugin_library.cpp",
        "src/plugin_state.cpp",
        "src/plugin_instance.cpp",
        "src/field_request.cpp",
        "src/falco_loop.cpp"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "../include"
      ],
      "defines": ["NAPI_CPP_EXCEPTIONS", "NAPI_VERSION=8"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra"],
      "libraries": ["-ldl"]
    }
  ]
}
