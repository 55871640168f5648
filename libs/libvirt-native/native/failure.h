// A libvirt error, captured on the thread that saw it (libvirt's last error is thread-local),
// and turned into a JavaScript Error on the main thread.
#pragma once

#include <napi.h>

#include <string>

struct LibvirtFailure {
  int code = 0;
  int domain = 0;
  int level = 0;
  std::string message;
};

// Copies libvirt's last error of the calling thread; `fallback` when libvirt recorded none.
LibvirtFailure CaptureLastError(const char* fallback);

// A failure that is not libvirt's (a closed connection, a bad argument).
LibvirtFailure LocalFailure(int code, const std::string& message);

// Error with `code`, `domain`, `level` (libvirt's numbers) and the message.
Napi::Error ToJsError(Napi::Env env, const LibvirtFailure& failure);
