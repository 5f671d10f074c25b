// The control-channel client: a ZeroMQ DEALER that sends one JSON request and
// waits for the reply with the same id (docs/protocol.md §1-§2), the way
// circusctl does. One Client per thread; it keeps its socket, so a late reply
// to an abandoned request is skipped by id on the next call.
#ifndef RINGMASTER_CTL_CLIENT_H_
#define RINGMASTER_CTL_CLIENT_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace ringmaster {

enum class CallError {
  kNone,
  kUnreachable,  // the endpoint does not accept connections
  kTimeout,      // connected, but no reply before the deadline
  kInterrupted,  // SIGINT/SIGTERM while waiting (see ctl/interrupt.h)
  kBadReply,     // the reply is not a JSON object
};

struct CallResult {
  CallError error = CallError::kNone;
  std::string detail;    // for errors: what went wrong, for the user
  nlohmann::json reply;  // the reply object when error == kNone
};

// A 32-hex-digit random token, as Circus uses for identities and ids.
std::string RandomHexId();

class Client {
 public:
  explicit Client(std::string endpoint);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const std::string& endpoint() const { return endpoint_; }

  // Sends {"id", "command", "properties"} and waits up to `timeout_s` for the
  // matching reply. Never throws.
  CallResult Call(const std::string& command, const nlohmann::json& properties, double timeout_s);

 private:
  struct Impl;
  std::string endpoint_;
  std::unique_ptr<Impl> impl_;
};

// "ringctl: no reply from E within S s; is ringmasterd running?" and friends.
std::string DescribeCallError(const CallResult& result, const std::string& endpoint,
                              double timeout_s);

}  // namespace ringmaster

#endif  // RINGMASTER_CTL_CLIENT_H_
