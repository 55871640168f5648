// The one generic asynchronous call: `work` runs on a libuv worker thread (never on the JS
// thread) and fills a result or a LibvirtFailure; `convert` turns the result into a JS value on
// the main thread. Every binding call is an AsyncCall, so every failure carries libvirt's codes.
#pragma once

#include <napi.h>

#include <functional>
#include <utility>

#include "failure.h"

template <typename Result>
class AsyncCall : public Napi::AsyncWorker {
 public:
  using Work = std::function<bool(Result& out, LibvirtFailure& failure)>;
  using Convert = std::function<Napi::Value(Napi::Env env, Result& result)>;

  static Napi::Promise Run(Napi::Env env, const char* name, Work work, Convert convert) {
    auto* call = new AsyncCall(env, name, std::move(work), std::move(convert));
    Napi::Promise promise = call->deferred_.Promise();
    call->Queue();
    return promise;
  }

 protected:
  void Execute() override { ok_ = work_(result_, failure_); }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (!ok_) {
      deferred_.Reject(ToJsError(env, failure_).Value());
      return;
    }
    try {
      deferred_.Resolve(convert_(env, result_));
    } catch (const Napi::Error& error) {
      deferred_.Reject(error.Value());
    }
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  AsyncCall(Napi::Env env, const char* name, Work work, Convert convert)
      : Napi::AsyncWorker(env, name),
        deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)),
        convert_(std::move(convert)) {}

  Napi::Promise::Deferred deferred_;
  Work work_;
  Convert convert_;
  Result result_{};
  LibvirtFailure failure_;
  bool ok_ = false;
};

// A promise rejected at once (bad arguments, closed connection), with the same error shape.
inline Napi::Promise RejectedPromise(Napi::Env env, const LibvirtFailure& failure) {
  auto deferred = Napi::Promise::Deferred::New(env);
  deferred.Reject(ToJsError(env, failure).Value());
  return deferred.Promise();
}
