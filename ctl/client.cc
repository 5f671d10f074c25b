#include "ctl/client.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <zmq.hpp>

#include "core/endpoints.h"
#include "ctl/interrupt.h"

namespace ringmaster {
namespace {

using Clock = std::chrono::steady_clock;

// A live daemon completes the ZMTP handshake in its I/O thread within
// milliseconds whatever its event loop is doing, so waiting longer than this
// for a connection only delays the "is ringmasterd running?" answer, even
// when the reply deadline itself is an hour (--wait).
constexpr double kConnectTimeout = 5.0;

// Upper bound of one poll slice: Ctrl-C interrupts zmq_poll at once, except
// when it lands between the flag check and the poll.
constexpr auto kPollSlice = std::chrono::milliseconds(250);

std::string FormatSeconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", s);
  return buf;
}

// For ipc:// a missing socket file means no daemon: say so at once instead
// of waiting for the connect timeout.
std::string MissingIpcSocket(const std::string& endpoint) {
  const std::string path = IpcPath(endpoint);
  if (path.empty()) return "";
  struct stat st;
  if (stat(path.c_str(), &st) == 0) return "";
  return "no socket at " + path + " (" + std::strerror(errno) + ")";
}

enum class Wait { kReady, kTimeout, kInterrupted, kDisconnected };

// True if the monitor reported that the connection to the daemon closed.
// Other events (connect retries, handshakes) are drained and ignored.
bool DrainMonitor(zmq::socket_t& monitor) {
  bool disconnected = false;
  zmq::message_t frame;
  while (monitor.recv(frame, zmq::recv_flags::dontwait)) {
    // Frame 1: uint16 event + uint32 value; frame 2: the endpoint.
    if (frame.size() >= 2) {
      uint16_t event = 0;
      std::memcpy(&event, frame.data(), sizeof(event));
      disconnected |= event == ZMQ_EVENT_DISCONNECTED;
    }
    while (frame.more() && monitor.recv(frame, zmq::recv_flags::dontwait)) {
    }
  }
  return disconnected;
}

}  // namespace

std::string RandomHexId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

struct Client::Impl {
  zmq::context_t context{1};
  zmq::socket_t socket{context, zmq::socket_type::dealer};
  // Connection events of `socket`: a daemon that exits or crashes while we
  // wait (possibly an hour, with --wait) must end the wait at once.
  zmq::socket_t monitor{context, zmq::socket_type::pair};

  explicit Impl(const std::string& endpoint) {
    socket.set(zmq::sockopt::linger, 0);
    const std::string identity = RandomHexId();  // 32 hex digits, as Circus clients use
    socket.set(zmq::sockopt::routing_id, zmq::buffer(identity));
    // Queue nothing until a connection exists, so "can we send?" answers
    // "is anyone listening?".
    socket.set(zmq::sockopt::immediate, 1);
    const std::string monitor_endpoint = "inproc://ringctl-monitor-" + identity;
    if (zmq_socket_monitor(socket.handle(), monitor_endpoint.c_str(), ZMQ_EVENT_DISCONNECTED) !=
        0) {
      throw zmq::error_t();
    }
    monitor.set(zmq::sockopt::linger, 0);
    monitor.connect(monitor_endpoint);
    socket.connect(endpoint);
  }

  // Waits for `events` on the DEALER until `deadline`; with `watch_link`, a
  // disconnection ends the wait (after a last look for an already queued
  // reply, which the daemon may have sent just before closing).
  Wait PollUntil(short events, Clock::time_point deadline, bool watch_link) {
    while (true) {
      if (Interrupted()) return Wait::kInterrupted;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return Wait::kTimeout;
      zmq::pollitem_t items[] = {{socket.handle(), 0, events, 0},
                                 {monitor.handle(), 0, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, 2, std::min(left, kPollSlice));
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) throw;
        continue;
      }
      if (items[0].revents & events) return Wait::kReady;
      if ((items[1].revents & ZMQ_POLLIN) && DrainMonitor(monitor) && watch_link) {
        zmq::pollitem_t last = {socket.handle(), 0, events, 0};
        return zmq::poll(&last, 1, std::chrono::milliseconds(0)) > 0 ? Wait::kReady
                                                                     : Wait::kDisconnected;
      }
    }
  }
};

