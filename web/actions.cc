#include "web/actions.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <vector>

namespace ringmaster {
namespace {

enum class Kind { kBool, kInt, kIntOrPercent, kString };

struct Key {
  const char* name;
  Kind kind;
};

const std::vector<Key>& AllowedKeys(const std::string& action) {
  static const std::vector<Key> kWaitOnly = {{"waiting", Kind::kBool}};
  static const std::vector<Key> kRolling = {{"waiting", Kind::kBool},
                                            {"graceful", Kind::kBool},
                                            {"sequential", Kind::kBool},
                                            {"max_surge", Kind::kIntOrPercent},
                                            {"max_unavailable", Kind::kIntOrPercent}};
  static const std::vector<Key> kResize = {{"waiting", Kind::kBool}, {"nb", Kind::kInt}};
  static const std::vector<Key> kSignal = {{"waiting", Kind::kBool},  {"signum", Kind::kString},
                                           {"pid", Kind::kString},    {"childpid", Kind::kString},
                                           {"children", Kind::kBool}, {"recursive", Kind::kBool}};
  static const std::vector<Key> kNone;
  if (action == "start" || action == "stop" || action == "reloadconfig" || action == "upgrade") {
    return kWaitOnly;
  }
  if (action == "restart" || action == "reload") return kRolling;
  if (action == "incr" || action == "decr") return kResize;
  if (action == "signal") return kSignal;
  return kNone;
}

bool AllDigits(const std::string& s, size_t from = 0) {
  if (s.size() <= from) return false;
  return std::all_of(s.begin() + static_cast<long>(from), s.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// Converts a query value; sets *error on failure.
nlohmann::json FromQuery(const Key& key, const std::string& v, std::string* error) {
  switch (key.kind) {
    case Kind::kBool:
      if (v == "true" || v == "1" || v == "yes" || v.empty()) return true;
      if (v == "false" || v == "0" || v == "no") return false;
      *error = std::string("'") + key.name + "' must be true or false, not '" + v + "'";
      return nullptr;
    case Kind::kInt:
      if (AllDigits(v) || (v.size() > 1 && v[0] == '-' && AllDigits(v, 1))) {
        try {
          return std::stoll(v);
        } catch (...) {
        }
      }
      *error = std::string("'") + key.name + "' must be an integer, not '" + v + "'";
      return nullptr;
    case Kind::kIntOrPercent:
      if (AllDigits(v) && v.size() < 10) return std::stoll(v);
      return v;  // "25%" or garbage: the command reports which
    case Kind::kString:
      return v;
  }
  return nullptr;
}

const Key* FindKey(const std::vector<Key>& keys, const std::string& name) {
  for (const Key& k : keys) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

std::string KeyList(const std::vector<Key>& keys) {
  std::string out;
  for (const Key& k : keys) out += (out.empty() ? "" : ", ") + std::string(k.name);
  return out;
}

ActionRequest Fail(int status, std::string error) {
  ActionRequest r;
  r.request = nullptr;
  r.status = status;
  r.error = std::move(error);
  return r;
}

}  // namespace

ActionRequest BuildActionRequest(const std::string& action, const std::string& name,
                                 const std::multimap<std::string, std::string>& query,
                                 const std::string& body, const std::string& request_id) {
  const std::vector<Key>& keys = AllowedKeys(action);
  if (keys.empty()) {
    return Fail(404, "unknown action '" + action +
                         "'; use start, stop, restart, reload, incr, decr or signal");
  }
  nlohmann::json props = nlohmann::json::object();
  for (const auto& [k, v] : query) {
    const Key* key = FindKey(keys, k);
    if (!key) return Fail(400, "unknown option '" + k + "' for " + action + " (known: " + KeyList(keys) + ")");
    std::string error;
    nlohmann::json value = FromQuery(*key, v, &error);
    if (!error.empty()) return Fail(400, error);
    props[k] = std::move(value);
  }
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string::npos) {
    nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return Fail(400, "the request body is not valid JSON");
    if (!parsed.is_object()) return Fail(400, "the request body must be a JSON object of options");
    for (auto it = parsed.begin(); it != parsed.end(); ++it) {
      if (!FindKey(keys, it.key())) {
        return Fail(400, "unknown option '" + it.key() + "' for " + action + " (known: " + KeyList(keys) + ")");
      }
      props[it.key()] = it.value();
    }
  }
  if (!name.empty()) {
    props["name"] = name;
    // The URL names one watcher: no glob or regex interpretation.
    if (action == "start" || action == "stop" || action == "restart") props["match"] = "simple";
  }
  ActionRequest r;
  r.waiting = props.contains("waiting") && props["waiting"].is_boolean() && props["waiting"].get<bool>();
  if (action == "upgrade" && r.waiting) {
    return Fail(400, "waiting is not available for upgrade over HTTP: this connection does not "
                     "survive the exec; the outcome is the `upgrade` event (GET /api/events) "
                     "and the daemon log");
  }
  r.request = {{"command", action}, {"properties", std::move(props)}, {"id", request_id}};
  return r;
}

}  // namespace ringmaster
