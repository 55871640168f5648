// Callbacks from libvirt's threads (event loop, lane) to JS, through thread-safe functions that
// never keep the process alive (they are unref'd).
//
// A context is shared by its registrations (libvirt's callbacks, a console stream: one share
// each, dropped by FreeRegistration) and by the thread-safe function (one share, dropped when
// Node finalizes it, which at process exit can happen before libvirt lets go). Nothing touches
// the thread-safe function once Node has finalized it, and the context goes with the last share.
#pragma once

#include <napi.h>

#include <atomic>
#include <mutex>

struct CallbackContext {
  Napi::ThreadSafeFunction tsfn;
  std::mutex mutex;
  bool finalized = false;
  std::atomic<int> shares{1};
};

// JS thread: a context for `callback` with `registrations` shares besides Node's.
CallbackContext* NewContext(Napi::Env env, Napi::Function callback, const char* name, int registrations);
// Any thread: one registration's share is dropped (libvirt's free callback has this signature).
void FreeRegistration(void* opaque);
void DropShare(CallbackContext* context);

// Any thread: queues `data` for the JS callback; drops it when JS is gone or going.
template <typename Data>
void Post(CallbackContext* context, Data* data, void (*deliver)(Napi::Env, Napi::Function, Data*)) {
  std::lock_guard<std::mutex> lock(context->mutex);
  if (context->finalized || context->tsfn.NonBlockingCall(data, deliver) != napi_ok) delete data;
}
