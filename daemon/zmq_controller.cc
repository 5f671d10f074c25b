#include "daemon/zmq_controller.h"

#include <unistd.h>

#include <algorithm>
#include <exception>
#include <utility>
#include <variant>

#include "core/endpoints.h"
#include "core/protocol.h"
#include "daemon/log.h"
#include "daemon/runtime_dir.h"

namespace ringmaster {
namespace {

// libzmq calls fail with EINTR when a signal (SIGCHLD, often) arrives during
// them; that is not a failure: retry, so no reply or event is lost.
template <typename Fn>
auto RetryOnEintr(Fn fn) {
  for (int attempt = 0;; ++attempt) {
    try {
      return fn();
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR || attempt >= 100) throw;
    }
  }
}


// Fairness: a flood of requests must not starve SIGCHLD and timers. The rest
// is drained on the next loop iteration.
constexpr int kMaxMessagesPerDrain = 256;
constexpr double kStarvedSeconds = 0.05;
constexpr double kGuardPeriod = 0.005;
// Frames kept per message: identity, and up to two more decide the framing;
// the rest are only counted, so a million-frame message costs no memory.
constexpr size_t kKeptFrames = 3;

std::string DumpForLog(const nlohmann::json& j, size_t limit = 512) {
  std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (s.size() > limit) s = s.substr(0, limit) + "...";
  return s;
}

// A malformed cast carries no command in ProtocolError; this is only for the
// log line, on a rare path, so parsing the body a second time is fine. Only
// called for bodies that passed the size, syntax and depth checks.
std::string CommandForLog(std::string_view body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    auto it = j.find("command");
    if (it != j.end() && it->is_string()) return DumpForLog(*it, 64);
  }
  return "?";
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

// Everything an ipc:// bind needs from the filesystem before libzmq (which
// would unlink a live daemon's socket) gets the path.
Status PrepareIpcEndpoint(const std::string& endpoint) {
  std::string path = IpcPath(endpoint);
  if (path.empty()) return Status::Ok();
  if (DirName(path) == DefaultRunDir()) {
    Status s = EnsurePrivateDir(DefaultRunDir());
    if (!s.ok()) return s;
  }
  return ClaimIpcSocketPath(path);
}


// Where a reply goes: the peer's routing id, and whether the request came in a
// REQ envelope (then the reply keeps the empty delimiter).
struct ZmqController::Route {
  std::string identity;
  bool envelope = false;
};

// The shared state behind one request's Responder. Enforces "exactly one
// reply": a second call is logged and dropped, and a Responder dropped without
// being called answers errno 5 so the client is never left waiting.
class ZmqController::PendingReply {
 public:
  PendingReply(ZmqController* owner, Route route, nlohmann::json id, std::string command, bool cast)
      : owner_(owner),
        alive_(owner->alive_),
        route_(std::move(route)),
        id_(std::move(id)),
        command_(std::move(command)),
        cast_(cast) {}

  ~PendingReply() {
    if (done_ || cast_ || alive_.expired()) return;
    LOG_ERROR("command '%s' (id %s) dropped its reply without answering", command_.c_str(),
              DumpForLog(id_).c_str());
    try {
      owner_->SendReply(route_, ErrorReply(id_, Errno::kCommandError,
                                           "internal error: command '" + command_ +
                                               "' finished without a reply"));
    } catch (...) {
      // A destructor must not throw; the client then gets no reply.
    }
  }

  bool done() const { return done_; }

  void Respond(const Reply& reply) {
    if (done_) {
      LOG_ERROR("command '%s' (id %s) replied twice; the second reply is dropped", command_.c_str(),
                DumpForLog(id_).c_str());
      return;
    }
    done_ = true;
    if (cast_ || alive_.expired()) return;  // casts never get a reply; closed: dropped
    if (reply.text()) {
      owner_->SendRaw(route_, *reply.text());
    } else {
      owner_->SendReply(route_, *reply.object_or_null());
    }
  }

