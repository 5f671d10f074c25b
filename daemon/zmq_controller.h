// The ZeroMQ side of the control protocol (docs/protocol.md §1, §8): a
// ROUTER that frames requests and hands them to the Dispatcher, and a PUB that
// carries events. Owns its zmq context. Loop thread only; never throws.
//
// Edge-triggered ZMQ_FD: every wake-up drains while ZMQ_EVENTS has POLLIN, and
// a send made outside a drain schedules one on the next loop iteration (a send
// can consume the fd's edge). Each message is handled to the end (reply sent
// or responder kept) before the next is read, and gets exactly one reply
// except well-formed casts.
#ifndef RINGMASTER_DAEMON_ZMQ_CONTROLLER_H_
#define RINGMASTER_DAEMON_ZMQ_CONTROLLER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "core/handover_state.h"
#include "core/status.h"
#include "daemon/dispatcher.h"
#include "daemon/event_loop.h"
#include "daemon/event_sink.h"
#include "daemon/memory_trim.h"

namespace ringmaster {

// Everything an ipc:// bind needs from the filesystem before libzmq (which
// would unlink a live daemon's socket) gets the path: the default RUNDIR made
// private, a stale socket file claimed. Other schemes: nothing to do.
Status PrepareIpcEndpoint(const std::string& endpoint);

class ZmqController : public EventSink {
 public:
  static constexpr int64_t kMaxMessageBytes = 16 << 20;  // ROUTER ZMQ_MAXMSGSIZE
  static constexpr int kFlushLingerMs = 1000;
  // Per-peer queue bounds (ZMQ_SNDHWM/RCVHWM, pinned rather than left to the
  // libzmq default). A client that never reads holds at most kReplyHwm
  // replies in the daemon; further replies to it are dropped (ROUTER without
  // ROUTER_MANDATORY drops a message for a peer at its HWM, and never blocks
  // or fails the send), which only that client can notice. Requests beyond
  // kRequestHwm wait in the sender (back-pressure). A subscriber that does
  // not read loses events past kEventHwm (PUB drops).
  static constexpr int kReplyHwm = 1000;
  static constexpr int kRequestHwm = 1000;
  static constexpr int kEventHwm = 1000;

  // `loop` and `dispatcher` must outlive this object.
  ZmqController(EventLoop& loop, Dispatcher& dispatcher);
  ~ZmqController() override;  // Close()
  ZmqController(const ZmqController&) = delete;
  ZmqController& operator=(const ZmqController&) = delete;

  // Binds the ROUTER on `endpoint` and the PUB on `pubsub_endpoint` (empty:
  // the defaults of core/endpoints.h) and starts watching the ROUTER. For
  // ipc:// endpoints in the default RUNDIR the dir must pass EnsurePrivateDir;
  // a stale socket file is removed only if nobody listens on it. A tcp://
  // control endpoint is bound with a warning. Call once. On failure the
  // controller is closed and nothing stays bound: "cannot bind control
  // endpoint E: <reason>" (or "pubsub endpoint").
  Status Bind(const std::string& endpoint, const std::string& pubsub_endpoint);

  // EventSink: [topic "watcher.<res_name>.<event>", body] on the PUB, never
  // blocking (dropped at the high-water mark, or once closed).
  void Publish(const std::string& watcher, const std::string& event,
               const nlohmann::json& body) override;

  // Closes both sockets at once (linger 0: unsent messages are dropped) and
  // terminates the context. Idempotent. Responders still held by commands
  // become no-ops.
  void Close();
  // For quit, after its final reply was handed to a responder: reads nothing
  // more, closes the sockets with ZMQ_LINGER = linger_ms so messages already
  // queued (the quit reply, the last events) are written, then terminates the
  // context, which blocks the caller until they are written or linger_ms
  // passes.
  void FlushAndClose(int linger_ms = kFlushLingerMs);

  bool bound() const { return router_.handle() != nullptr; }

  // In-place upgrade (zmq_controller_handover.cc). The client of the request
  // being dispatched right now, if it came over ZeroMQ: `upgrade` hands it to
  // the next image, which answers it there.
  std::optional<HandoverReply> CurrentPeer() const { return current_peer_; }
  // The next image's side: sends the reply `body` to `peer` as soon as it has
  // reconnected (ZMQ_ROUTER_MANDATORY says whether its routing id is known
  // yet), trying every 10 ms for `timeout_s`; `done(delivered)` then.
  void SendWhenConnected(const HandoverReply& peer, std::string body, double timeout_s,
                         std::function<void(bool)> done);

 private:
  struct Route;
  class PendingReply;

  void OnReadable();
  // Handles up to `budget` requests (0: the default per-drain cap).
  void Drain(int budget = 0);
  void OnGuardReadable();
  void OnGuardTimer();
  void RearmGuard();  // the control drain ran: the guard watches again
  void HandleMessage(zmq::message_t* frames, size_t kept, size_t total);
  void HandleBody(const Route& route, std::string_view body);
  void SendReply(const Route& route, const nlohmann::json& reply);
  void SendRaw(const Route& route, const std::string& body);
  void CloseSockets(int linger_ms);

  struct Deferred {
    HandoverReply peer;
    std::string body;
    double deadline;  // monotonic s
    std::function<void(bool)> done;
  };
  void RetryDeferred();
  bool TrySendNow(const Deferred& d);

  EventLoop& loop_;
  Dispatcher& dispatcher_;
  std::optional<HandoverReply> current_peer_;
  std::vector<Deferred> deferred_;
  std::unique_ptr<Timer> deferred_timer_;
  zmq::context_t ctx_;
  zmq::socket_t router_;
  zmq::socket_t pub_;
  std::unique_ptr<FdWatch> watch_;
  Timer drain_timer_;  // a drain owed after a send made outside Drain()
  // Starvation guard: control runs below supervision, so a storm that keeps
  // the higher priorities busy for good would leave requests unanswered. A
  // second watch of the socket at supervision priority notices pending
  // requests; if the control-priority drain has not run kStarvedSeconds
  // later, the guard answers one request, then one more every
  // kGuardPeriod while the starvation lasts. Idle, it costs nothing.
  std::unique_ptr<FdWatch> guard_watch_;
  Timer guard_timer_;
  uint64_t drains_ = 0;      // control-priority drains so far
  uint64_t guard_seen_ = 0;  // drains_ when the guard timer was armed
  uint64_t guarded_ = 0;     // requests the guard answered
  MemoryTrimmer trimmer_;  // RSS back down after a burst of requests
  bool draining_ = false;
  // Responders hold a weak_ptr to this: once it is gone (Close/destruction)
  // late replies are dropped instead of touching a dead controller.
  std::shared_ptr<char> alive_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_ZMQ_CONTROLLER_H_
