#include "console_stream.h"

#include <libvirt/virterror.h>

#include <functional>
#include <utility>

namespace {

// A stream's work on the lane; it answers no promise (what it has to say goes through the
// stream's own thread-safe function).
class StreamJob : public LaneJob {
 public:
  StreamJob(std::shared_ptr<ConsoleStream> stream, void (*work)(ConsoleStream&)) : stream_(std::move(stream)), work_(work) {}
  bool Run(ConnectionState&) override {
    work_(*stream_);
    return true;
  }
  void Settle(Napi::Env) override {}

 private:
  std::shared_ptr<ConsoleStream> stream_;
  void (*work_)(ConsoleStream&);
};

constexpr int kReadEvents = VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP;

// libvirt's stream callback (event-loop thread): only queues a read on the lane.
void OnStreamEvent(virStreamPtr, int, void* opaque) {
  if (auto stream = static_cast<std::weak_ptr<ConsoleStream>*>(opaque)->lock()) stream->Wake();
}

void FreeOpaque(void* opaque) { delete static_cast<std::weak_ptr<ConsoleStream>*>(opaque); }

LibvirtFailure StreamClosedFailure() { return LocalFailure(VIR_ERR_OPERATION_INVALID, "the console stream is closed"); }

}  // namespace

struct ConsoleStream::Event {
  std::shared_ptr<ConsoleStream> stream;
  EventKind kind;
  std::string bytes;
  LibvirtFailure failure;
};

ConsoleStream::~ConsoleStream() { FreeRegistration(context_); }

bool ConsoleStream::Open(ConnectionState& lane, virConnectPtr conn, virDomainPtr domain, const char* device, unsigned int flags, LibvirtFailure& failure) {
  virStreamPtr stream = virStreamNew(conn, VIR_STREAM_NONBLOCK);
  if (stream == nullptr) {
    failure = CaptureLastError("cannot create a stream");
    return false;
  }
  if (virDomainOpenConsole(domain, device, stream, flags) < 0) {
    failure = CaptureLastError("cannot open the console");
    virStreamFree(stream);
    return false;
  }
  auto* opaque = new std::weak_ptr<ConsoleStream>(shared_from_this());
  if (virStreamEventAddCallback(stream, kReadEvents, OnStreamEvent, opaque, FreeOpaque) < 0) {
    failure = CaptureLastError("cannot watch the console stream");
    delete opaque;
    virStreamAbort(stream);
    virStreamFree(stream);
    virResetLastError();
    return false;
  }
  stream_ = stream;
  callback_ = true;
  readable_ = true;
  lane.AddLaneStream(shared_from_this());
  return true;
}

void ConsoleStream::Wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ended_ || read_queued_) return;
    read_queued_ = true;
  }
  // Refused only when the lane is closing: its close job ends this stream.
  if (!lane_->Post(std::make_unique<StreamJob>(shared_from_this(), [](ConsoleStream& self) { self.ReadAvailable(); }))) {
    std::lock_guard<std::mutex> lock(mutex_);
    read_queued_ = false;
  }
}

void ConsoleStream::WantReadable(bool readable) {
  if (!callback_ || readable_ == readable) return;
  // Without READABLE, ERROR and HANGUP are left out too: libvirt's remote streams keep calling
  // back while one of them is pending, and a paused reader must not spin the event loop.
  if (virStreamEventUpdateCallback(stream_, readable ? kReadEvents : 0) == 0) readable_ = readable;
  virResetLastError();
}

void ConsoleStream::ReadAvailable() {
  bool may_read = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    read_queued_ = false;
    if (ended_ || stream_ == nullptr) return;
    starved_ = !paused_ && in_flight_ >= kMaxInFlight;
    may_read = !paused_ && !starved_;
  }
  WantReadable(may_read);
  if (!may_read) return;

  std::string chunk;
  char buffer[16 * 1024];
  while (chunk.size() < kChunk) {
    int got = virStreamRecv(stream_, buffer, sizeof buffer);
    if (got > 0) {
      chunk.append(buffer, static_cast<size_t>(got));
      continue;
    }
    if (got == -2) break;  // nothing more for now: libvirt calls back when there is
    if (!chunk.empty()) PostEvent(EventKind::Data, std::move(chunk));
    if (got == 0) {
      End(EventKind::End, {});
    } else {
      End(EventKind::Error, CaptureLastError("cannot read from the console"));
    }
    return;
  }
  if (!chunk.empty()) PostEvent(EventKind::Data, std::move(chunk));
}

