// vnfm's own libvirt binding: entry point.
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <napi.h>

#include "connection.h"

// libvirt prints every error to stderr unless told otherwise; errors reach JS instead.
static void SilentErrorHandler(void*, virErrorPtr) {}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  virSetErrorFunc(nullptr, SilentErrorHandler);
  if (virInitialize() < 0) throw Napi::Error::New(env, "virInitialize failed");
  // Must come before any connection is opened; the loop itself runs on its own thread.
  static bool event_impl_registered = false;
  if (!event_impl_registered) {
    if (virEventRegisterDefaultImpl() < 0) throw Napi::Error::New(env, "cannot register libvirt's default event loop");
    event_impl_registered = true;
  }
  Connection::Init(env, exports);
  return exports;
}

NODE_API_MODULE(vnfm_libvirt, Init)
