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

// Upper bound of one poll slice, so Ctrl-C is noticed promptly even if the
// signal lands between the flag check and zmq_poll.
constexpr auto kPollSlice = std::chrono::milliseconds(100);

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

// Waits for `events` on `sock` until `deadline`; false on timeout or interrupt.
bool PollUntil(zmq::socket_t& sock, short events, Clock::time_point deadline, bool* interrupted) {
  while (true) {
    if (Interrupted()) {
      *interrupted = true;
      return false;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    zmq::pollitem_t item = {sock.handle(), 0, events, 0};
    try {
      if (zmq::poll(&item, 1, std::min(left, kPollSlice)) > 0 && (item.revents & events)) {
        return true;
      }
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
    }
  }
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
};

Client::Client(std::string endpoint) : endpoint_(std::move(endpoint)) {}

Client::~Client() = default;

CallResult Client::Call(const std::string& command, const nlohmann::json& properties,
                        double timeout_s) {
  CallResult result;
  if (std::string missing = MissingIpcSocket(endpoint_); !missing.empty()) {
    result.error = CallError::kUnreachable;
    result.detail = missing;
    return result;
  }
  try {
    if (!impl_) {
      auto impl = std::make_unique<Impl>();
      impl->socket.set(zmq::sockopt::linger, 0);
      const std::string identity = RandomHexId();
      impl->socket.set(zmq::sockopt::routing_id, zmq::buffer(identity));
      // Queue nothing until a connection exists, so "can we send?" answers
      // "is anyone listening?".
      impl->socket.set(zmq::sockopt::immediate, 1);
      impl->socket.connect(endpoint_);
      impl_ = std::move(impl);
    }
    zmq::socket_t& sock = impl_->socket;
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(timeout_s));
    const auto connect_deadline =
        start + std::chrono::duration_cast<Clock::duration>(
                    std::chrono::duration<double>(std::min(timeout_s, kConnectTimeout)));
    bool interrupted = false;
    if (!PollUntil(sock, ZMQ_POLLOUT, connect_deadline, &interrupted)) {
      result.error = interrupted ? CallError::kInterrupted : CallError::kUnreachable;
      result.detail = interrupted ? "interrupted"
                                  : "no connection within " +
                                        FormatSeconds(std::min(timeout_s, kConnectTimeout)) + " s";
      return result;
    }
    const std::string id = RandomHexId();
    nlohmann::json request = {{"id", id}, {"command", command}, {"properties", properties}};
    const std::string body = request.dump();
    if (!sock.send(zmq::buffer(body), zmq::send_flags::dontwait)) {
      result.error = CallError::kUnreachable;
      result.detail = "the connection went away before the request was sent";
      return result;
    }
    while (PollUntil(sock, ZMQ_POLLIN, deadline, &interrupted)) {
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
        result.error = CallError::kBadReply;
        result.detail = "the reply is not a JSON object: " + frame.substr(0, 200);
        return result;
      }
      if (!reply.contains("id") || reply["id"] != id) continue;  // a stale reply
      result.reply = std::move(reply);
      return result;
    }
    result.error = interrupted ? CallError::kInterrupted : CallError::kTimeout;
    result.detail = interrupted ? "interrupted" : "no reply";
  } catch (const zmq::error_t& e) {
    result.error = CallError::kUnreachable;
    result.detail = e.what();
  }
  return result;
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
