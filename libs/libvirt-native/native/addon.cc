// vnfm's own libvirt binding: entry point.
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <napi.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "connection.h"

// libvirt prints every error to stderr unless told otherwise; errors reach JS instead.
static void SilentErrorHandler(void*, virErrorPtr) {}

// Gives the pages malloc holds free back to the kernel (glibc's malloc_trim), on a worker thread.
// libvirt's replies to a pass (10,000 definitions, the domain list) are freed in the middle of
// malloc's heap, which glibc keeps otherwise: about 5 MiB at 10,000 VNFs.
class ReleaseFreedMemoryWorker : public Napi::AsyncWorker {
 public:
  explicit ReleaseFreedMemoryWorker(Napi::Env env) : Napi::AsyncWorker(env, "vnfm-release-freed-memory"), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
#ifdef __GLIBC__
    released_ = malloc_trim(0) == 1;
#endif
  }
  void OnOK() override { deferred_.Resolve(Napi::Boolean::New(Env(), released_)); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  bool released_ = false;
};

static Napi::Value ReleaseFreedMemory(const Napi::CallbackInfo& info) {
  auto* worker = new ReleaseFreedMemoryWorker(info.Env());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

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
  exports.Set("releaseFreedMemory", Napi::Function::New(env, ReleaseFreedMemory));
  return exports;
}

NODE_API_MODULE(vnfm_libvirt, Init)
