// A connection's lane: a thread of the connection's own makes every libvirt call on it, one at a
// time and in order, and each result goes back to JS through one thread-safe function.
//
// One at a time because of libvirt's RPC client (libvirt 9.0, src/rpc/virnetclient.c,
// virNetClientIOEventLoop): the thread polling the socket adds a socket watch whose callback data
// is a struct on its own stack, and never removes the watch when its GMainLoop is woken by another
// thread (a new call, a keepalive ping, keepalive death) instead of by the socket. When keepalive
// declares libvirtd dead, that thread's call fails and it hands the socket to the next thread
// waiting in the same client; once libvirtd talks again (SIGCONT) the stale watch fires in that
// thread and follows a pointer into the first thread's dead stack frame: SIGSEGV in
// g_main_loop_quit(). With a single thread of ours inside a connection there is no second thread
// to hand over to. (libvirt's own keepalive pings, sent from the event-loop thread, do not wait.)
//
// Lifetime: the state is shared by the JS object, by the lane thread while it runs, and by every
// job until JS has its answer. close() refuses new calls at once (VIR_ERR_INVALID_CONN), queues the
// close as the lane's last job (after every call made before it), and the lane thread ends after
// it; libvirt's connection is closed by that job only, so no call can ever use a closed one.
#pragma once

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <napi.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "failure.h"

class ConnectionState;

// An open stream (console_stream.h) as the connection's close job sees it.
class LaneStream {
 public:
  virtual ~LaneStream() = default;
  // Lane thread, in the close job, before libvirt's connection is closed: tells JS the stream
  // ended with the connection and releases it.
  virtual void EndWithConnection() = 0;
};

// A call made after close(), or on a connection that is gone.
LibvirtFailure ClosedFailure();
// A call made once libvirt knows libvirtd is gone (keepalive, EOF): refused without a round trip.
LibvirtFailure LostFailure();

// A promise rejected at once (bad arguments, closed connection), with the same error shape.
Napi::Promise RejectedPromise(Napi::Env env, const LibvirtFailure& failure);

// One unit of work on a lane: Run on the lane thread, then Settle on the JS thread.
class LaneJob {
 public:
  virtual ~LaneJob() = default;
  // Lane thread. Answers false when this was the lane's last job (close, a failed open).
  virtual bool Run(ConnectionState& lane) = 0;
  // JS thread, after Run (not called when JS is going away: then the job is only deleted).
  virtual void Settle(Napi::Env env) = 0;

 private:
  friend class ConnectionState;
  std::shared_ptr<ConnectionState> lane_;  // the state lives until JS has the answer
  bool counted_ = false;                   // keeps the process alive while it is pending
};

// A job that answers a promise.
class PromiseJob : public LaneJob {
 public:
  explicit PromiseJob(Napi::Env env) : deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  Napi::Promise::Deferred deferred_;
};

// A libvirt call on the connection: `work` fills a result or a failure on the lane thread,
// `convert` turns the result into a JS value. `skipped` runs (lane thread) when `work` does not,
// because the connection is closed or already lost, to release what the job was given.
template <typename Result>
class CallJob : public PromiseJob {
 public:
  using Work = std::function<bool(virConnectPtr, Result&, LibvirtFailure&)>;
  using Convert = std::function<Napi::Value(Napi::Env env, Result& result)>;

  CallJob(Napi::Env env, Work work, Convert convert, std::function<void()> skipped = {})
      : PromiseJob(env), work_(std::move(work)), convert_(std::move(convert)), skipped_(std::move(skipped)) {}

  bool Run(ConnectionState& lane) override;

  void Settle(Napi::Env env) override {
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

 private:
  Work work_;
  Convert convert_;
  std::function<void()> skipped_;
  Result result_{};
  LibvirtFailure failure_;
  bool ok_ = false;
};

class ConnectionState : public std::enable_shared_from_this<ConnectionState> {
 public:
  // JS thread: a state whose lane thread is running and idle (a JS error when there is no thread).
  static std::shared_ptr<ConnectionState> Start(Napi::Env env);
  ~ConnectionState();

  ConnectionState(const ConnectionState&) = delete;
  ConnectionState& operator=(const ConnectionState&) = delete;

