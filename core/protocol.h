// The control protocol's message layer (docs/protocol.md §1.1-§4): parsing a
// request body into a Request or a protocol error, and building replies. Pure:
// no sockets. Any thread.
#ifndef RINGMASTER_CORE_PROTOCOL_H_
#define RINGMASTER_CORE_PROTOCOL_H_

#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace ringmaster {

// Circus errno values (§4.2).
enum class Errno : int {
  kNotSpecified = 0,
  kInvalidJson = 1,
  kUnknownCommand = 2,
  kMessageError = 3,
  kOsError = 4,
  kCommandError = 5,
  kBadMsgData = 6,
};

struct Request {
  nlohmann::json id;          // null when absent; copied verbatim into the reply
  std::string command;        // lowercased ASCII
  nlohmann::json properties;  // always an object
  bool cast = false;          // msg_type == "cast": never replied to

  bool waiting() const;  // properties.waiting == true
};

struct ProtocolError {
  nlohmann::json id;  // the request's id when the body parsed as an object, else null
  Errno err = Errno::kInvalidJson;
  std::string reason;
  bool cast = false;  // a malformed cast: log it, send nothing
  std::string detail;  // parser diagnostics for the log ("json invalid"), else empty
};

constexpr size_t kMaxBodyBytes = 1 << 20;  // §3: 1 MiB
constexpr int kMaxJsonDepth = 64;

// §2 and §3: trims ASCII whitespace, enforces the size and depth limits,
// requires an object with a string `command`, an object `properties` (or
// none), and looks the command up in the command table (unknown: errno 2).
// Property validation against the command's spec is done here too.
std::variant<Request, ProtocolError> ParseRequest(std::string_view body);

// Epoch seconds with sub-millisecond precision.
double WallTime();

// {"status":"ok","time":...,<fields>...,"id":id}
nlohmann::json OkReply(const nlohmann::json& id, const nlohmann::json& fields = nlohmann::json::object());
// {"status":"error","reason":...,"tb":null,"time":...,"errno":n,"id":id}
nlohmann::json ErrorReply(const nlohmann::json& id, Errno err, const std::string& reason);
// Serializes a reply with Circus's key order (status, time, fields..., id).
// A non-empty `raw_key` adds that member, its value `raw_value` already JSON
// text, after the fields (a large part rendered once and reused).
std::string SerializeReply(const nlohmann::json& reply, std::string_view raw_key = {},
                           std::string_view raw_value = {});

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_PROTOCOL_H_
