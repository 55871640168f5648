{
  "variables": {
    # VNFM_ASAN=1 (read here, at configure time): AddressSanitizer build, see README.md.
    "vnfm_asan%": "<!(node -p \"process.env.VNFM_ASAN === '1' ? 1 : 0\")"
  },
  "targets": [
    {
      "target_name": "vnfm_libvirt",
      "sources": ["native/addon.cc", "native/failure.cc", "native/lane.cc", "native/connection.cc", "native/connection_domains.cc", "native/connection_events.cc", "native/domain_handles.cc", "native/console_stream.cc", "native/connection_streams.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter", "<!@(pkg-config --cflags libvirt)"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "libraries": ["<!@(pkg-config --libs libvirt)"],
      "conditions": [
        ["vnfm_asan==1", {
          "cflags_cc": ["-fsanitize=address", "-fno-omit-frame-pointer", "-g", "-O1"],
          "ldflags": ["-fsanitize=address"]
        }]
      ]
    }
  ]
}
