// A domain's console as a non-blocking virStream, on its connection's lane (lane.h).
//
// Threads. Every stream call (virDomainOpenConsole, virStreamRecv/Send/Finish/Abort/Free,
// virStreamEventAdd/Update/RemoveCallback) runs on the lane, like every other call on the
// connection. libvirt's stream callback runs on the event-loop thread and only queues a read job
// on the lane (one at a time). What the lane reads goes to JS through the stream's own
// thread-safe function (callback_context.h), as `data` Buffers, then `end` (the guest's side
// hung up) or `error`.
//
// Backpressure. At most kMaxInFlight bytes are on their way to JS (posted, not yet handed to the
// JS callback); beyond that, and while JS asks for a pause (SetReading(false)), the lane takes
// READABLE out of the stream's event mask, so libvirt keeps the rest (and the server side stops
// sending once its own window is full). Reading resumes when JS has caught up or asks again.
//
// End. EOF or an error ends the stream once: JS gets `end` or `error`, the callback is removed.
// Close(false) finishes, Close(true) aborts; both free the stream. The connection's close job
// (keepalive death, close(), a finalized Connection) ends every stream still open with an `error`
// before libvirt's connection is closed; a stream JS dropped without closing is aborted.
#pragma once

#include <libvirt/libvirt.h>
#include <napi.h>

#include <memory>
#include <mutex>
#include <string>

#include "callback_context.h"
#include "failure.h"
#include "lane.h"

class ConsoleStream : public LaneStream, public std::enable_shared_from_this<ConsoleStream> {
 public:
  static constexpr size_t kChunk = 64 * 1024;          // one read job reads at most this much
  static constexpr size_t kMaxInFlight = 256 * 1024;   // posted to JS and not yet delivered

  // JS thread: `context` has one share for this stream (released by the destructor).
  ConsoleStream(std::shared_ptr<ConnectionState> lane, CallbackContext* context) : lane_(std::move(lane)), context_(context) {}
  ~ConsoleStream() override;
  ConsoleStream(const ConsoleStream&) = delete;
  ConsoleStream& operator=(const ConsoleStream&) = delete;

  // ---- lane thread ----
  // Opens the console of `domain` (`device` null: the first console) with `flags`.
  bool Open(ConnectionState& lane, virConnectPtr conn, virDomainPtr domain, const char* device, unsigned int flags, LibvirtFailure& failure);
  // The read job: reads what libvirt has (up to kChunk), posts it, or ends the stream.
  void ReadAvailable();
  // Sends every byte of `data`.
  bool Send(const std::string& data, LibvirtFailure& failure);
  // Finishes (abort false) or aborts the stream, and frees it; nothing when it is already freed.
  void Close(bool abort);
  void EndWithConnection() override;

  // ---- any thread ----
  // libvirt's stream callback (event loop), a resume, a drained JS queue: one read job on the lane.
  void Wake();

  // ---- JS thread ----
  // Pause (false) or resume (true) reading.
  void SetReading(bool on);
  // `bytes` posted earlier reached the JS callback.
  void Delivered(size_t bytes);
  // Whether Close ran (or the connection's close job did it).
  bool Closed();
  // A stream JS dropped: aborted on the lane, if still open.
  void Abandon();

 private:
  enum class EventKind { Data, End, Error };
  struct Event;
  static void Deliver(Napi::Env env, Napi::Function callback, Event* event);

  void PostEvent(EventKind kind, std::string bytes, LibvirtFailure failure = {});
  // Lane: the mask libvirt calls back for (READABLE or not; ERROR and HANGUP only with READABLE).
  void WantReadable(bool readable);
  // Lane: EOF or an error; posts `end` / `error` once and removes the callback.
  void End(EventKind kind, const LibvirtFailure& failure);

  std::shared_ptr<ConnectionState> lane_;
  CallbackContext* context_;

  std::mutex mutex_;
  bool read_queued_ = false;  // under mutex_
  bool paused_ = false;       // under mutex_: JS asked for a pause
  bool starved_ = false;      // under mutex_: reading stopped because kMaxInFlight was reached
  bool ended_ = false;        // under mutex_: EOF, error, or closed: no more reads
  bool closed_ = false;       // under mutex_: the stream was freed
  size_t in_flight_ = 0;      // under mutex_

  virStreamPtr stream_ = nullptr;  // lane only
  bool callback_ = false;          // lane only: an event callback is registered
  bool readable_ = false;          // lane only: READABLE is in the mask
};
