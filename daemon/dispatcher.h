// The seam between transports (ZeroMQ now, HTTP later) and the command table:
// a transport parses a request (core/protocol.h) and hands it to Dispatch with
// a Responder; the command calls the Responder exactly once, now or later
// (`waiting`), unless the request is a cast. Loop thread only.
#ifndef RINGMASTER_DAEMON_DISPATCHER_H_
#define RINGMASTER_DAEMON_DISPATCHER_H_

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/protocol.h"

namespace ringmaster {

// A command's complete reply (OkReply/ErrorReply, or a `status` reply): a
// JSON object, or the same object already serialised. A large reply (`stats`
// of 1,000 processes is ~300 KB) is rendered off the loop thread, so the loop
// only sends its bytes. A Reply made from an object refers to it: it is valid
// for the Responder call only.
class Reply {
 public:
  Reply(const nlohmann::json& object) : object_(&object) {}  // NOLINT: implicit by design
  explicit Reply(std::shared_ptr<const std::string> text) : text_(std::move(text)) {}

  // The serialised reply, or nullptr when it came as an object.
  const std::shared_ptr<const std::string>& text() const { return text_; }
  // The object the Reply was made from, or nullptr when it came serialised.
  const nlohmann::json* object_or_null() const { return object_; }
  // The reply as an object (parsed from the text when it came serialised;
  // a text that is not JSON gives a discarded value).
  nlohmann::json object() const {
    if (object_ != nullptr) return *object_;
    return nlohmann::json::parse(*text_, nullptr, /*allow_exceptions=*/false);
  }

 private:
  const nlohmann::json* object_ = nullptr;
  std::shared_ptr<const std::string> text_;
};

using Responder = std::function<void(const Reply& reply)>;

class Dispatcher {
 public:
  virtual ~Dispatcher() = default;
  virtual void Dispatch(const Request& request, Responder respond) = 0;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_DISPATCHER_H_
