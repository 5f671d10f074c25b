// The controller's part in an in-place upgrade: the ZeroMQ sockets cannot
// cross exec, so the next image binds the same endpoints again and answers
// the `upgrade` request on the client's reconnected DEALER (ringctl sets its
// routing id, and libzmq reconnects on its own).
#include <cerrno>

#include "daemon/log.h"
#include "daemon/zmq_controller.h"

namespace ringmaster {

void ZmqController::SendWhenConnected(const HandoverReply& peer, std::string body,
                                      double timeout_s, std::function<void(bool)> done) {
  Deferred d{peer, std::move(body), loop_.MonotonicNow() + timeout_s, std::move(done)};
  if (TrySendNow(d)) {
    if (d.done) d.done(true);
    return;
  }
  deferred_.push_back(std::move(d));
  if (!deferred_timer_) {
    deferred_timer_ = std::make_unique<Timer>(loop_, [this] { RetryDeferred(); }, Priority::kControl);
  }
  if (!deferred_timer_->pending()) deferred_timer_->Start(0.01);
}

bool ZmqController::TrySendNow(const Deferred& d) {
  if (!bound()) return false;
  bool sent = false;
  try {
    // Mandatory only for this send: a reply to an unknown peer fails with
    // EHOSTUNREACH instead of vanishing; every other send keeps dropping.
    router_.set(zmq::sockopt::router_mandatory, 1);
    const auto more = zmq::send_flags::sndmore | zmq::send_flags::dontwait;
    if (router_.send(zmq::buffer(d.peer.identity), more)) {
      if (d.peer.envelope) router_.send(zmq::message_t(), more);
      router_.send(zmq::buffer(d.body), zmq::send_flags::dontwait);
      sent = true;
    }
  } catch (const zmq::error_t& e) {
    if (e.num() != EHOSTUNREACH && e.num() != EAGAIN) LOG_WARN("cannot send reply: %s", e.what());
  }
  try {
    router_.set(zmq::sockopt::router_mandatory, 0);
  } catch (const zmq::error_t&) {
  }
  if (sent && !draining_ && !drain_timer_.pending()) drain_timer_.Start(0);
  return sent;
}

void ZmqController::RetryDeferred() {
  std::vector<Deferred> left;
  std::vector<std::pair<std::function<void(bool)>, bool>> finished;
  const double now = loop_.MonotonicNow();
  for (Deferred& d : deferred_) {
    if (TrySendNow(d)) {
      finished.emplace_back(std::move(d.done), true);
    } else if (now >= d.deadline || !bound()) {
      LOG_WARN("the reply to request %s was not delivered: its client did not reconnect",
               d.peer.id_json.c_str());
      finished.emplace_back(std::move(d.done), false);
    } else {
      left.push_back(std::move(d));
    }
  }
  deferred_ = std::move(left);
  if (!deferred_.empty()) deferred_timer_->Start(0.01);
  for (auto& [done, ok] : finished) {
    if (done) done(ok);
  }
}

}  // namespace ringmaster