bool ConsoleStream::Send(const std::string& data, LibvirtFailure& failure) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ended_ || stream_ == nullptr) {
      failure = StreamClosedFailure();
      return false;
    }
  }
  size_t sent = 0;
  while (sent < data.size()) {
    int wrote = virStreamSend(stream_, data.data() + sent, data.size() - sent);
    if (wrote > 0) {
      sent += static_cast<size_t>(wrote);
      continue;
    }
    // libvirt's remote streams queue what they cannot send at once; -2 would mean a full queue.
    failure = wrote == -2 ? LocalFailure(VIR_ERR_OPERATION_FAILED, "the console stream cannot take more data now") : CaptureLastError("cannot write to the console");
    return false;
  }
  return true;
}

void ConsoleStream::End(EventKind kind, const LibvirtFailure& failure) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ended_) return;
    ended_ = true;
  }
  if (callback_) {
    virStreamEventRemoveCallback(stream_);
    callback_ = false;
    virResetLastError();
  }
  PostEvent(kind, {}, failure);
}

void ConsoleStream::Close(bool abort) {
  if (stream_ == nullptr) return;
  bool failed = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ended_ = true;
  }
  if (callback_) {
    virStreamEventRemoveCallback(stream_);
    callback_ = false;
  }
  if (abort || virStreamFinish(stream_) < 0) failed = virStreamAbort(stream_) < 0;
  (void)failed;  // a stream that cannot even be aborted is gone with its connection
  virStreamFree(stream_);
  virResetLastError();
  stream_ = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  lane_->RemoveLaneStream(this);
}

void ConsoleStream::EndWithConnection() {
  End(EventKind::Error, LocalFailure(VIR_ERR_INVALID_CONN, "the connection to libvirtd was closed"));
  Close(true);
}

void ConsoleStream::SetReading(bool on) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    paused_ = !on;
  }
  Wake();  // the lane updates the mask (and reads, when on)
}

void ConsoleStream::Delivered(size_t bytes) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    in_flight_ -= bytes;
    wake = starved_ && in_flight_ < kMaxInFlight / 2;
  }
  if (wake) Wake();
}

bool ConsoleStream::Closed() {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

void ConsoleStream::Abandon() {
  if (Closed()) return;
  lane_->Post(std::make_unique<StreamJob>(shared_from_this(), [](ConsoleStream& self) { self.Close(true); }));
}

void ConsoleStream::PostEvent(EventKind kind, std::string bytes, LibvirtFailure failure) {
  if (kind == EventKind::Data) {
    std::lock_guard<std::mutex> lock(mutex_);
    in_flight_ += bytes.size();
  }
  Post(context_, new Event{shared_from_this(), kind, std::move(bytes), std::move(failure)}, &ConsoleStream::Deliver);
}

void ConsoleStream::Deliver(Napi::Env env, Napi::Function callback, Event* event) {
  std::unique_ptr<Event> owned(event);
  if (env == nullptr || callback == nullptr) return;
  size_t bytes = owned->bytes.size();
  try {
    switch (owned->kind) {
      case EventKind::Data:
        callback.Call({Napi::String::New(env, "data"), Napi::Buffer<char>::Copy(env, owned->bytes.data(), bytes)});
        break;
      case EventKind::End:
        callback.Call({Napi::String::New(env, "end")});
        break;
      case EventKind::Error:
        callback.Call({Napi::String::New(env, "error"), ToJsError(env, owned->failure).Value()});
        break;
    }
  } catch (const Napi::Error&) {
    // A listener that threw (the TS wrapper's never do): dropped, the stream goes on.
  }
  if (bytes > 0) owned->stream->Delivered(bytes);
}
