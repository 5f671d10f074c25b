#include "ctl/format.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "ctl/status_view.h"
#include "ctl/table.h"

namespace ringmaster {
namespace {

using nlohmann::json;

// Strings print bare, except "" which would be invisible after "key = ".
std::string Text(const json& v) {
  if (!v.is_string()) return v.dump();
  const std::string& s = v.get_ref<const std::string&>();
  return s.empty() ? "\"\"" : s;
}

std::string Str(const json& obj, const char* key, const std::string& dflt = "") {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return dflt;
  return Text(obj[key]);
}

// Up to kPidsShown pids in full; a longer list is summarised as its count,
// the first few pids and "+N more" (a roll of 1,000 processes would print
// 2,000 pids on one line). --json keeps every pid.
constexpr size_t kPidsShown = 8;
constexpr size_t kPidsInSummary = 5;

std::string PidList(const json& pids) {
  std::string out;
  if (!pids.is_array()) return out;
  const bool summarise = pids.size() > kPidsShown;
  if (summarise) out = std::to_string(pids.size()) + ":";
  size_t shown = 0;
  for (const json& p : pids) {
    if (summarise && shown == kPidsInSummary) break;
    out += (out.empty() ? "" : " ") + Text(p);
    ++shown;
  }
  if (summarise) out += " +" + std::to_string(pids.size() - shown) + " more";
  return out;
}

// cpu reads well with one decimal; mem is often a small fraction of a
// percent, so it keeps two.
std::string Percent(const json& v, int decimals = 1) {
  if (!v.is_number()) return Text(v);  // "N/A"
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.*f%%", decimals, v.get<double>());
  return buf;
}

std::string Age(const json& v) { return v.is_number() ? FormatUptime(v.get<double>()) : Text(v); }

// Who a command acted on, for "<target>: <what happened>" lines.
std::string Target(const Invocation& inv) { return Str(inv.properties, "name", "all watchers"); }

bool Waited(const Invocation& inv) { return inv.properties.value("waiting", false) == true; }

std::string Lines(const json& items) {
  std::string out;
  if (items.is_array()) {
    for (const json& v : items) out += Text(v) + "\n";
  }
  return out;
}

// "stopped 1 2; started 3 4; kept 5" from an {stopped, started, kept} info.
std::string ChangeSummary(const json& info) {
  std::string out;
  for (const char* key : {"stopped", "started", "kept"}) {
    if (!info.contains(key) || !info[key].is_array() || info[key].empty()) continue;
    out += (out.empty() ? "" : "; ") + std::string(key) + " " + PidList(info[key]);
  }
  return out;
}

std::string FormatLifecycle(const Invocation& inv, const json& reply) {
  static const std::map<std::string, std::pair<const char*, const char*>> kVerbs = {
      {"start", {"starting", "started"}},
      {"stop", {"stopping", "stopped"}},
      {"restart", {"restarting", "restarted"}},
      {"reload", {"reloading", "reloaded"}},
  };
  const auto& [ongoing, done] = kVerbs.at(inv.command);
  std::string line = Target(inv) + ": " + (Waited(inv) ? done : ongoing);
  if (!reply.contains("info") || !reply["info"].is_object()) return line + "\n";
  const json& info = reply["info"];
  if (inv.command != "start") {
    if (std::string summary = ChangeSummary(info); !summary.empty()) line += " (" + summary + ")";
    return line + "\n";
  }
  // start: {started, kept}; "kept" alone means there was nothing to start.
  const std::string started = PidList(info.value("started", json::array()));
  const std::string kept = PidList(info.value("kept", json::array()));
  if (started.empty() && !kept.empty())
    return Target(inv) + ": already running (pids " + kept + ")\n";
  if (!started.empty()) line += " (pids " + started + (kept.empty() ? "" : "; kept " + kept) + ")";
  return line + "\n";
}

// upgrade: "ringmasterd upgraded: 0.9.0 (build ab12) -> 0.9.0 (build cd34), pid 77"
// with --wait; "ringmasterd upgrading from ..." without.
std::string FormatUpgrade(const Invocation& inv, const json& reply) {
  auto build = [](const json& b) {
    std::string id = Str(b, "build_id");
    return Str(b, "version", "?") + " (build " + (id.empty() ? "unknown" : id.substr(0, 12)) + ")";
  };
  const json from = reply.value("from", json::object());
  if (!Waited(inv) || !reply.contains("to")) return "ringmasterd upgrading from " + build(from) + "\n";
  return "ringmasterd upgraded: " + build(from) + " -> " + build(reply.value("to", json::object())) +
         ", pid " + std::to_string(reply.value("pid", 0)) + "\n";
}

std::string FormatReloadconfig(const Invocation& inv, const json& reply) {
  if (!reply.contains("changes") || !reply["changes"].is_object()) {
    return Waited(inv) ? "configuration reloaded\n" : "configuration reload started\n";
  }
  const json& c = reply["changes"];
  std::string out = "configuration reloaded\n";
  auto list_line = [&](const std::string& label, const json& v) {
    if (!v.is_array() || v.empty()) return;
    std::string names;
    for (const json& n : v) names += (names.empty() ? "" : ", ") + Text(n);
    out += "  " + label + ": " + names + "\n";
  };
  for (const char* key : {"added", "removed", "reloaded", "resized", "updated"}) {
    list_line(key, c.value(key, json()));
  }
  if (c.contains("sockets") && c["sockets"].is_object()) {
    for (const char* key : {"added", "removed", "rebound"}) {
      list_line(std::string("sockets ") + key, c["sockets"].value(key, json()));
    }
  }
  list_line("needs daemon restart", c.value("needs_restart", json()));
  return out;
}

std::string FormatSignal(const Invocation& inv) {
  const json& p = inv.properties;
  std::string line = Target(inv) + ": sent " + Str(p, "signum");
  if (p.contains("childpid")) {
    line += " to pid " + Str(p, "childpid") + " (child of " + Str(p, "pid") + ")";
  } else {
    const std::string who = p.contains("pid") ? "pid " + Str(p, "pid") : "every process";
    if (p.value("children", false) == true) {
      line += " to the children of " + who;
    } else {
      line += " to " + who;
      if (p.value("recursive", false) == true) line += " and its descendants";
    }
  }
  return line + "\n";
}

// One stats row (and its children's rows) of the stats table.
void StatsRows(const std::string& watcher, const std::string& pid, const json& info,
               std::vector<TableRow>& rows, bool child = false) {
  const std::string pid_cell = (child ? "  " : "") + pid;
  if (!info.is_object()) {  // "No such process (stopped?)"
    rows.push_back({watcher, pid_cell, "", "", "", "", "", "", "", Text(info)});
    return;
  }
  rows.push_back({watcher, pid_cell, child ? "-" : Str(info, "wid", "-"),
                  Percent(info.value("cpu", json("N/A"))),
                  Percent(info.value("mem", json("N/A")), 2), Str(info, "mem_info1", "-"),
                  Str(info, "mem_info2", "-"), Str(info, "ctime", "-"),
                  Age(info.value("age", json("-"))), Str(info, "cmdline", "-")});
  for (const json& c : info.value("children", json::array())) {
    StatsRows("", Str(c, "pid", "?"), c, rows, true);
  }
}

void StatsRowsForWatcher(const std::string& watcher, const json& by_pid,
                         std::vector<TableRow>& rows) {
  if (!by_pid.is_object()) return;
  std::vector<std::pair<int64_t, std::string>> order;  // pid keys are strings: sort numerically
  for (const auto& [pid, info] : by_pid.items()) {
    order.emplace_back(std::strtoll(pid.c_str(), nullptr, 10), pid);
  }
  std::sort(order.begin(), order.end());
  for (const auto& [num, pid] : order) StatsRows(watcher, pid, by_pid[pid], rows);
}

}  // namespace

bool IsErrorReply(const json& reply) {
  return reply.is_object() && reply.value("status", json()) == "error";
}

std::string ErrorReason(const json& reply) { return Str(reply, "reason", "unknown error"); }

std::string FormatKeyValues(const json& options) {
  std::string out;
  if (!options.is_object()) return out;
  for (const auto& [key, value] : options.items()) {  // nlohmann's object is sorted
    out += key + " = " + Text(value) + "\n";
  }
  return out;
}

std::string FormatStats(const json& reply, const std::string& name) {
  std::vector<TableRow> rows;
  if (reply.contains("infos")) {
    for (const auto& [watcher, by_pid] : reply["infos"].items()) {
      StatsRowsForWatcher(watcher, by_pid, rows);
    }
  } else if (reply.contains("process")) {
    StatsRows(name, Text(reply["process"]), reply.value("info", json()), rows);
  } else {
    StatsRowsForWatcher(Str(reply, "name", name), reply.value("info", json()), rows);
  }
  if (rows.empty()) return "(no processes)\n";
  return FormatTable({"WATCHER", "PID", "WID", "CPU", "MEM", "RSS", "VMS", "CTIME", "AGE", "CMD"},
                     rows);
}

std::string FormatSockets(const json& reply) {
  const json sockets = reply.value("sockets", json::array());
  if (!sockets.is_array() || sockets.empty()) return "(no sockets)\n";
  std::vector<TableRow> rows;
  for (const json& s : sockets) {
    std::string address =
        s.contains("path") ? Str(s, "path") : Str(s, "host") + ":" + Str(s, "port");
    rows.push_back({Str(s, "fd"), Str(s, "name"), Str(s, "backlog"), address});
  }
  return FormatTable({"FD", "NAME", "BACKLOG", "ADDRESS"}, rows);
}

std::string FormatDstats(const json& reply) {
  const json info = reply.value("info", json::object());
  if (!info.is_object()) return Text(info) + "\n";
  std::string out;
  auto line = [&](const char* label, const std::string& v) { out += label + (" = " + v) + "\n"; };
  line("pid", Str(info, "pid", "-"));
  line("cmdline", Str(info, "cmdline", "-"));
  line("username", Str(info, "username", "-"));
  line("cpu", Percent(info.value("cpu", json("N/A"))));
  line("mem", Percent(info.value("mem", json("N/A")), 2));
  line("rss", Str(info, "mem_info1", "-"));
  line("vms", Str(info, "mem_info2", "-"));
  line("ctime", Str(info, "ctime", "-"));
  line("age", Age(info.value("age", json("-"))));
  line("nice", Str(info, "nice", "-"));
  return out;
}

std::string FormatReply(const Invocation& inv, const json& reply) {
  const std::string& cmd = inv.command;
  const std::string target = Target(inv);
  if (cmd == "status") {
    std::string out;
    for (const auto& [watcher, state] : StatesFromStatusReply(reply, Str(inv.properties, "name"))) {
      out += watcher + ": " + state + "\n";
    }
    return out;
  }
  if (cmd == "list") {
    return Lines(reply.contains("pids") ? reply["pids"] : reply.value("watchers", json()));
  }
  if (cmd == "numprocesses") return Str(reply, "numprocesses", "?") + "\n";
  if (cmd == "numwatchers") return Str(reply, "numwatchers", "?") + "\n";
  if (cmd == "incr" || cmd == "decr") {
    if (!reply.contains("numprocesses")) return target + ": " + cmd + " accepted\n";
    const int64_t n = reply["numprocesses"].is_number() ? reply["numprocesses"].get<int64_t>() : 0;
    std::string line = target + ": " + std::to_string(n) + (n == 1 ? " process" : " processes");
    if (reply.value("singleton", false) == true) line += " (singleton: unchanged)";
    return line + "\n";
  }
  if (cmd == "start" || cmd == "stop" || cmd == "restart" || cmd == "reload") {
    return FormatLifecycle(inv, reply);
  }
  if (cmd == "options" || cmd == "get") return FormatKeyValues(reply.value("options", json()));
  if (cmd == "globaloptions") {
    std::string out = FormatKeyValues(reply.value("options", json()));
    if (const json s = reply.value("server", json()); s.is_object()) {
      std::string ext;
      for (const json& e : s.value("extensions", json::array()))
        ext += (ext.empty() ? "" : ",") + Text(e);
      out += "server = " + Str(s, "name") + " " + Str(s, "version") + " (protocol " +
             Str(s, "protocol") + (ext.empty() ? "" : "; extensions: " + ext) + ")\n";
    }
    return out;
  }
  if (cmd == "stats") return FormatStats(reply, Str(inv.properties, "name"));
  if (cmd == "dstats") return FormatDstats(reply);
  if (cmd == "listsockets") return FormatSockets(reply);
  if (cmd == "add") {
    if (reply.contains("started")) {
      return target + ": added and started (pids " + PidList(reply["started"]) + ")\n";
    }
    return target + ": added" + (inv.properties.value("start", false) == true ? ", starting" : "") +
           "\n";
  }
  if (cmd == "rm") return target + (Waited(inv) ? ": removed\n" : ": removing\n");
  if (cmd == "set") {
    std::string keys;
    const json options = inv.properties.value("options", json::object());
    for (const auto& [k, v] : options.items()) {
      keys += (keys.empty() ? "" : ", ") + k + "=" + Text(v);
    }
    return target + ": set " + keys + "\n";
  }
  if (cmd == "signal") return FormatSignal(inv);
  if (cmd == "kill") {
    const std::string who = inv.properties.contains("pid") ? "pid " + Str(inv.properties, "pid")
                                                           : std::string("every process");
    return target + ": " + (Waited(inv) ? "killed " : "killing ") + who + "\n";
  }
  if (cmd == "quit") return Waited(inv) ? "ringmasterd stopped\n" : "ringmasterd shutting down\n";
  if (cmd == "reloadconfig") return FormatReloadconfig(inv, reply);
  if (cmd == "upgrade") return FormatUpgrade(inv, reply);

  // A command this ringctl does not know how to present: its result fields.
  json fields = reply;
  for (const char* k : {"status", "time", "id"}) fields.erase(k);
  return fields.empty() ? "ok\n" : FormatKeyValues(fields);
}

}  // namespace ringmaster
