#include "core/protocol.h"

#include <time.h>

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

#include "core/command_spec.h"

namespace ringmaster {
namespace {

using nlohmann::json;

// Python's bytes.strip() set: what Circus ignores around a body.
bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view TrimAscii(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A validating pass that builds nothing: it rejects bad JSON and documents
// nested deeper than kMaxJsonDepth before the DOM parser (whose copy and dump
// recurse) ever sees them. The parser itself is iterative, so a 100000-deep
// array costs no stack here.
class DepthCheck : public nlohmann::json_sax<json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return Enter(); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return Leave(); }
  bool start_array(std::size_t) override { return Enter(); }
  bool end_array() override { return Leave(); }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    detail_ = ex.what();
    return false;
  }

  const std::string& detail() const { return detail_; }
  void set_detail(std::string detail) { detail_ = std::move(detail); }

 private:
  bool Enter() {
    if (++depth_ <= kMaxJsonDepth) return true;
    detail_ = "nesting deeper than " + std::to_string(kMaxJsonDepth);
    return false;
  }
  bool Leave() {
    --depth_;
    return true;
  }

  int depth_ = 0;
  std::string detail_;
};

ProtocolError Fail(json id, Errno err, std::string reason, bool cast = false) {
  ProtocolError e;
  e.id = std::move(id);
  e.err = err;
  e.reason = std::move(reason);
  e.cast = cast;
  return e;
}

// Dumps without throwing: strings that reach a reply from config or /proc
// may hold invalid UTF-8, which is replaced rather than failing the reply.
std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

void AppendMember(std::string& out, const std::string& key, const json& value) {
  if (out.size() > 1) out += ',';
  out += Dump(json(key));
  out += ':';
  out += Dump(value);
}

}  // namespace

bool Request::waiting() const {
  auto it = properties.find("waiting");
  return it != properties.end() && it->is_boolean() && it->get<bool>();
}

std::variant<Request, ProtocolError> ParseRequest(std::string_view body) {
  body = TrimAscii(body);
  if (body.empty()) return Fail(nullptr, Errno::kInvalidJson, "empty message");
  if (body.size() > kMaxBodyBytes) {
    return Fail(nullptr, Errno::kInvalidJson,
                "message too large (" + std::to_string(body.size()) + " bytes, limit " +
                    std::to_string(kMaxBodyBytes) + ")");
  }

  const char* begin = body.data();
  const char* end = body.data() + body.size();
  json doc;
  {
    DepthCheck check;
    bool valid = false;
    try {
      valid = json::sax_parse(begin, end, &check);
    } catch (const std::exception& ex) {  // defensive: SAX mode reports, not throws
      valid = false;
      check.set_detail(ex.what());
    }
    if (!valid) {
      ProtocolError e = Fail(nullptr, Errno::kInvalidJson, "json invalid");
      e.detail = check.detail().empty() ? "invalid JSON" : check.detail();
      return e;
    }
    // Already validated, so this cannot fail; allow_exceptions=false keeps it
    // from throwing if it somehow did.
    doc = json::parse(begin, end, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return Fail(nullptr, Errno::kInvalidJson, "json invalid");
  }

  if (!doc.is_object()) {
    return Fail(nullptr, Errno::kInvalidJson, "invalid message: expected a JSON object");
  }

  json id = nullptr;
  if (auto it = doc.find("id"); it != doc.end()) id = std::move(*it);
  bool cast = false;
  if (auto it = doc.find("msg_type"); it != doc.end()) {
    cast = it->is_string() && it->get_ref<const std::string&>() == "cast";
  }

  auto cmd = doc.find("command");
  if (cmd == doc.end()) {
    return Fail(std::move(id), Errno::kMessageError, "message invalid 'command' is missing", cast);
  }
  if (!cmd->is_string()) {
    return Fail(std::move(id), Errno::kMessageError, "'command' must be a string", cast);
  }
  const std::string& name = cmd->get_ref<const std::string&>();
  const CommandSpec* spec = FindCommandSpec(name);
  if (spec == nullptr) {
    return Fail(std::move(id), Errno::kUnknownCommand, "unknown command: '" + name + "'", cast);
  }

  json properties = json::object();
  if (auto it = doc.find("properties"); it != doc.end()) {
    if (!it->is_object()) {
      return Fail(std::move(id), Errno::kMessageError, "'properties' must be an object", cast);
    }
    properties = std::move(*it);
  }
  if (Status s = ValidateProperties(*spec, properties); !s.ok()) {
    return Fail(std::move(id), Errno::kMessageError, s.message(), cast);
  }

  Request req;
  req.id = std::move(id);
  req.command = LowerAscii(name);
  req.properties = std::move(properties);
  req.cast = cast;
  return req;
}

double WallTime() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

json OkReply(const json& id, const json& fields) {
  json reply = {{"status", "ok"}, {"time", WallTime()}};
  // `status` with a name overrides "ok" with the watcher state (§4.1).
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) reply[key] = value;
  }
  reply["id"] = id;
  return reply;
}

json ErrorReply(const json& id, Errno err, const std::string& reason) {
  return {{"status", "error"},
          {"reason", reason},
          {"tb", nullptr},
          {"time", WallTime()},
          {"errno", static_cast<int>(err)},
          {"id", id}};
}

std::string SerializeReply(const json& reply, std::string_view raw_key, std::string_view raw_value) {
  if (!reply.is_object()) return Dump(reply);
  // nlohmann objects are sorted by key; Circus's order is insertion order.
  const bool error = reply.value("status", json()) == "error";
  static const char* const kOkHead[] = {"status", "time"};
  static const char* const kErrorHead[] = {"status", "reason", "tb", "time", "errno"};
  std::vector<std::string> head;
  if (error) {
    head.assign(std::begin(kErrorHead), std::end(kErrorHead));
  } else {
    head.assign(std::begin(kOkHead), std::end(kOkHead));
  }

  std::string out = "{";
  for (const std::string& key : head) {
    if (auto it = reply.find(key); it != reply.end()) AppendMember(out, key, *it);
  }
  for (const auto& [key, value] : reply.items()) {
    if (key == "id" || std::find(head.begin(), head.end(), key) != head.end()) continue;
    AppendMember(out, key, value);
  }
  if (!raw_key.empty()) {
    if (out.size() > 1) out += ',';
    out += Dump(json(std::string(raw_key)));
    out += ':';
    out += raw_value;
  }
  if (auto it = reply.find("id"); it != reply.end()) AppendMember(out, "id", *it);
  out += '}';
  return out;
}

}  // namespace ringmaster
