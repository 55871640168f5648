#include "connection.h"
#include "domain_handles.h"

#include <libvirt/virterror.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "events.h"

DomainIdentity IdentityOf(virDomainPtr domain) {
  DomainIdentity identity;
  const char* name = virDomainGetName(domain);
  identity.name = name != nullptr ? name : "";
  char uuid[VIR_UUID_STRING_BUFLEN] = {0};
  if (virDomainGetUUIDString(domain, uuid) == 0) identity.uuid = uuid;
  unsigned int id = virDomainGetID(domain);
  identity.id = id == static_cast<unsigned int>(-1) ? -1 : static_cast<long long>(id);
  return identity;
}

Napi::Value IdentityToJs(Napi::Env env, const DomainIdentity& identity) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("name", identity.name);
  object.Set("uuid", identity.uuid);
  object.Set("id", identity.id < 0 ? env.Null() : Napi::Number::New(env, static_cast<double>(identity.id)));
  return object;
}

std::string StringArg(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsString()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  }
  return info[index].As<Napi::String>().Utf8Value();
}

std::pair<bool, std::string> OptionalStringArg(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || info[index].IsNull() || info[index].IsUndefined()) return {false, ""};
  return {true, StringArg(info, index, what)};
}

unsigned int FlagsArg(const Napi::CallbackInfo& info, size_t index) {
  if (info.Length() <= index || info[index].IsUndefined()) return 0;
  if (!info[index].IsNumber()) throw Napi::TypeError::New(info.Env(), "flags must be a number");
  return info[index].As<Napi::Number>().Uint32Value();
}

int IntArg(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  }
  return info[index].As<Napi::Number>().Int32Value();
}

bool TakeText(char* text, OwnedText& out, LibvirtFailure& failure, const char* what) {
  if (text == nullptr) {
    failure = CaptureLastError(what);
    return false;
  }
  out.text = text;
  free(text);
  return true;
}

Napi::Value TextToJs(Napi::Env env, OwnedText& text) { return Napi::String::New(env, text.text); }

void Connection::Init(Napi::Env env, Napi::Object exports) {
  std::vector<Napi::ClassPropertyDescriptor<Connection>> methods = {
      InstanceMethod("close", &Connection::Close),
      InstanceMethod("isAlive", &Connection::IsAlive),
      InstanceMethod("setKeepAlive", &Connection::SetKeepAlive),
      InstanceMethod("getLibVersion", &Connection::GetLibVersion),
      InstanceMethod("cachedDomainHandles", &Connection::CachedDomainHandles),
      InstanceMethod("getCapabilities", &Connection::GetCapabilities),
      InstanceMethod("getDomainCapabilities", &Connection::GetDomainCapabilities),
      InstanceMethod("listAllNodeDevices", &Connection::ListAllNodeDevices),
      InstanceMethod("nodeDeviceGetXML", &Connection::NodeDeviceGetXML),
      InstanceMethod("onClose", &Connection::OnClose),
      InstanceMethod("registerDomainEvents", &Connection::RegisterDomainEvents),
      InstanceMethod("openConsole", &Connection::OpenConsole),
      InstanceMethod("streamSend", &Connection::StreamSend),
      InstanceMethod("streamSetReading", &Connection::StreamSetReading),
      InstanceMethod("streamClose", &Connection::StreamClose),
  };
  for (auto& method : DomainMethods()) methods.push_back(method);
  Napi::Function constructor = DefineClass(env, "Connection", methods);
  auto* reference = new Napi::FunctionReference(Napi::Persistent(constructor));
  env.SetInstanceData<Napi::FunctionReference>(reference);
  exports.Set("Connection", constructor);
  exports.Set("open", Napi::Function::New(env, &Connection::Open));
}

namespace {

// Marks the External that carries a new connection's state to the constructor.
const napi_type_tag kStateTag = {0x766e666d6c696276ULL, 0x6972742d73746174ULL};

// The lane's first job: opens libvirt's connection on the lane thread and answers a Connection.
class OpenJob : public PromiseJob {
 public:
  OpenJob(Napi::Env env, std::string uri) : PromiseJob(env), uri_(std::move(uri)) {}

  bool Run(ConnectionState& lane) override {
    lane_state_ = &lane;
    virConnectPtr conn = virConnectOpen(uri_.c_str());
    ok_ = conn != nullptr;
    if (!ok_) failure_ = CaptureLastError("cannot open connection");
    lane.Opened(conn);  // nullptr: the lane ends after this job
    return ok_;
  }

  void Settle(Napi::Env env) override {
    if (!ok_) {
      deferred_.Reject(ToJsError(env, failure_).Value());
      return;
    }
    try {
      Napi::FunctionReference* constructor = env.GetInstanceData<Napi::FunctionReference>();
      auto state = Napi::External<ConnectionState>::New(env, lane_state_);
      state.TypeTag(&kStateTag);
      deferred_.Resolve(constructor->New({state}));
    } catch (const Napi::Error& error) {
      lane_state_->Abandon();  // no JS object will ever close it
      deferred_.Reject(error.Value());
    }
  }

 private:
  std::string uri_;
  ConnectionState* lane_state_ = nullptr;  // alive: this job holds a share until settled
  LibvirtFailure failure_;
  bool ok_ = false;
};

}  // namespace

Napi::Value Connection::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string uri = StringArg(info, 0, "uri");
  StartEventLoop();
  std::shared_ptr<ConnectionState> state = ConnectionState::Start(env);
  return state->Submit(env, std::make_unique<OpenJob>(env, uri));
}

