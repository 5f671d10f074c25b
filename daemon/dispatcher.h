// The seam between transports (ZeroMQ now, HTTP later) and the command table:
// a transport parses a request (core/protocol.h) and hands it to Dispatch with
// a Responder; the command calls the Responder exactly once, now or later
// (`waiting`), unless the request is a cast. Loop thread only.
#ifndef RINGMASTER_DAEMON_DISPATCHER_H_
#define RINGMASTER_DAEMON_DISPATCHER_H_

#include <functional>

#include <nlohmann/json.hpp>

#include "core/protocol.h"

namespace ringmaster {

// Receives the complete reply object (OkReply/ErrorReply, or a `status` reply).
using Responder = std::function<void(const nlohmann::json& reply)>;

class Dispatcher {
 public:
  virtual ~Dispatcher() = default;
  virtual void Dispatch(const Request& request, Responder respond) = 0;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_DISPATCHER_H_
