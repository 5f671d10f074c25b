#include "ctl/listen.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <zmq.hpp>

#include "core/endpoints.h"
#include "ctl/interrupt.h"

namespace ringmaster {
namespace {

// Asking the daemon for its pubsub_endpoint is a convenience; it must not
// hold up `listen` for an hour because --wait raised the timeout.
constexpr double kAskTimeout = 5.0;

}  // namespace

std::string ConnectableEndpoint(const std::string& bound) {
  constexpr std::string_view kTcp = "tcp://";
  if (bound.rfind(kTcp, 0) != 0) return bound;
  std::string rest = bound.substr(kTcp.size());
  for (std::string_view wildcard : {"*:", "0.0.0.0:"}) {
    if (rest.rfind(wildcard, 0) == 0) return "tcp://127.0.0.1:" + rest.substr(wildcard.size());
  }
  if (rest.rfind("[::]:", 0) == 0) return "tcp://[::1]:" + rest.substr(5);
  return bound;
}

std::string ResolvePubsubEndpoint(const GlobalOptions& globals, Client& client) {
  if (!globals.pubsub_endpoint.empty()) return globals.pubsub_endpoint;
  CallResult r = client.Call("globaloptions", {{"option", "pubsub_endpoint"}},
                             std::min(globals.EffectiveTimeout(), kAskTimeout));
  if (r.error == CallError::kNone && r.reply.value("status", nlohmann::json()) != "error") {
    const nlohmann::json options = r.reply.value("options", nlohmann::json::object());
    if (options.is_object() && options.contains("pubsub_endpoint") &&
        options["pubsub_endpoint"].is_string()) {
      return ConnectableEndpoint(options["pubsub_endpoint"].get<std::string>());
    }
  }
  const std::string fallback = DefaultPubsubEndpoint();
  std::cerr << "ringctl: could not ask " << client.endpoint()
            << " for its pubsub_endpoint; listening on " << fallback << "\n";
  return fallback;
}

int RunListen(const std::string& topic, const GlobalOptions& globals, Client& client) {
  InstallInterruptHandlers();
  const std::string endpoint = ResolvePubsubEndpoint(globals, client);
  if (Interrupted()) return kExitOk;
  try {
    zmq::context_t context(1);
    zmq::socket_t sub(context, zmq::socket_type::sub);
    sub.set(zmq::sockopt::linger, 0);
    sub.set(zmq::sockopt::subscribe, topic);
    sub.connect(endpoint);
    while (!Interrupted()) {
      zmq::pollitem_t item = {sub.handle(), 0, ZMQ_POLLIN, 0};
      try {
        // Short slices: a signal landing just before zmq_poll is seen soon.
        if (zmq::poll(&item, 1, std::chrono::milliseconds(200)) <= 0) continue;
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;
        throw;
      }
      // Drain everything queued before polling again.
      while (true) {
        zmq::message_t frame;
        if (!sub.recv(frame, zmq::recv_flags::dontwait)) break;
        std::string line = frame.to_string();
        while (frame.more()) {
          if (!sub.recv(frame, zmq::recv_flags::none)) break;
          line += ' ';
          line += frame.to_string();
        }
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);  // a pipe reader (grep, tests) sees events as they happen
      }
    }
  } catch (const zmq::error_t& e) {
    std::cerr << "ringctl: cannot listen on " << endpoint << ": " << e.what() << "\n";
    return kExitUnreachable;
  }
  return kExitOk;
}

}  // namespace ringmaster
