// One libvirt connection, as a JS object. Every call runs on the connection's lane (lane.h): one
// thread of its own, one call at a time, in order; close() refuses new calls at once and closes
// libvirt's connection after every call made before it, on that same thread.
#pragma once

#include <libvirt/libvirt.h>
#include <napi.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "domain_handles.h"
#include "lane.h"

// What a domain lookup answers: identity only (libvirt keeps these locally, no extra RPC).
struct DomainIdentity {
  std::string name;
  std::string uuid;
  long long id = -1;  // -1 when the domain is not running
};

DomainIdentity IdentityOf(virDomainPtr domain);
Napi::Value IdentityToJs(Napi::Env env, const DomainIdentity& identity);

// Text libvirt allocated, copied (and freed) on the lane thread.
struct OwnedText {
  std::string text;
};
// Takes ownership of `text` (frees it); a null `text` is a failure described by libvirt.
bool TakeText(char* text, OwnedText& out, LibvirtFailure& failure, const char* what);
Napi::Value TextToJs(Napi::Env env, OwnedText& text);

// Argument readers: they throw a TypeError naming the argument.
std::string StringArg(const Napi::CallbackInfo& info, size_t index, const char* what);
// null / undefined -> has_value false.
std::pair<bool, std::string> OptionalStringArg(const Napi::CallbackInfo& info, size_t index, const char* what);
// The C string of an optional argument (nullptr when absent), for libvirt's optional parameters.
inline const char* CStr(const std::pair<bool, std::string>& value) { return value.first ? value.second.c_str() : nullptr; }
unsigned int FlagsArg(const Napi::CallbackInfo& info, size_t index);
int IntArg(const Napi::CallbackInfo& info, size_t index, const char* what);

class Connection : public Napi::ObjectWrap<Connection> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  static Napi::Value Open(const Napi::CallbackInfo& info);

  explicit Connection(const Napi::CallbackInfo& info);
  ~Connection() override;

  // Runs `work` on the connection's lane; `name` names the call (for readers of a trace).
  template <typename Result>
  Napi::Value Call(Napi::Env env, [[maybe_unused]] const char* name, std::function<bool(virConnectPtr, Result&, LibvirtFailure&)> work,
                   typename CallJob<Result>::Convert convert, std::function<void()> skipped = {}) {
    return state_->Submit(env, std::make_unique<CallJob<Result>>(env, std::move(work), std::move(convert), std::move(skipped)));
  }

  // Runs `op` on the domain info[0] (a UUID) on the lane, with its cached handle (domain_handles.h:
  // looked up on first use only); a domain found gone is forgotten.
  template <typename Result>
  Napi::Value OnDomain(const Napi::CallbackInfo& info, const char* name,
                       std::function<bool(virDomainPtr, Result&, LibvirtFailure&)> op,
                       typename CallJob<Result>::Convert convert) {
    std::string uuid = StringArg(info, 0, "uuid");
    return Call<Result>(
        info.Env(), name,
        [uuid, op = std::move(op)](virConnectPtr conn, Result& out, LibvirtFailure& failure) {
          virDomainPtr domain = DomainHandleFor(conn, uuid, failure);
          if (domain == nullptr) return false;
          bool ok = op(domain, out, failure);
          if (!ok && failure.code == VIR_ERR_NO_DOMAIN) ForgetDomainHandle(uuid);
          return ok;
        },
        std::move(convert));
  }

  // A domain operation that answers 0 / -1.
  Napi::Value OnDomainVoid(const Napi::CallbackInfo& info, const char* name, std::function<int(virDomainPtr)> op);

 private:
  // connection.cc
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value IsAlive(const Napi::CallbackInfo& info);
  Napi::Value SetKeepAlive(const Napi::CallbackInfo& info);
  Napi::Value GetLibVersion(const Napi::CallbackInfo& info);
  Napi::Value CachedDomainHandles(const Napi::CallbackInfo& info);
  Napi::Value GetCapabilities(const Napi::CallbackInfo& info);
  Napi::Value GetDomainCapabilities(const Napi::CallbackInfo& info);
  Napi::Value ListAllNodeDevices(const Napi::CallbackInfo& info);
  Napi::Value NodeDeviceGetXML(const Napi::CallbackInfo& info);
  // connection_domains.cc
  Napi::Value ListAllDomains(const Napi::CallbackInfo& info);
  Napi::Value GetAllDomainStats(const Napi::CallbackInfo& info);
  Napi::Value ListDomainStates(const Napi::CallbackInfo& info);
  Napi::Value GetXMLDescs(const Napi::CallbackInfo& info);
  Napi::Value DefineXML(const Napi::CallbackInfo& info);
  Napi::Value LookupByName(const Napi::CallbackInfo& info);
  Napi::Value LookupByUUID(const Napi::CallbackInfo& info);
  Napi::Value Undefine(const Napi::CallbackInfo& info);
  Napi::Value Create(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);
  Napi::Value Shutdown(const Napi::CallbackInfo& info);
  Napi::Value Reboot(const Napi::CallbackInfo& info);
  Napi::Value Reset(const Napi::CallbackInfo& info);
  Napi::Value Suspend(const Napi::CallbackInfo& info);
  Napi::Value Resume(const Napi::CallbackInfo& info);
  Napi::Value GetState(const Napi::CallbackInfo& info);
  Napi::Value IsActive(const Napi::CallbackInfo& info);
  Napi::Value IsPersistent(const Napi::CallbackInfo& info);
  Napi::Value GetAutostart(const Napi::CallbackInfo& info);
  Napi::Value SetAutostart(const Napi::CallbackInfo& info);
  Napi::Value GetXMLDesc(const Napi::CallbackInfo& info);
  Napi::Value AttachDevice(const Napi::CallbackInfo& info);
  Napi::Value DetachDevice(const Napi::CallbackInfo& info);
  Napi::Value UpdateDevice(const Napi::CallbackInfo& info);
  Napi::Value GetMetadata(const Napi::CallbackInfo& info);
  Napi::Value SetMetadata(const Napi::CallbackInfo& info);
  // connection_events.cc
  Napi::Value OnClose(const Napi::CallbackInfo& info);
  Napi::Value RegisterDomainEvents(const Napi::CallbackInfo& info);
  // connection_streams.cc
  Napi::Value OpenConsole(const Napi::CallbackInfo& info);
  Napi::Value StreamSend(const Napi::CallbackInfo& info);
  Napi::Value StreamSetReading(const Napi::CallbackInfo& info);
  Napi::Value StreamClose(const Napi::CallbackInfo& info);

  static std::vector<Napi::ClassPropertyDescriptor<Connection>> DomainMethods();

  std::shared_ptr<ConnectionState> state_;
};
