#include "lane.h"

#include <algorithm>
#include <system_error>
#include <thread>

#include "domain_handles.h"
#include "events.h"

LibvirtFailure ClosedFailure() { return LocalFailure(VIR_ERR_INVALID_CONN, "the connection is closed"); }

LibvirtFailure LostFailure() { return LocalFailure(VIR_ERR_INVALID_CONN, "the connection to libvirtd is lost"); }

Napi::Promise RejectedPromise(Napi::Env env, const LibvirtFailure& failure) {
  auto deferred = Napi::Promise::Deferred::New(env);
  deferred.Reject(ToJsError(env, failure).Value());
  return deferred.Promise();
}

namespace {

// The lane's last job: deregisters what was registered and closes libvirt's connection.
class CloseJob : public LaneJob {
 public:
  CloseJob() = default;
  explicit CloseJob(Napi::Env env) : deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() const { return deferred_->Promise(); }

  bool Run(ConnectionState& lane) override {
    std::vector<int> event_ids;
    bool close_callback = false;
    std::vector<std::shared_ptr<LaneStream>> streams;
    virConnectPtr conn = lane.TakeForClose(event_ids, close_callback, streams);
    if (conn != nullptr) {
      for (auto& stream : streams) stream->EndWithConnection();
      DeregisterCallbacks(conn, event_ids, close_callback);
      FreeDomainHandles();
      virConnectClose(conn);
    }
    return false;
  }

  void Settle(Napi::Env env) override {
    if (deferred_) deferred_->Resolve(env.Undefined());
  }

 private:
  std::optional<Napi::Promise::Deferred> deferred_;
};

}  // namespace

std::shared_ptr<ConnectionState> ConnectionState::Start(Napi::Env env) {
  std::shared_ptr<ConnectionState> state(new ConnectionState());
  auto* guard = new std::shared_ptr<DeliveryGuard>(state->delivery_guard_);
  state->delivery_ = Delivery::New(env, "vnfm-libvirt-lane", 0, 1, nullptr, [](Napi::Env, std::shared_ptr<DeliveryGuard>* finalized, std::nullptr_t*) {
    {
      std::lock_guard<std::mutex> lock((*finalized)->mutex);
      (*finalized)->gone = true;
    }
    delete finalized;
  }, guard);
  // Idle connections do not keep the process alive; pending jobs do (see Enqueue).
  state->delivery_.Unref(env);
  try {
    std::thread([self = state] { self->LaneMain(); }).detach();
  } catch (const std::system_error& error) {
    state->delivery_.Release();  // the finalizer frees the guard's share
    throw Napi::Error::New(env, std::string("cannot start a thread for the connection: ") + error.what());
  }
  return state;
}

ConnectionState::~ConnectionState() {
  // Only reached once the lane ended (it holds a share while it runs), so the close job ran, or
  // the open failed: there is no libvirt connection left to close here.
}

bool ConnectionState::Enqueue(Napi::Env env, std::unique_ptr<LaneJob> job, bool last) {
  job->lane_ = shared_from_this();
  job->counted_ = env != nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closing_) return false;
    if (last) closing_ = true;
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  if (env != nullptr && ++pending_ == 1) delivery_.Ref(env);
  return true;
}

void ConnectionState::LaneMain() {
  for (;;) {
    std::unique_ptr<LaneJob> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return !queue_.empty(); });
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    bool more = job->Run(*this);
    {
      std::lock_guard<std::mutex> lock(delivery_guard_->mutex);
      // Refused or gone only when JS is going away (environment teardown): nobody to answer.
      if (!delivery_guard_->gone && delivery_.NonBlockingCall(job.get()) == napi_ok) job.release();
    }
    job.reset();  // not delivered: dropped here (it touches no JS handle)
    if (!more) break;
  }
  std::lock_guard<std::mutex> lock(delivery_guard_->mutex);
  if (!delivery_guard_->gone) delivery_.Release();
}

void ConnectionState::Deliver(Napi::Env env, Napi::Function, std::nullptr_t*, LaneJob* job) {
  std::unique_ptr<LaneJob> owned(job);
  if (env == nullptr) return;
  Napi::HandleScope scope(env);
  try {
    owned->Settle(env);
  } catch (const Napi::Error&) {
    // A promise that cannot be settled (JS is going away): nothing more to do.
  }
  if (owned->counted_) owned->lane_->SettledOnJs(env);
}

void ConnectionState::SettledOnJs(Napi::Env env) {
  if (--pending_ == 0) delivery_.Unref(env);
}

Napi::Value ConnectionState::Close(Napi::Env env) {
  auto job = std::make_unique<CloseJob>(env);
  Napi::Promise promise = job->Promise();
  if (!Enqueue(env, std::move(job), true)) {
    auto deferred = Napi::Promise::Deferred::New(env);
    deferred.Resolve(env.Undefined());
    return deferred.Promise();
  }
  return promise;
}

void ConnectionState::Abandon() { Enqueue(nullptr, std::make_unique<CloseJob>(), true); }

bool ConnectionState::IsClosing() {
  std::lock_guard<std::mutex> lock(mutex_);
  return closing_;
}

bool ConnectionState::IsAlive() {
  std::lock_guard<std::mutex> lock(mutex_);
  // The close job takes conn_ under this lock, and only after closing_ was set under it.
  return !closing_ && conn_ != nullptr && virConnectIsAlive(conn_) == 1;
}

int ConnectionState::RegisterCloseCallback(virConnectCloseFunc callback, void* opaque, virFreeCallback free_cb, LibvirtFailure& failure) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closing_ || conn_ == nullptr) return 1;
  if (close_callback_registered_) return 2;
  if (virConnectRegisterCloseCallback(conn_, callback, opaque, free_cb) < 0) {
    failure = CaptureLastError("cannot register the close callback");
    return -1;
  }
  close_callback_registered_ = true;
  return 0;
}

void ConnectionState::Opened(virConnectPtr conn) {
  std::lock_guard<std::mutex> lock(mutex_);
  conn_ = conn;
  if (conn == nullptr) closing_ = true;  // a failed open: this lane takes no job any more
}

void ConnectionState::RemoveLaneStream(const LaneStream* stream) {
  streams_.erase(std::remove_if(streams_.begin(), streams_.end(), [stream](const std::shared_ptr<LaneStream>& each) { return each.get() == stream; }), streams_.end());
}

virConnectPtr ConnectionState::TakeForClose(std::vector<int>& event_ids, bool& close_callback, std::vector<std::shared_ptr<LaneStream>>& streams) {
  streams.swap(streams_);  // lane only, like this job
  std::lock_guard<std::mutex> lock(mutex_);
  virConnectPtr conn = conn_;
  conn_ = nullptr;
  event_ids.swap(event_ids_);
  close_callback = close_callback_registered_;
  close_callback_registered_ = false;
  return conn;
}