  // JS thread. Queues `job` and answers its promise; after close(), a promise rejected with
  // VIR_ERR_INVALID_CONN (the job is dropped: it never ran).
  template <typename Job>
  Napi::Value Submit(Napi::Env env, std::unique_ptr<Job> job) {
    Napi::Promise promise = job->Promise();
    if (!Enqueue(env, std::move(job), false)) return RejectedPromise(env, ClosedFailure());
    return promise;
  }

  // JS thread: refuses new calls from now on and queues the close after every call made before.
  // The promise resolves once libvirt's connection is closed (at once when it already was).
  Napi::Value Close(Napi::Env env);
  // Any thread, nothing JS (a finalizer): as Close, answering no one.
  void Abandon();

  // Any thread: queues a job that answers no promise and keeps nothing alive (a stream's reads,
  // a finalizer's abort); false when the lane takes no more jobs.
  bool Post(std::unique_ptr<LaneJob> job) { return Enqueue(nullptr, std::move(job), false); }

  // JS thread.
  bool IsClosing();
  // JS thread: libvirt's own idea (local, no round trip); false once close() was asked for.
  bool IsAlive();
  // JS thread: registers libvirt's close callback (local, no round trip). 0 done, 1 closed,
  // 2 one is registered already, -1 libvirt refused (`failure` says why; `free_cb` was not called).
  int RegisterCloseCallback(virConnectCloseFunc callback, void* opaque, virFreeCallback free_cb, LibvirtFailure& failure);

  // ---- lane thread only ----
  virConnectPtr LaneConnection() const { return conn_; }
  // The open job: the connection is there (or, with nullptr, never will be: the lane ends).
  void Opened(virConnectPtr conn);
  std::vector<int>& LaneEventIds() { return event_ids_; }
  // An open stream: the lane holds it until it is closed, and the close job ends it if it is
  // still open then.
  void AddLaneStream(std::shared_ptr<LaneStream> stream) { streams_.push_back(std::move(stream)); }
  void RemoveLaneStream(const LaneStream* stream);
  // The close job: takes the connection and what was registered on it; nullptr when there is none.
  virConnectPtr TakeForClose(std::vector<int>& event_ids, bool& close_callback, std::vector<std::shared_ptr<LaneStream>>& streams);

 private:
  ConnectionState() = default;

  static void Deliver(Napi::Env env, Napi::Function, std::nullptr_t*, LaneJob* job);
  using Delivery = Napi::TypedThreadSafeFunction<std::nullptr_t, LaneJob, &ConnectionState::Deliver>;

  // `env` null: not counted (no JS handle is touched). `last`: the lane's last job.
  bool Enqueue(Napi::Env env, std::unique_ptr<LaneJob> job, bool last);
  void LaneMain();
  void SettledOnJs(Napi::Env env);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<LaneJob>> queue_;  // under mutex_
  bool closing_ = false;                        // under mutex_: no job is taken any more
  bool close_callback_registered_ = false;      // under mutex_
  virConnectPtr conn_ = nullptr;  // written by the lane under mutex_; read by JS under mutex_, by the lane freely
  std::vector<int> event_ids_;    // lane only
  std::vector<std::shared_ptr<LaneStream>> streams_;  // lane only
  int pending_ = 0;               // JS only: counted jobs not yet settled
  Delivery delivery_;
  // Whether Node has finalized delivery_ (environment teardown can do so while the lane still
  // runs): after that, the lane must not touch it. Shared with the finalizer, which may outlive us.
  struct DeliveryGuard {
    std::mutex mutex;
    bool gone = false;
  };
  std::shared_ptr<DeliveryGuard> delivery_guard_ = std::make_shared<DeliveryGuard>();
};

template <typename Result>
bool CallJob<Result>::Run(ConnectionState& lane) {
  virConnectPtr conn = lane.LaneConnection();
  if (conn == nullptr) {
    failure_ = ClosedFailure();
  } else if (virConnectIsAlive(conn) == 0) {
    failure_ = LostFailure();
  } else {
    try {
      ok_ = work_(conn, result_, failure_);
    } catch (const std::exception& error) {
      ok_ = false;
      failure_ = LocalFailure(VIR_ERR_INTERNAL_ERROR, error.what());
    }
    return true;
  }
  if (skipped_) skipped_();
  return true;
}
