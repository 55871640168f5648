// Console streams (console_stream.h) as JS sees them: an opaque handle from openConsole(), and
// the connection's streamSend / streamSetReading / streamClose, which run on its lane.
#include <libvirt/virterror.h>

#include <memory>
#include <string>

#include "connection.h"
#include "console_stream.h"

namespace {

using StreamHandle = std::shared_ptr<ConsoleStream>;

// Marks the Externals that carry a console stream.
const napi_type_tag kStreamTag = {0x766e666d636f6e73ULL, 0x6f6c652d73747265ULL};

Napi::Value HandleToJs(Napi::Env env, StreamHandle& stream) {
  auto handle = Napi::External<StreamHandle>::New(env, new StreamHandle(stream), [](Napi::Env, StreamHandle* dropped) {
    (*dropped)->Abandon();  // JS let go without closing: aborted on the lane
    delete dropped;
  });
  handle.TypeTag(&kStreamTag);
  return handle;
}

StreamHandle StreamArg(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsExternal() || !info[0].As<Napi::External<StreamHandle>>().CheckTypeTag(&kStreamTag)) {
    throw Napi::TypeError::New(info.Env(), "stream must be a handle from openConsole");
  }
  return *info[0].As<Napi::External<StreamHandle>>().Data();
}

}  // namespace

Napi::Value Connection::OpenConsole(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto device = OptionalStringArg(info, 1, "device");
  unsigned int flags = FlagsArg(info, 2);
  if (info.Length() < 4 || !info[3].IsFunction()) throw Napi::TypeError::New(env, "openConsole needs a function for the stream's events");
  if (state_->IsClosing()) return RejectedPromise(env, ClosedFailure());
  auto stream = std::make_shared<ConsoleStream>(state_, NewContext(env, info[3].As<Napi::Function>(), "vnfm-libvirt-console", 1));
  ConnectionState* lane = state_.get();  // the job holds a share of it until settled
  return OnDomain<StreamHandle>(
      info, "vnfm-libvirt-open-console",
      [stream, device, flags, lane](virDomainPtr domain, StreamHandle& out, LibvirtFailure& failure) {
        if (!stream->Open(*lane, virDomainGetConnect(domain), domain, CStr(device), flags, failure)) return false;
        out = stream;
        return true;
      },
      HandleToJs);
}

Napi::Value Connection::StreamSend(const Napi::CallbackInfo& info) {
  StreamHandle stream = StreamArg(info);
  if (info.Length() < 2 || !info[1].IsBuffer()) throw Napi::TypeError::New(info.Env(), "data must be a Buffer");
  auto buffer = info[1].As<Napi::Buffer<char>>();
  std::string data(buffer.Data(), buffer.Length());
  return Call<int>(
      info.Env(), "vnfm-libvirt-stream-send",
      [stream, data = std::move(data)](virConnectPtr, int&, LibvirtFailure& failure) { return stream->Send(data, failure); },
      [](Napi::Env env, int&) -> Napi::Value { return env.Undefined(); });
}

Napi::Value Connection::StreamSetReading(const Napi::CallbackInfo& info) {
  StreamHandle stream = StreamArg(info);
  if (info.Length() < 2 || !info[1].IsBoolean()) throw Napi::TypeError::New(info.Env(), "reading must be a boolean");
  stream->SetReading(info[1].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

Napi::Value Connection::StreamClose(const Napi::CallbackInfo& info) {
  StreamHandle stream = StreamArg(info);
  bool abort = info.Length() > 1 && info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value();
  if (stream->Closed()) {
    auto deferred = Napi::Promise::Deferred::New(info.Env());
    deferred.Resolve(info.Env().Undefined());
    return deferred.Promise();
  }
  return Call<int>(
      info.Env(), "vnfm-libvirt-stream-close",
      [stream, abort](virConnectPtr, int&, LibvirtFailure&) {
        stream->Close(abort);
        return true;
      },
      [](Napi::Env env, int&) -> Napi::Value { return env.Undefined(); },
      // Not run on a lost connection: the stream is still aborted and freed.
      [stream] { stream->Close(true); });
}
