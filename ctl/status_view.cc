#include "ctl/status_view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ctl/table.h"

namespace ringmaster {
namespace {

using nlohmann::json;

// Wide enough for the usual worker pool; beyond this the column would swamp
// the table, and `ringctl list NAME` prints them all.
constexpr size_t kMaxPidsShown = 6;

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::optional<double> NumberField(const json& obj, const char* key) {
  if (!obj.is_object()) return std::nullopt;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::optional<int> IntField(const json& obj, const char* key) {
  std::optional<double> v = NumberField(obj, key);
  if (!v) return std::nullopt;
  return static_cast<int>(*v);
}

std::string Plural(int64_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string JoinPids(const std::vector<int64_t>& pids) {
  std::string out;
  for (size_t i = 0; i < pids.size() && i < kMaxPidsShown; ++i) {
    if (i) out += ',';
    out += std::to_string(pids[i]);
  }
  if (pids.size() > kMaxPidsShown) {
    out += ",+" + std::to_string(pids.size() - kMaxPidsShown) + " more";
  }
  return out;
}

// The note column: what a human wants to know beyond the state.
std::string NoteFromDetail(const json& w, double now) {
  std::vector<std::string> parts;
  if (const json busy = w.value("busy", json()); busy.is_object()) {
    std::string s = busy.value("command", std::string("change")) + " in progress";
    if (busy.contains("step") && busy["step"].is_string()) {
      s += " (step " + busy["step"].get<std::string>() + ")";
    }
    parts.push_back(s);
  }
  const std::string readiness = w.value("readiness", std::string());
  if (readiness == "partial" || readiness == "unready") {
    parts.push_back(std::to_string(IntField(w, "ready").value_or(0)) + "/" +
                    std::to_string(IntField(w, "numprocesses").value_or(0)) + " ready");
  }
  if (const json backoff = w.value("backoff", json()); backoff.is_array() && !backoff.empty()) {
    double next = INFINITY;
    for (const json& b : backoff) next = std::min(next, NumberField(b, "next_spawn").value_or(now));
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%zu in backoff (next spawn in %.1fs)", backoff.size(),
                  std::max(0.0, next - now));
    parts.push_back(buf);
  }
  if (int restarts = IntField(w, "restarts").value_or(0); restarts > 0) {
    parts.push_back(Plural(restarts, "restart"));
  }
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

WatcherRow RowFromDetail(const std::string& name, const std::string& state, const json& w,
                         double now) {
  WatcherRow row;
  row.name = name;
  row.state = w.value("state", state);
  row.running = IntField(w, "running");
  row.desired = IntField(w, "numprocesses");
  double oldest = INFINITY;
  if (auto pids = w.find("pids"); pids != w.end() && pids->is_array()) {
    // The summary form (status `summary`, §10.5).
    for (const json& pid : *pids) {
      if (pid.is_number()) row.pids.push_back(pid.get<int64_t>());
    }
    oldest = NumberField(w, "oldest_started").value_or(INFINITY);
  } else if (auto procs = w.find("processes"); procs != w.end() && procs->is_array()) {
    for (const json& p : *procs) {
      if (std::optional<double> pid = NumberField(p, "pid")) row.pids.push_back(int64_t(*pid));
      if (std::optional<double> started = NumberField(p, "started"))
        oldest = std::min(oldest, *started);
    }
  }
  if (!row.running) row.running = static_cast<int>(row.pids.size());
  if (std::isfinite(oldest)) row.uptime = std::max(0.0, now - oldest);
  row.note = NoteFromDetail(w, now);
  return row;
}

}  // namespace

std::string FormatUptime(double seconds) {
  int64_t total = static_cast<int64_t>(std::max(0.0, seconds));
  const int64_t days = total / 86400;
  total %= 86400;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%lld:%02lld:%02lld", static_cast<long long>(total / 3600),
                static_cast<long long>(total / 60 % 60), static_cast<long long>(total % 60));
  if (days == 0) return buf;
  return Plural(days, "day") + ", " + buf;
}

std::optional<std::vector<WatcherRow>> RowsFromStatusDetail(const json& reply,
                                                            const std::string& name, double now) {
  std::vector<WatcherRow> rows;
  if (!name.empty()) {
    if (!reply.contains("detail") || !reply["detail"].is_object()) return std::nullopt;
    rows.push_back(RowFromDetail(name, reply.value("status", std::string()), reply["detail"], now));
    return rows;
  }
  if (!reply.contains("details") || !reply["details"].is_object()) return std::nullopt;
  const json statuses = reply.value("statuses", json::object());
  for (const auto& [watcher, w] : reply["details"].items()) {
    std::string state = statuses.value(watcher, std::string());
    rows.push_back(RowFromDetail(watcher, state, w, now));
  }
  return rows;
}

WatcherRow RowFromFacts(const WatcherFacts& f) {
  WatcherRow row;
  row.name = f.name;
  row.state = f.state;
  if (f.list_reply.is_object() && f.list_reply.contains("pids")) {
    for (const json& pid : f.list_reply["pids"]) {
      if (pid.is_number_integer()) row.pids.push_back(pid.get<int64_t>());
    }
    row.running = static_cast<int>(row.pids.size());
  }
  if (f.stats_reply.is_object() && f.stats_reply.contains("info") &&
      f.stats_reply["info"].is_object()) {
    double oldest_age = -1;
    int live = 0;
    for (const auto& [pid, info] : f.stats_reply["info"].items()) {
      if (std::optional<double> age = NumberField(info, "age")) {
        oldest_age = std::max(oldest_age, *age);
        ++live;
      }
    }
    if (oldest_age >= 0) row.uptime = oldest_age;
    if (!row.running) row.running = live;
  }
  if (f.get_reply.is_object() && f.get_reply.contains("options")) {
    row.desired = IntField(f.get_reply["options"], "numprocesses");
  }
  return row;
}

std::vector<std::pair<std::string, std::string>> StatesFromStatusReply(const json& reply,
                                                                       const std::string& name) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!name.empty()) {
    out.emplace_back(name, reply.value("status", std::string()));
    return out;
  }
  const json statuses = reply.value("statuses", json::object());
  for (const auto& [watcher, state] : statuses.items()) {
    out.emplace_back(watcher, state.is_string() ? state.get<std::string>() : state.dump());
  }
  return out;
}

std::string FormatStatusTable(std::vector<WatcherRow> rows) {
  std::sort(rows.begin(), rows.end(), [](const WatcherRow& a, const WatcherRow& b) {
    return Lower(a.name) < Lower(b.name) || (Lower(a.name) == Lower(b.name) && a.name < b.name);
  });
  const bool any_note =
      std::any_of(rows.begin(), rows.end(), [](const WatcherRow& r) { return !r.note.empty(); });
  TableRow header = {"WATCHER", "STATE", "PROCS", "PIDS", "UPTIME"};
  if (any_note) header.push_back("NOTE");
  std::vector<TableRow> cells;
  for (const WatcherRow& r : rows) {
    std::string procs = r.running ? std::to_string(*r.running) : "-";
    procs += "/" + (r.desired ? std::to_string(*r.desired) : std::string("-"));
    TableRow row = {r.name, r.state.empty() ? "-" : r.state, procs,
                    r.pids.empty() ? "-" : JoinPids(r.pids),
                    r.uptime ? FormatUptime(*r.uptime) : "-"};
    if (any_note) row.push_back(r.note);
    cells.push_back(std::move(row));
  }
  return FormatTable(header, cells);
}

}  // namespace ringmaster