 private:
  ZmqController* owner_;
  std::weak_ptr<char> alive_;
  Route route_;
  nlohmann::json id_;
  std::string command_;
  bool cast_;
  bool done_ = false;
};

ZmqController::ZmqController(EventLoop& loop, Dispatcher& dispatcher)
    : loop_(loop),
      dispatcher_(dispatcher),
      ctx_(1),
      drain_timer_(loop, [this] {
        ++drains_;
        Drain();
        RearmGuard();
      }, Priority::kControl),
      guard_timer_(loop, [this] { OnGuardTimer(); }, Priority::kSupervision),
      trimmer_(loop),
      alive_(std::make_shared<char>(0)) {}

ZmqController::~ZmqController() { Close(); }

Status ZmqController::Bind(const std::string& endpoint_in, const std::string& pubsub_in) {
  const std::string endpoint = endpoint_in.empty() ? DefaultEndpoint() : endpoint_in;
  const std::string pubsub = pubsub_in.empty() ? DefaultPubsubEndpoint() : pubsub_in;
  if (bound() || alive_ == nullptr) {
    return Status::Error("cannot bind control endpoint " + endpoint +
                         ": the controller is already bound or closed");
  }
  if (Status s = PrepareIpcEndpoint(endpoint); !s.ok()) {
    return Status::Error("cannot bind control endpoint " + endpoint + ": " + s.message());
  }
  if (Status s = PrepareIpcEndpoint(pubsub); !s.ok()) {
    return Status::Error("cannot bind pubsub endpoint " + pubsub + ": " + s.message());
  }
  const char* which = "control";
  const std::string* where = &endpoint;
  try {
    router_ = zmq::socket_t(ctx_, zmq::socket_type::router);
    router_.set(zmq::sockopt::linger, 0);
    router_.set(zmq::sockopt::maxmsgsize, kMaxMessageBytes);
    router_.set(zmq::sockopt::sndhwm, kReplyHwm);
    router_.set(zmq::sockopt::rcvhwm, kRequestHwm);
    // ZMQ_ROUTER_MANDATORY stays off: a reply to a peer that has gone is
    // dropped by libzmq without an error (§1).
    router_.bind(endpoint);
    which = "pubsub";
    where = &pubsub;
    pub_ = zmq::socket_t(ctx_, zmq::socket_type::pub);
    pub_.set(zmq::sockopt::linger, 0);
    pub_.set(zmq::sockopt::sndhwm, kEventHwm);
    pub_.bind(pubsub);
    watch_ = std::make_unique<FdWatch>(loop_, router_.get(zmq::sockopt::fd), FdWatch::kRead,
                                       [this] { OnReadable(); }, Priority::kControl);
    guard_watch_ = std::make_unique<FdWatch>(loop_, router_.get(zmq::sockopt::fd), FdWatch::kRead,
                                             [this] { OnGuardReadable(); }, Priority::kSupervision);
  } catch (const zmq::error_t& e) {
    // Listeners are torn down by libzmq's I/O thread; terminating the context
    // waits for that, so the endpoints are really free when Bind returns.
    CloseSockets(0);
    return Status::Error(std::string("cannot bind ") + which + " endpoint " + *where + ": " +
                         e.what());
  }
  if (IsTcpEndpoint(endpoint)) {
    LOG_WARN(
        "control endpoint %s is a TCP endpoint: every local user (and any host that can reach "
        "it) can control ringmasterd and run any program as uid %u; use the default ipc:// "
        "endpoint unless remote control is required",
        endpoint.c_str(), static_cast<unsigned>(geteuid()));
  }
  LOG_INFO("control endpoint %s, pubsub endpoint %s", endpoint.c_str(), pubsub.c_str());
  // Peers may have connected (and sent) before the watch existed.
  drain_timer_.Start(0);
  return Status::Ok();
}

void ZmqController::OnReadable() {
  ++drains_;
  Drain();
  RearmGuard();
}

// The guard's watch is level-triggered on a socket only the control drain
// empties: it is disabled from its first wake-up until the question "did the
// control drain run?" is answered, or it would be active on every loop turn
// and keep the lower priorities from ever running.
void ZmqController::OnGuardReadable() {
  guard_watch_->Disable();
  guard_seen_ = drains_;
  guard_timer_.Start(kStarvedSeconds);
}

void ZmqController::RearmGuard() {
  if (!guard_timer_.pending() || !guard_watch_) return;
  guard_timer_.Cancel();
  guard_watch_->Enable();
}

void ZmqController::OnGuardTimer() {
  if (!bound() || !guard_watch_) return;
  if (drains_ != guard_seen_) {  // the control drain ran: not starved
    guard_watch_->Enable();
    return;
  }
  if (guarded_++ == 0) LOG_WARN("control requests waited %.0f ms behind supervision work; answering them one at a time", kStarvedSeconds * 1000);
  Drain(1);
  bool pending = false;
  try {
    pending = (router_.get(zmq::sockopt::events) & ZMQ_POLLIN) != 0;
  } catch (const zmq::error_t&) {
  }
  if (pending) {
    guard_seen_ = drains_;
    guard_timer_.Start(kGuardPeriod);
  } else {
    guard_watch_->Enable();
  }
}

void ZmqController::Drain(int budget) {
  if (budget <= 0) budget = kMaxMessagesPerDrain;
  // Re-entered from a send made by a handler inside this loop: the loop below
  // re-checks ZMQ_EVENTS before it stops, so nothing is lost.
  if (draining_) return;
  draining_ = true;
  std::weak_ptr<char> alive = alive_;
  int handled = 0;
  while (!alive.expired() && bound()) {
    try {
      if ((router_.get(zmq::sockopt::events) & ZMQ_POLLIN) == 0) break;
      if (handled == budget) {
        drain_timer_.Start(0);
        break;
      }
      zmq::message_t frames[kKeptFrames];
      size_t total = 0;
      bool more = true;
      while (more) {
        zmq::message_t part;
        if (!RetryOnEintr([&] { return router_.recv(part, zmq::recv_flags::dontwait); })) {
          break;  // not for a ready message
        }
        more = part.more();
        if (total < kKeptFrames) frames[total] = std::move(part);
        ++total;
      }
      if (total == 0) break;
      ++handled;
      trimmer_.Note();
      HandleMessage(frames, std::min(total, kKeptFrames), total);
    } catch (const zmq::error_t& e) {
      LOG_ERROR("control socket receive failed: %s", e.what());
      break;
    } catch (const std::exception& e) {
      // Not from a command (HandleBody catches those): e.g. bad_alloc while
      // framing. The message is lost; the receive loop goes on.
      LOG_ERROR("internal error handling a control message: %s", e.what());
    }
  }
  // `this` may be gone only if a handler destroyed the controller; then the
  // members must not be touched.
  if (!alive.expired()) draining_ = false;
}

void ZmqController::HandleMessage(zmq::message_t* frames, size_t kept, size_t total) {
  Route route;
  route.identity = frames[0].to_string();
  const size_t after = total - 1;  // frames after the routing id
  if (after == 1) {
    HandleBody(route, frames[1].to_string_view());
    return;
  }
  if (after == 2 && frames[1].size() == 0) {
    route.envelope = true;
    HandleBody(route, frames[2].to_string_view());
    return;
  }
  route.envelope = kept > 1 && frames[1].size() == 0;
  const size_t n = route.envelope ? after - 1 : after;
  LOG_DEBUG("rejected message with %zu frames", total);
  SendReply(route, ErrorReply(nullptr, Errno::kInvalidJson,
                              "invalid message: expected one frame, got " + std::to_string(n)));
}

void ZmqController::HandleBody(const Route& route, std::string_view body) {
  std::variant<Request, ProtocolError> parsed;
  try {
    parsed = ParseRequest(body);
  } catch (const std::exception& e) {
    LOG_ERROR("internal error parsing a request: %s", e.what());
    SendReply(route, ErrorReply(nullptr, Errno::kCommandError,
                                std::string("internal error: ") + e.what()));
    return;
  }
  if (auto* err = std::get_if<ProtocolError>(&parsed)) {
    if (!err->detail.empty()) LOG_INFO("invalid JSON in a request: %s", err->detail.c_str());
    if (err->cast) {
      // Only a body that parsed as an object can be a cast.
      LOG_WARN("invalid cast (command %s) ignored: %s", CommandForLog(body).c_str(),
               err->reason.c_str());
      return;
    }
    LOG_DEBUG("request rejected (errno %d): %s", static_cast<int>(err->err), err->reason.c_str());
    SendReply(route, ErrorReply(err->id, err->err, err->reason));
    return;
  }
  const Request& request = std::get<Request>(parsed);
  auto pending =
      std::make_shared<PendingReply>(this, route, request.id, request.command, request.cast);
  std::weak_ptr<char> alive = alive_;
  const char* what = nullptr;
  std::string what_text;
  try {
    current_peer_ = HandoverReply{route.identity, route.envelope, request.id.dump()};
    dispatcher_.Dispatch(request,
                         [pending](const Reply& reply) { pending->Respond(reply); });
    current_peer_.reset();
  } catch (const std::exception& e) {
    what_text = e.what();
    what = what_text.c_str();
  } catch (...) {
    what = "unknown exception";
  }
  current_peer_.reset();
  if (what == nullptr || alive.expired()) return;
  LOG_ERROR("internal error in command '%s': %s; request id %s properties %s",
            request.command.c_str(), what, DumpForLog(request.id).c_str(),
            DumpForLog(request.properties).c_str());
  if (!pending->done()) {
    pending->Respond(
        ErrorReply(request.id, Errno::kCommandError, std::string("internal error: ") + what));
  }
}

void ZmqController::SendReply(const Route& route, const nlohmann::json& reply) {
  std::string body;
  try {
    body = SerializeReply(reply);
  } catch (const std::exception& e) {
    // e.g. a string that is not UTF-8 in the reply: the client still gets one.
    LOG_ERROR("cannot serialize reply %s: %s", DumpForLog(reply).c_str(), e.what());
    nlohmann::json id = reply.is_object() ? reply.value("id", nlohmann::json()) : nlohmann::json();
    body = ErrorReply(id, Errno::kCommandError,
                      std::string("internal error: cannot serialize reply: ") + e.what())
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  SendRaw(route, body);
}

void ZmqController::SendRaw(const Route& route, const std::string& body) {
  if (!bound()) return;  // closed: the reply is dropped
  try {
    const auto more = zmq::send_flags::sndmore | zmq::send_flags::dontwait;
    // Without ROUTER_MANDATORY these never fail for an unknown or slow peer.
    RetryOnEintr([&] { return router_.send(zmq::buffer(route.identity), more); });
    if (route.envelope) RetryOnEintr([&] { return router_.send(zmq::message_t(), more); });
    RetryOnEintr([&] { return router_.send(zmq::buffer(body), zmq::send_flags::dontwait); });
  } catch (const zmq::error_t& e) {
    LOG_WARN("cannot send reply: %s", e.what());
  }
  // The send may have consumed the ZMQ_FD edge for input that arrived since the
  // last drain. Inside Drain() its loop re-checks ZMQ_EVENTS; elsewhere (a
  // `waiting` reply from a timer or child exit) drain on the next iteration
  // rather than re-entering the dispatcher from inside a command.
  if (!draining_ && !drain_timer_.pending()) drain_timer_.Start(0);
}

void ZmqController::Publish(const std::string& watcher, const std::string& event,
                            const nlohmann::json& body) {
  if (pub_.handle() == nullptr) return;
  std::string topic = "watcher." + ResName(watcher) + "." + event;
  std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  try {
    RetryOnEintr([&] {
      return pub_.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    });
    RetryOnEintr([&] { return pub_.send(zmq::buffer(text), zmq::send_flags::dontwait); });
  } catch (const zmq::error_t& e) {
    LOG_WARN("cannot publish %s: %s", topic.c_str(), e.what());
  }
}

void ZmqController::CloseSockets(int linger_ms) {
  alive_.reset();  // responders still held by commands become no-ops
  watch_.reset();
  guard_watch_.reset();
  guard_timer_.Cancel();
  drain_timer_.Cancel();
  for (zmq::socket_t* s : {&router_, &pub_}) {
    if (s->handle() == nullptr) continue;
    try {
      s->set(zmq::sockopt::linger, linger_ms);
    } catch (const zmq::error_t&) {
      // Closing proceeds with the linger already set (0).
    }
    s->close();
  }
  // zmq_ctx_term: returns once every socket's pending messages are written or
  // their linger expired.
  ctx_.close();
}

void ZmqController::Close() { CloseSockets(0); }

void ZmqController::FlushAndClose(int linger_ms) { CloseSockets(linger_ms); }

}  // namespace ringmaster