Connection::Connection(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Connection>(info) {
  if (info.Length() != 1 || !info[0].IsExternal() || !info[0].As<Napi::External<ConnectionState>>().CheckTypeTag(&kStateTag)) {
    throw Napi::TypeError::New(info.Env(), "use open(uri) to make a Connection");
  }
  state_ = info[0].As<Napi::External<ConnectionState>>().Data()->shared_from_this();
}

Connection::~Connection() {
  // JS dropped the object: if close() was never called, the lane closes the connection after the
  // calls still queued (no JS handle is touched here: this may run in a finalizer).
  if (state_) state_->Abandon();
}

Napi::Value Connection::Close(const Napi::CallbackInfo& info) { return state_->Close(info.Env()); }

Napi::Value Connection::IsAlive(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), state_->IsAlive()); }

Napi::Value Connection::SetKeepAlive(const Napi::CallbackInfo& info) {
  int interval = IntArg(info, 0, "interval");
  unsigned int count = static_cast<unsigned int>(IntArg(info, 1, "count"));
  return Call<int>(
      info.Env(), "vnfm-libvirt-keepalive",
      [interval, count](virConnectPtr conn, int& out, LibvirtFailure& failure) {
        out = virConnectSetKeepAlive(conn, interval, count);
        if (out < 0) failure = CaptureLastError("cannot set keepalive");
        return out >= 0;
      },
      // 0: keepalive on; 1: the remote side does not support it.
      [](Napi::Env env, int& result) { return Napi::Boolean::New(env, result == 0); });
}

Napi::Value Connection::GetLibVersion(const Napi::CallbackInfo& info) {
  return Call<unsigned long>(
      info.Env(), "vnfm-libvirt-libversion",
      [](virConnectPtr conn, unsigned long& out, LibvirtFailure& failure) {
        if (virConnectGetLibVersion(conn, &out) == 0) return true;
        failure = CaptureLastError("cannot get the libvirt version");
        return false;
      },
      [](Napi::Env env, unsigned long& version) { return Napi::Number::New(env, static_cast<double>(version)); });
}

// How many domain handles the lane keeps (diagnostics: the cache must follow the listings).
Napi::Value Connection::CachedDomainHandles(const Napi::CallbackInfo& info) {
  return Call<size_t>(
      info.Env(), "vnfm-libvirt-cached-handles",
      [](virConnectPtr, size_t& out, LibvirtFailure&) {
        out = CachedDomainHandleCount();
        return true;
      },
      [](Napi::Env env, size_t& count) { return Napi::Number::New(env, static_cast<double>(count)); });
}

Napi::Value Connection::GetCapabilities(const Napi::CallbackInfo& info) {
  return Call<OwnedText>(
      info.Env(), "vnfm-libvirt-capabilities",
      [](virConnectPtr conn, OwnedText& out, LibvirtFailure& failure) {
        return TakeText(virConnectGetCapabilities(conn), out, failure, "cannot get capabilities");
      },
      TextToJs);
}

Napi::Value Connection::GetDomainCapabilities(const Napi::CallbackInfo& info) {
  auto emulator = OptionalStringArg(info, 0, "emulator");
  auto arch = OptionalStringArg(info, 1, "arch");
  auto machine = OptionalStringArg(info, 2, "machine");
  auto virttype = OptionalStringArg(info, 3, "virttype");
  unsigned int flags = FlagsArg(info, 4);
  return Call<OwnedText>(
      info.Env(), "vnfm-libvirt-domain-capabilities",
      [emulator, arch, machine, virttype, flags](virConnectPtr conn, OwnedText& out, LibvirtFailure& failure) {
        char* xml = virConnectGetDomainCapabilities(conn, CStr(emulator), CStr(arch), CStr(machine), CStr(virttype), flags);
        return TakeText(xml, out, failure, "cannot get domain capabilities");
      },
      TextToJs);
}

Napi::Value Connection::ListAllNodeDevices(const Napi::CallbackInfo& info) {
  unsigned int flags = FlagsArg(info, 0);
  return Call<std::vector<std::string>>(
      info.Env(), "vnfm-libvirt-node-devices",
      [flags](virConnectPtr conn, std::vector<std::string>& out, LibvirtFailure& failure) {
        virNodeDevicePtr* devices = nullptr;
        int count = virConnectListAllNodeDevices(conn, &devices, flags);
        if (count < 0) {
          failure = CaptureLastError("cannot list node devices");
          return false;
        }
        for (int index = 0; index < count; index++) {
          const char* name = virNodeDeviceGetName(devices[index]);
          if (name != nullptr) out.emplace_back(name);
          virNodeDeviceFree(devices[index]);
        }
        free(devices);
        return true;
      },
      [](Napi::Env env, std::vector<std::string>& names) -> Napi::Value {
        Napi::Array array = Napi::Array::New(env, names.size());
        for (size_t index = 0; index < names.size(); index++) array.Set(index, names[index]);
        return array;
      });
}

Napi::Value Connection::NodeDeviceGetXML(const Napi::CallbackInfo& info) {
  std::string name = StringArg(info, 0, "name");
  unsigned int flags = FlagsArg(info, 1);
  return Call<OwnedText>(
      info.Env(), "vnfm-libvirt-node-device-xml",
      [name, flags](virConnectPtr conn, OwnedText& out, LibvirtFailure& failure) {
        virNodeDevicePtr device = virNodeDeviceLookupByName(conn, name.c_str());
        if (device == nullptr) {
          failure = CaptureLastError("node device not found");
          return false;
        }
        bool ok = TakeText(virNodeDeviceGetXMLDesc(device, flags), out, failure, "cannot get node device XML");
        virNodeDeviceFree(device);
        return ok;
      },
      TextToJs);
}
