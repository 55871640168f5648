#include "failure.h"

#include <libvirt/virterror.h>

LibvirtFailure CaptureLastError(const char* fallback) {
  LibvirtFailure failure;
  virErrorPtr error = virGetLastError();
  if (error == nullptr) {
    failure.code = VIR_ERR_INTERNAL_ERROR;
    failure.message = fallback;
    return failure;
  }
  failure.code = error->code;
  failure.domain = error->domain;
  failure.level = error->level;
  failure.message = error->message != nullptr ? error->message : fallback;
  virResetLastError();
  return failure;
}

LibvirtFailure LocalFailure(int code, const std::string& message) {
  LibvirtFailure failure;
  failure.code = code;
  failure.level = VIR_ERR_ERROR;
  failure.message = message;
  return failure;
}

Napi::Error ToJsError(Napi::Env env, const LibvirtFailure& failure) {
  Napi::Error error = Napi::Error::New(env, failure.message);
  error.Set("code", Napi::Number::New(env, failure.code));
  error.Set("domain", Napi::Number::New(env, failure.domain));
  error.Set("level", Napi::Number::New(env, failure.level));
  return error;
}
