// JSON rather than a binary layout: nlohmann-json is already a dependency,
// the blob is readable when an upgrade has to be debugged (and as the state
// file adoption after a crash will keep), and a new optional field does not
// need a version bump. 1,000 processes encode to ~300 KB in a few ms.
#include "core/handover_state.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace ringmaster {
namespace {

using nlohmann::json;

// Reads typed fields and remembers where it is, so a refusal names the field.
class Reader {
 public:
  explicit Reader(std::string where) : where_(std::move(where)) {}
  const std::string& error() const { return error_; }
  bool ok() const { return error_.empty(); }

  template <typename T>
  void Get(const json& obj, const char* key, T* out, bool required = true) {
    if (!ok()) return;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) Fail(std::string("'") + key + "' is missing");
      return;
    }
    if (!Fits<T>(*it)) {
      Fail(std::string("'") + key + "' has the wrong type (" + it->type_name() + ")");
      return;
    }
    *out = it->get<T>();
  }
  // An array field: each element goes through `each` (missing = empty).
  template <typename F>
  void Each(const json& obj, const char* key, F each) {
    if (!ok()) return;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return;
    if (!it->is_array()) return Fail(std::string("'") + key + "' must be an array");
    for (size_t i = 0; i < it->size() && ok(); ++i) {
      const json& e = (*it)[i];
      std::string saved = where_;
      where_ += std::string(".") + key + "[" + std::to_string(i) + "]";
      if (!e.is_object() && !e.is_number()) {
        Fail("must be an object");
      } else {
        each(e);
      }
      if (ok()) where_ = saved;
    }
  }
  void Fail(const std::string& what) {
    if (ok()) error_ = "handover state " + where_ + ": " + what;
  }

 private:
  template <typename T>
  static bool Fits(const json& v) {
    if constexpr (std::is_same_v<T, bool>) {
      return v.is_boolean();
    } else if constexpr (std::is_same_v<T, std::string>) {
      return v.is_string();
    } else if constexpr (std::is_floating_point_v<T>) {
      return v.is_number();
    } else if constexpr (std::is_integral_v<T>) {
      return v.is_number_integer();
    } else {
      return false;
    }
  }
  std::string where_;
  std::string error_;
};

json ProcessJson(const HandoverProcess& p) {
  return {{"pid", p.pid},           {"wid", p.wid},
          {"serial", p.serial},     {"state", p.state},
          {"started", p.started},   {"started_mono", p.started_mono},
          {"ready_at", p.ready_at}, {"became_ready", p.became_ready},
          {"rotate_at", p.rotate_at}, {"ready_deadline", p.ready_deadline},
          {"status_text", p.status_text}, {"stdout_fd", p.stdout_fd},
          {"stderr_fd", p.stderr_fd}, {"ready_fd", p.ready_fd}};
}

json WatcherJson(const HandoverWatcher& w) {
  json procs = json::array(), slots = json::array(), given_up = json::array();
  for (const HandoverProcess& p : w.processes) procs.push_back(ProcessJson(p));
  for (const HandoverSlot& s : w.slots) {
    slots.push_back({{"wid", s.wid}, {"failures", s.failures},
                     {"spawn_failures", s.spawn_failures}, {"past_burst", s.past_burst},
                     {"recent", s.recent}, {"delay", s.delay}, {"next_spawn", s.next_spawn}});
  }
  for (const auto& [wid, error] : w.given_up) given_up.push_back({{"wid", wid}, {"error", error}});
  return {{"name", w.name},
          {"state", w.state},
          {"desired", w.desired},
          {"restarts", w.restarts},
          {"processes", procs},
          {"slots", slots},
          {"given_up", given_up},
          {"flap",
           {{"crashes", w.flap.crashes}, {"tries", w.flap.tries},
            {"retry_started", w.flap.retry_started}, {"pending", w.flap.pending},
            {"gave_up", w.flap.gave_up}, {"next_retry", w.flap.next_retry}}}};
}

