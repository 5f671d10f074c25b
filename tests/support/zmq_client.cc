#include "tests/support/zmq_client.h"

#include <chrono>

namespace ringmaster::test {
namespace {

using Clock = std::chrono::steady_clock;

long RemainingMs(Clock::time_point end) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
  return left < 0 ? 0 : static_cast<long>(left);
}

Clock::time_point Deadline(double seconds) {
  return Clock::now() + std::chrono::milliseconds(static_cast<long>(seconds * 1000));
}

std::optional<std::vector<std::string>> RecvMultipart(zmq::socket_t& s, Clock::time_point end) {
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  for (;;) {
    long left = RemainingMs(end);
    zmq::poll(&item, 1, std::chrono::milliseconds(left));
    if (item.revents & ZMQ_POLLIN) break;
    if (left == 0) return std::nullopt;
  }
  std::vector<std::string> frames;
  for (;;) {
    zmq::message_t msg;
    if (!s.recv(msg, zmq::recv_flags::dontwait)) break;
    frames.push_back(msg.to_string());
    if (!msg.more()) break;
  }
  return frames;
}

}  // namespace

ControlClient::ControlClient(const std::string& endpoint, int socket_type)
    : sock_(ctx_, socket_type) {
  sock_.set(zmq::sockopt::linger, 0);
  sock_.connect(endpoint);
}

std::string ControlClient::NextId() { return "t" + std::to_string(++counter_); }

void ControlClient::SendFrames(const std::vector<std::string>& frames) {
  for (size_t i = 0; i < frames.size(); ++i) {
    zmq::message_t msg(frames[i].data(), frames[i].size());
    sock_.send(msg, i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

std::optional<std::vector<std::string>> ControlClient::RecvFrames(double deadline) {
  return RecvMultipart(sock_, Deadline(deadline));
}

std::optional<nlohmann::json> ControlClient::Recv(double deadline) {
  auto frames = RecvFrames(deadline);
  if (!frames || frames->empty()) return std::nullopt;
  return nlohmann::json::parse(frames->back(), nullptr, false);
}

std::optional<nlohmann::json> ControlClient::Call(const std::string& command,
                                                  const nlohmann::json& props, double deadline) {
  std::string id = NextId();
  // A `{}` argument arrives as null: send an empty object.
  nlohmann::json req = {{"id", id},
                        {"command", command},
                        {"properties", props.is_null() ? nlohmann::json::object() : props}};
  SendFrames({req.dump()});
  auto end = Deadline(deadline);
  for (;;) {
    auto frames = RecvMultipart(sock_, end);
    if (!frames) return std::nullopt;
    auto reply = nlohmann::json::parse(frames->back(), nullptr, false);
    if (reply.is_object() && reply.value("id", nlohmann::json()) == id) return reply;
  }
}

EventSubscriber::EventSubscriber(const std::string& endpoint, const std::string& prefix)
    : sock_(ctx_, ZMQ_SUB) {
  sock_.set(zmq::sockopt::linger, 0);
  sock_.set(zmq::sockopt::subscribe, prefix);
  sock_.connect(endpoint);
}

std::optional<std::pair<std::string, nlohmann::json>> EventSubscriber::Next(double deadline) {
  auto frames = RecvMultipart(sock_, Deadline(deadline));
  if (!frames || frames->size() != 2) return std::nullopt;
  return std::make_pair((*frames)[0], nlohmann::json::parse((*frames)[1], nullptr, false));
}

std::optional<std::vector<std::string>> EventSubscriber::WaitFor(const std::string& topic,
                                                                 double deadline) {
  auto end = Deadline(deadline);
  std::vector<std::string> seen;
  for (;;) {
    auto frames = RecvMultipart(sock_, end);
    if (!frames) return std::nullopt;
    if (frames->empty()) continue;
    seen.push_back((*frames)[0]);
    if ((*frames)[0] == topic) return seen;
  }
}

}  // namespace ringmaster::test
