// The control protocol's decoder: one frame body as the ROUTER socket hands
// it over (docs/protocol.md §2-§3), then the reply built from the parse
// result, serialized and read back: it must be a JSON object carrying the
// same id (and, for a request, the same properties).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ringmaster;
  using nlohmann::json;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::variant<Request, ProtocolError> parsed = ParseRequest(body);

  json reply;
  const json* id;
  const json* properties = nullptr;
  if (auto* req = std::get_if<Request>(&parsed)) {
    (void)req->waiting();
    reply = OkReply(req->id, {{"command", req->command}, {"properties", req->properties}});
    id = &req->id;
    properties = &req->properties;
  } else {
    auto& err = std::get<ProtocolError>(parsed);
    reply = ErrorReply(err.id, err.err, err.reason);
    id = &err.id;
  }
  std::string text = SerializeReply(reply, "raw", "[1,2]");
  json back = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!back.is_object() || back["id"] != *id || back["raw"] != json::array({1, 2})) {
    __builtin_trap();
  }
  if (properties != nullptr && back["properties"] != *properties) __builtin_trap();
  return 0;
}
