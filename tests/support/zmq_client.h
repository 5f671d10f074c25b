// Real ZeroMQ peers for e2e tests: a DEALER that sends requests (or raw
// frames) to ringmasterd's ROUTER and waits for replies with a deadline, and a
// SUB that collects events. Test-thread only.
#ifndef RINGMASTER_TESTS_SUPPORT_ZMQ_CLIENT_H_
#define RINGMASTER_TESTS_SUPPORT_ZMQ_CLIENT_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

namespace ringmaster::test {

class ControlClient {
 public:
  explicit ControlClient(const std::string& endpoint, int socket_type = ZMQ_DEALER);

  // Sends {"id": id, "command": command, "properties": props} and returns the
  // reply with that id (others are skipped), or nullopt at the deadline.
  std::optional<nlohmann::json> Call(const std::string& command,
                                     const nlohmann::json& props = nlohmann::json::object(),
                                     double deadline = 10);
  // Sends raw frames (after the routing identity libzmq adds).
  void SendFrames(const std::vector<std::string>& frames);
  // Next message's frames, or nullopt at the deadline.
  std::optional<std::vector<std::string>> RecvFrames(double deadline);
  // Next reply parsed as JSON (last frame), or nullopt.
  std::optional<nlohmann::json> Recv(double deadline);
  std::string NextId();

 private:
  zmq::context_t ctx_;
  zmq::socket_t sock_;
  int counter_ = 0;
};

class EventSubscriber {
 public:
  EventSubscriber(const std::string& endpoint, const std::string& prefix = "watcher.");
  // Next event [topic, body], or nullopt at the deadline.
  std::optional<std::pair<std::string, nlohmann::json>> Next(double deadline);
  // Waits until an event whose topic ends with `suffix` arrives; returns every
  // topic seen up to and including it (empty optional at the deadline).
  std::optional<std::vector<std::string>> WaitFor(const std::string& topic, double deadline);

 private:
  zmq::context_t ctx_;
  zmq::socket_t sock_;
};

}  // namespace ringmaster::test

#endif  // RINGMASTER_TESTS_SUPPORT_ZMQ_CLIENT_H_
