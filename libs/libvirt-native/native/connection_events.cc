// libvirt's event loop on its own thread, and callbacks delivered to JS through thread-safe
// functions that never keep the process alive (they are unref'd).
#include <libvirt/virterror.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include "connection.h"
#include "events.h"

void StartEventLoop() {
  static std::once_flag started;
  std::call_once(started, [] {
    std::thread([] {
      for (;;) {
        if (virEventRunDefaultImpl() < 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }).detach();
  });
}

// ---- close callback -------------------------------------------------------------------------

struct CloseContext {
  Napi::ThreadSafeFunction tsfn;
};

static void OnConnectionClosed(virConnectPtr, int reason, void* opaque) {
  auto* context = static_cast<CloseContext*>(opaque);
  auto* payload = new int(reason);
  napi_status status = context->tsfn.NonBlockingCall(payload, [](Napi::Env env, Napi::Function callback, int* data) {
    int value = *data;
    delete data;
    if (env != nullptr && callback != nullptr) callback.Call({Napi::Number::New(env, value)});
  });
  if (status != napi_ok) delete payload;
}

static void FreeCloseContext(void* opaque) {
  auto* context = static_cast<CloseContext*>(opaque);
  context->tsfn.Release();
  delete context;
}

Napi::Value Connection::OnClose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(env, "onClose needs a function");
  std::lock_guard<std::mutex> lock(mutex_);
  if (conn_ == nullptr) throw ToJsError(env, ClosedFailure());
  if (close_callback_registered_) throw Napi::Error::New(env, "a close callback is already registered");
  auto* context = new CloseContext();
  context->tsfn = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "vnfm-libvirt-close-callback", 0, 1);
  context->tsfn.Unref(env);
  if (virConnectRegisterCloseCallback(conn_, OnConnectionClosed, context, FreeCloseContext) < 0) {
    LibvirtFailure failure = CaptureLastError("cannot register the close callback");
    context->tsfn.Release();
    delete context;
    throw ToJsError(env, failure);
  }
  close_callback_registered_ = true;
  return env.Undefined();
}

// ---- domain events --------------------------------------------------------------------------

struct DomainEvent {
  std::string kind;  // lifecycle | reboot | device-removed
  DomainIdentity identity;
  int event = 0;
  int detail = 0;
  std::string device_alias;
};

struct EventsContext {
  Napi::ThreadSafeFunction tsfn;
  std::atomic<int> registrations{0};
};

static void Deliver(void* opaque, DomainEvent* event) {
  auto* context = static_cast<EventsContext*>(opaque);
  napi_status status = context->tsfn.NonBlockingCall(event, [](Napi::Env env, Napi::Function callback, DomainEvent* data) {
    std::unique_ptr<DomainEvent> owned(data);
    if (env == nullptr || callback == nullptr) return;
    Napi::Object object = IdentityToJs(env, owned->identity).As<Napi::Object>();
    object.Set("kind", owned->kind);
    object.Set("event", owned->event);
    object.Set("detail", owned->detail);
    if (!owned->device_alias.empty()) object.Set("deviceAlias", owned->device_alias);
    callback.Call({object});
  });
  if (status != napi_ok) delete event;
}

static void OnLifecycle(virConnectPtr, virDomainPtr domain, int event, int detail, void* opaque) {
  Deliver(opaque, new DomainEvent{"lifecycle", IdentityOf(domain), event, detail, ""});
}

static void OnReboot(virConnectPtr, virDomainPtr domain, void* opaque) {
  Deliver(opaque, new DomainEvent{"reboot", IdentityOf(domain), 0, 0, ""});
}

static void OnDeviceRemoved(virConnectPtr, virDomainPtr domain, const char* alias, void* opaque) {
  Deliver(opaque, new DomainEvent{"device-removed", IdentityOf(domain), 0, 0, alias != nullptr ? alias : ""});
}

static void FreeEventsContext(void* opaque) {
  auto* context = static_cast<EventsContext*>(opaque);
  context->tsfn.Release();
  if (--context->registrations == 0) delete context;
}

Napi::Value Connection::RegisterDomainEvents(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(env, "registerDomainEvents needs a function");
  struct Registration {
    int id;
    virConnectDomainEventGenericCallback callback;
  };
  static const Registration kinds[] = {
      {VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(OnLifecycle)},
      {VIR_DOMAIN_EVENT_ID_REBOOT, VIR_DOMAIN_EVENT_CALLBACK(OnReboot)},
      {VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, VIR_DOMAIN_EVENT_CALLBACK(OnDeviceRemoved)},
  };
  constexpr int kKinds = sizeof(kinds) / sizeof(kinds[0]);
  auto* context = new EventsContext();
  context->tsfn = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "vnfm-libvirt-domain-events", 0, kKinds);
  context->tsfn.Unref(env);
  context->registrations = kKinds;
  auto self = std::make_shared<Napi::ObjectReference>(Napi::Persistent(Value()));
  return Call<std::vector<int>>(
      env, "vnfm-libvirt-register-events",
      [context](virConnectPtr conn, std::vector<int>& ids, LibvirtFailure& failure) {
        for (const Registration& kind : kinds) {
          int id = virConnectDomainEventRegisterAny(conn, nullptr, kind.id, kind.callback, context, FreeEventsContext);
          if (id >= 0) {
            ids.push_back(id);
            continue;
          }
          failure = CaptureLastError("cannot register for domain events");
          FreeEventsContext(context);  // this registration's share
        }
        if (ids.size() == static_cast<size_t>(kKinds)) return true;
        for (int id : ids) virConnectDomainEventDeregisterAny(conn, id);
        ids.clear();
        return false;
      },
      [this, self](Napi::Env env, std::vector<int>& ids) -> Napi::Value {
        std::lock_guard<std::mutex> lock(mutex_);
        for (int id : ids) event_callback_ids_.push_back(id);
        return env.Undefined();
      });
}

void DeregisterCallbacks(virConnectPtr conn, const std::vector<int>& event_ids, bool close_callback) {
  for (int id : event_ids) virConnectDomainEventDeregisterAny(conn, id);
  if (close_callback) virConnectUnregisterCloseCallback(conn, OnConnectionClosed);
  virResetLastError();
}