void ReadProcess(Reader& r, const json& j, HandoverProcess* p) {
  r.Get(j, "pid", &p->pid);
  r.Get(j, "wid", &p->wid);
  r.Get(j, "serial", &p->serial, false);
  r.Get(j, "state", &p->state);
  r.Get(j, "started", &p->started);
  r.Get(j, "started_mono", &p->started_mono);
  r.Get(j, "ready_at", &p->ready_at, false);
  r.Get(j, "became_ready", &p->became_ready, false);
  r.Get(j, "rotate_at", &p->rotate_at, false);
  r.Get(j, "ready_deadline", &p->ready_deadline, false);
  r.Get(j, "status_text", &p->status_text, false);
  r.Get(j, "stdout_fd", &p->stdout_fd, false);
  r.Get(j, "stderr_fd", &p->stderr_fd, false);
  r.Get(j, "ready_fd", &p->ready_fd, false);
  if (r.ok() && p->pid <= 0) r.Fail("'pid' must be positive");
}

void ReadWatcher(Reader& r, const json& j, int version, HandoverWatcher* w) {
  r.Get(j, "name", &w->name);
  r.Get(j, "state", &w->state);
  r.Get(j, "desired", &w->desired);
  r.Get(j, "restarts", &w->restarts, false);
  r.Each(j, "processes", [&](const json& e) {
    w->processes.emplace_back();
    ReadProcess(r, e, &w->processes.back());
  });
  if (version < 2) return;  // no backoff or flapping state before version 2
  r.Each(j, "slots", [&](const json& e) {
    HandoverSlot s;
    r.Get(e, "wid", &s.wid);
    r.Get(e, "failures", &s.failures, false);
    r.Get(e, "spawn_failures", &s.spawn_failures, false);
    r.Get(e, "past_burst", &s.past_burst, false);
    r.Each(e, "recent", [&](const json& t) {
      if (!t.is_number()) return r.Fail("must be a number");
      s.recent.push_back(t.get<double>());
    });
    r.Get(e, "delay", &s.delay, false);
    r.Get(e, "next_spawn", &s.next_spawn, false);
    w->slots.push_back(std::move(s));
  });
  r.Each(j, "given_up", [&](const json& e) {
    int wid = 0;
    std::string error;
    r.Get(e, "wid", &wid);
    r.Get(e, "error", &error, false);
    w->given_up[wid] = error;
  });
  auto flap = j.find("flap");
  if (flap != j.end() && flap->is_object()) {
    r.Each(*flap, "crashes", [&](const json& t) {
      if (!t.is_number()) return r.Fail("must be a number");
      w->flap.crashes.push_back(t.get<double>());
    });
    r.Get(*flap, "tries", &w->flap.tries, false);
    r.Get(*flap, "retry_started", &w->flap.retry_started, false);
    r.Get(*flap, "pending", &w->flap.pending, false);
    r.Get(*flap, "gave_up", &w->flap.gave_up, false);
    r.Get(*flap, "next_retry", &w->flap.next_retry, false);
  } else if (flap != j.end() && !flap->is_null()) {
    r.Fail("'flap' must be an object");
  }
}

}  // namespace

std::string EncodeHandover(const HandoverState& s) {
  json watchers = json::array(), sockets = json::array(), replies = json::array();
  for (const HandoverWatcher& w : s.watchers) watchers.push_back(WatcherJson(w));
  for (const HandoverSocket& k : s.sockets) sockets.push_back({{"name", k.name}, {"fd", k.fd}});
  for (const HandoverReply& r : s.replies) {
    // Routing ids are bytes: they travel as arrays of numbers.
    std::vector<int> identity;
    for (char c : r.identity) identity.push_back(static_cast<unsigned char>(c));
    replies.push_back({{"identity", identity}, {"envelope", r.envelope}, {"id", r.id_json}});
  }
  json doc = {{"format", kHandoverFormat},
              {"version", kHandoverVersion},
              {"pid", s.pid},
              {"boot_id", s.boot_id},
              {"from", {{"version", s.from.version}, {"build_id", s.from.build_id}}},
              {"config_file", s.config_file},
              {"written_at", s.written_at},
              {"watchers", watchers},
              {"sockets", sockets},
              {"notify_fd", s.notify_fd},
              {"notify_address", s.notify_address},
              {"http_fd", s.http_fd},
              {"control_endpoint", s.control_endpoint},
              {"pubsub_endpoint", s.pubsub_endpoint},
              {"replies", replies}};
  return doc.dump();
}

