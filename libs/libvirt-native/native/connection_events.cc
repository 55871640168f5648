// libvirt's event loop on its own thread, and callbacks delivered to JS through thread-safe
// functions that never keep the process alive (they are unref'd).
#include <libvirt/virterror.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "callback_context.h"
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

// ---- callback contexts (callback_context.h) ------------------------------------------------

void DropShare(CallbackContext* context) {
  if (--context->shares == 0) delete context;
}

static void FinalizeContext(Napi::Env, CallbackContext* context) {
  {
    std::lock_guard<std::mutex> lock(context->mutex);
    context->finalized = true;
  }
  DropShare(context);
}

CallbackContext* NewContext(Napi::Env env, Napi::Function callback, const char* name, int registrations) {
  auto* context = new CallbackContext();
  context->shares = 1 + registrations;
  context->tsfn = Napi::ThreadSafeFunction::New(env, callback, name, size_t{0}, static_cast<size_t>(registrations), context,
                                                std::function<void(Napi::Env, CallbackContext*)>(FinalizeContext));
  context->tsfn.Unref(env);
  return context;
}

void FreeRegistration(void* opaque) {
  auto* context = static_cast<CallbackContext*>(opaque);
  {
    std::lock_guard<std::mutex> lock(context->mutex);
    if (!context->finalized) context->tsfn.Release();
  }
  DropShare(context);
}

// ---- close callback -------------------------------------------------------------------------

static void DeliverClose(Napi::Env env, Napi::Function callback, int* reason) {
  std::unique_ptr<int> owned(reason);
  if (env != nullptr && callback != nullptr) callback.Call({Napi::Number::New(env, *owned)});
}

static void OnConnectionClosed(virConnectPtr, int reason, void* opaque) {
  Post(static_cast<CallbackContext*>(opaque), new int(reason), DeliverClose);
}

Napi::Value Connection::OnClose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(env, "onClose needs a function");
  if (state_->IsClosing()) throw ToJsError(env, ClosedFailure());
  CallbackContext* context = NewContext(env, info[0].As<Napi::Function>(), "vnfm-libvirt-close-callback", 1);
  LibvirtFailure failure;
  int status = state_->RegisterCloseCallback(OnConnectionClosed, context, FreeRegistration, failure);
  if (status != 0) FreeRegistration(context);  // libvirt did not take it
  if (status == 1) throw ToJsError(env, ClosedFailure());
  if (status == 2) throw Napi::Error::New(env, "a close callback is already registered");
  if (status < 0) throw ToJsError(env, failure);
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

static void DeliverEvent(Napi::Env env, Napi::Function callback, DomainEvent* data) {
  std::unique_ptr<DomainEvent> owned(data);
  if (env == nullptr || callback == nullptr) return;
  Napi::Object object = IdentityToJs(env, owned->identity).As<Napi::Object>();
  object.Set("kind", owned->kind);
  object.Set("event", owned->event);
  object.Set("detail", owned->detail);
  if (!owned->device_alias.empty()) object.Set("deviceAlias", owned->device_alias);
  callback.Call({object});
}

static void Deliver(void* opaque, DomainEvent* event) { Post(static_cast<CallbackContext*>(opaque), event, DeliverEvent); }

static void OnLifecycle(virConnectPtr, virDomainPtr domain, int event, int detail, void* opaque) {
  Deliver(opaque, new DomainEvent{"lifecycle", IdentityOf(domain), event, detail, ""});
}

static void OnReboot(virConnectPtr, virDomainPtr domain, void* opaque) {
  Deliver(opaque, new DomainEvent{"reboot", IdentityOf(domain), 0, 0, ""});
}

static void OnDeviceRemoved(virConnectPtr, virDomainPtr domain, const char* alias, void* opaque) {
  Deliver(opaque, new DomainEvent{"device-removed", IdentityOf(domain), 0, 0, alias != nullptr ? alias : ""});
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
  if (state_->IsClosing()) return RejectedPromise(env, ClosedFailure());
  CallbackContext* context = NewContext(env, info[0].As<Napi::Function>(), "vnfm-libvirt-domain-events", kKinds);
  ConnectionState* lane = state_.get();  // the job holds a share of it until settled
  return Call<int>(
      env, "vnfm-libvirt-register-events",
      [context, lane](virConnectPtr conn, int&, LibvirtFailure& failure) {
        std::vector<int> ids;
        for (const Registration& kind : kinds) {
          int id = virConnectDomainEventRegisterAny(conn, nullptr, kind.id, kind.callback, context, FreeRegistration);
          if (id >= 0) {
            ids.push_back(id);
            continue;
          }
          if (failure.code == 0) failure = CaptureLastError("cannot register for domain events");
          FreeRegistration(context);  // this registration's share: libvirt did not take it
        }
        if (ids.size() == static_cast<size_t>(kKinds)) {
          // Lane thread: the close job (on this thread too) deregisters them.
          for (int id : ids) lane->LaneEventIds().push_back(id);
          return true;
        }
        for (int id : ids) virConnectDomainEventDeregisterAny(conn, id);  // libvirt frees their shares
        return false;
      },
      [](Napi::Env env, int&) -> Napi::Value { return env.Undefined(); },
      // Not run (closed, or libvirtd already lost): libvirt never took the shares.
      [context] {
        for (int index = 0; index < kKinds; index++) FreeRegistration(context);
      });
}

void DeregisterCallbacks(virConnectPtr conn, const std::vector<int>& event_ids, bool close_callback) {
  for (int id : event_ids) virConnectDomainEventDeregisterAny(conn, id);
  if (close_callback) virConnectUnregisterCloseCallback(conn, OnConnectionClosed);
  virResetLastError();
}