Client::Client(std::string endpoint) : endpoint_(std::move(endpoint)) {}

Client::~Client() = default;

CallResult Client::Call(const std::string& command, const nlohmann::json& properties,
                        double timeout_s) {
  CallResult result;
  auto fail = [&result](CallError error, std::string detail) {
    result.error = error;
    result.detail = std::move(detail);
    return result;
  };
  if (std::string missing = MissingIpcSocket(endpoint_); !missing.empty()) {
    return fail(CallError::kUnreachable, missing);
  }
  try {
    if (!impl_) impl_ = std::make_unique<Impl>(endpoint_);
    const auto start = Clock::now();
    auto after = [start](double s) {
      return start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
    };
    const double connect_timeout = std::min(timeout_s, kConnectTimeout);
    switch (impl_->PollUntil(ZMQ_POLLOUT, after(connect_timeout), false)) {
      case Wait::kReady:
        break;
      case Wait::kInterrupted:
        return fail(CallError::kInterrupted, "interrupted");
      default:
        return fail(CallError::kUnreachable,
                    "no connection within " + FormatSeconds(connect_timeout) + " s");
    }
    // Disconnections of earlier connections (the shell outlives daemon
    // restarts) say nothing about the one we are about to use.
    DrainMonitor(impl_->monitor);

    zmq::socket_t& sock = impl_->socket;
    const std::string id = RandomHexId();
    const nlohmann::json request = {{"id", id}, {"command", command}, {"properties", properties}};
    const std::string body = request.dump();
    if (!sock.send(zmq::buffer(body), zmq::send_flags::dontwait)) {
      return fail(CallError::kUnreachable, "the connection went away before the request was sent");
    }
    // `upgrade` closes the connection by design (the daemon re-execs); the
    // reply comes from the new image once this DEALER has reconnected.
    const bool watch_link = command != "upgrade";
    while (true) {
      switch (impl_->PollUntil(ZMQ_POLLIN, after(timeout_s), watch_link)) {
        case Wait::kReady:
          break;
        case Wait::kTimeout:
          return fail(CallError::kTimeout, "no reply");
        case Wait::kInterrupted:
          return fail(CallError::kInterrupted, "interrupted");
        case Wait::kDisconnected:
          return fail(CallError::kUnreachable, "the connection closed before the reply came");
      }
      // A reply is one frame; keep the last frame so a stray empty delimiter
      // cannot hide it.
      std::string frame;
      zmq::message_t msg;
      do {
        if (!sock.recv(msg, zmq::recv_flags::dontwait)) break;
        frame = msg.to_string();
      } while (msg.more());
      nlohmann::json reply = nlohmann::json::parse(frame, nullptr, false);
      if (!reply.is_object()) {
        return fail(CallError::kBadReply,
                    "the reply is not a JSON object: " + frame.substr(0, 200));
      }
      if (!reply.contains("id") || reply["id"] != id) continue;  // a stale reply
      result.reply = std::move(reply);
      return result;
    }
  } catch (const zmq::error_t& e) {
    impl_.reset();  // start afresh on the next call
    return fail(CallError::kUnreachable, e.what());
  }
}

std::string DescribeCallError(const CallResult& result, const std::string& endpoint,
                              double timeout_s) {
  switch (result.error) {
    case CallError::kNone:
      return "";
    case CallError::kTimeout:
      return "ringctl: no reply from " + endpoint + " within " + FormatSeconds(timeout_s) +
             " s; is ringmasterd running?";
    case CallError::kUnreachable:
      return "ringctl: cannot reach " + endpoint + ": " + result.detail +
             "; is ringmasterd running? (start it, or pass --endpoint / set RINGMASTER_ENDPOINT)";
    case CallError::kInterrupted:
      return "ringctl: interrupted while waiting for " + endpoint;
    case CallError::kBadReply:
      return "ringctl: bad reply from " + endpoint + ": " + result.detail;
  }
  return "";
}

}  // namespace ringmaster