Result<HandoverState> DecodeHandover(std::string_view blob) {
  if (blob.empty()) return Status::Error("handover state: empty");
  json doc = json::parse(blob.begin(), blob.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return Status::Error("handover state: not a complete JSON document (truncated or corrupt, " +
                         std::to_string(blob.size()) + " bytes)");
  }
  if (!doc.is_object() || doc.value("format", json()) != kHandoverFormat) {
    return Status::Error(std::string("handover state: not a ") + kHandoverFormat + " document");
  }
  HandoverState s;
  Reader r("");
  r.Get(doc, "version", &s.version);
  if (r.ok() && (s.version < kHandoverOldestVersion || s.version > kHandoverVersion)) {
    return Status::Error("handover state: version " + std::to_string(s.version) +
                         " is not readable by this ringmasterd (reads " +
                         std::to_string(kHandoverOldestVersion) + " to " +
                         std::to_string(kHandoverVersion) + ")");
  }
  r.Get(doc, "pid", &s.pid);
  r.Get(doc, "boot_id", &s.boot_id, false);
  auto from = doc.find("from");
  if (from != doc.end() && from->is_object()) {
    r.Get(*from, "version", &s.from.version, false);
    r.Get(*from, "build_id", &s.from.build_id, false);
  }
  r.Get(doc, "config_file", &s.config_file);
  r.Get(doc, "written_at", &s.written_at, false);
  r.Each(doc, "watchers", [&](const json& e) {
    s.watchers.emplace_back();
    ReadWatcher(r, e, s.version, &s.watchers.back());
  });
  r.Each(doc, "sockets", [&](const json& e) {
    HandoverSocket k;
    r.Get(e, "name", &k.name);
    r.Get(e, "fd", &k.fd);
    s.sockets.push_back(std::move(k));
  });
  r.Get(doc, "notify_fd", &s.notify_fd, false);
  r.Get(doc, "notify_address", &s.notify_address, false);
  r.Get(doc, "http_fd", &s.http_fd, false);
  r.Get(doc, "control_endpoint", &s.control_endpoint, false);
  r.Get(doc, "pubsub_endpoint", &s.pubsub_endpoint, false);
  r.Each(doc, "replies", [&](const json& e) {
    HandoverReply h;
    auto id = e.find("identity");
    if (id == e.end() || !id->is_array()) return r.Fail("'identity' must be an array of bytes");
    for (const json& b : *id) {
      if (!b.is_number_integer() || b.get<int>() < 0 || b.get<int>() > 255) {
        return r.Fail("'identity' must be an array of bytes");
      }
      h.identity.push_back(static_cast<char>(b.get<int>()));
    }
    r.Get(e, "envelope", &h.envelope, false);
    r.Get(e, "id", &h.id_json, false);
    s.replies.push_back(std::move(h));
  });
  if (!r.ok()) return Status::Error(r.error());
  if (s.pid <= 0) return Status::Error("handover state: 'pid' must be positive");
  return s;
}

std::vector<int> HandoverFds(const HandoverState& s) {
  std::vector<int> fds;
  auto add = [&fds](int fd) {
    if (fd >= 0) fds.push_back(fd);
  };
  for (const HandoverWatcher& w : s.watchers) {
    for (const HandoverProcess& p : w.processes) {
      add(p.stdout_fd);
      add(p.stderr_fd);
      add(p.ready_fd);
    }
  }
  for (const HandoverSocket& k : s.sockets) add(k.fd);
  add(s.notify_fd);
  add(s.http_fd);
  std::sort(fds.begin(), fds.end());
  fds.erase(std::unique(fds.begin(), fds.end()), fds.end());
  return fds;
}

}  // namespace ringmaster
