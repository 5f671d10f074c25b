#include "web/metrics.h"

#include <cstdio>
#include <functional>
#include <vector>

namespace ringmaster {
namespace {

std::string Number(double v) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string Number(const nlohmann::json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number()) return Number(v.get<double>());
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  return "NaN";
}

class Writer {
 public:
  void Family(const char* name, const char* type, const char* help) {
    out_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void Sample(const char* name, const std::string& labels, const std::string& value) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += " " + value + "\n";
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string WatcherLabel(const nlohmann::json& w) {
  return "watcher=\"" + EscapeLabel(w.value("name", "")) + "\"";
}

// A process series is named by its slot (watcher, wid), not its pid: a
// respawn continues the slot's series instead of starting new ones (at 1,000
// workers with crashes, pid labels churn without bound). The pid is a value
// (ringmaster_process_pid). Live wids of a watcher are distinct, stopping
// processes included (the watcher never reuses a wid still in use).
std::string ProcessLabels(const nlohmann::json& w, const nlohmann::json& p) {
  return WatcherLabel(w) + ",wid=\"" + std::to_string(p.value("wid", 0)) + "\"";
}

}  // namespace

std::string EscapeLabel(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatMetrics(const nlohmann::json& status, const DaemonCounters& daemon) {
  return FormatStatusMetrics(status) + FormatDaemonMetrics(daemon);
}

std::string FormatStatusMetrics(const nlohmann::json& status) {
  Writer m;
  static const nlohmann::json kEmpty = nlohmann::json::array();
  const nlohmann::json& watchers =
      status.contains("watchers") ? status["watchers"] : kEmpty;

  using WatcherValue = std::function<std::string(const nlohmann::json&)>;
  struct WatcherMetric {
    const char* name;
    const char* type;
    const char* help;
    WatcherValue value;
  };
  const std::vector<WatcherMetric> per_watcher = {
      {"ringmaster_watcher_up", "gauge", "1 if the watcher is active, else 0",
       [](const nlohmann::json& w) { return std::string(w.value("state", "") == "active" ? "1" : "0"); }},
      {"ringmaster_watcher_ready", "gauge", "1 if every desired process is ready, else 0",
       [](const nlohmann::json& w) { return std::string(w.value("readiness", "") == "ready" ? "1" : "0"); }},
      {"ringmaster_watcher_desired_processes", "gauge", "numprocesses of the watcher",
       [](const nlohmann::json& w) { return Number(w.value("numprocesses", nlohmann::json(0))); }},
      {"ringmaster_watcher_running_processes", "gauge", "live processes of the watcher",
       [](const nlohmann::json& w) { return Number(w.value("running", nlohmann::json(0))); }},
      {"ringmaster_watcher_ready_processes", "gauge", "ready processes of the watcher",
       [](const nlohmann::json& w) { return Number(w.value("ready", nlohmann::json(0))); }},
      {"ringmaster_watcher_restarts_total", "counter",
       "unexpected exits since the watcher last started (starts again at 0 when it is started)",
       [](const nlohmann::json& w) { return Number(w.value("restarts", nlohmann::json(0))); }},
  };
  for (const WatcherMetric& wm : per_watcher) {
    m.Family(wm.name, wm.type, wm.help);
    for (const nlohmann::json& w : watchers) m.Sample(wm.name, WatcherLabel(w), wm.value(w));
  }

  using ProcessValue = std::function<std::string(const nlohmann::json&)>;
  struct ProcessMetric {
    const char* name;
    const char* type;
    const char* help;
    ProcessValue value;
  };
  const std::vector<ProcessMetric> per_process = {
      {"ringmaster_process_up", "gauge", "1 for a live process (always 1; gone processes are not listed)",
       [](const nlohmann::json&) { return std::string("1"); }},
      {"ringmaster_process_pid", "gauge", "pid of the process in this slot (wid)",
       [](const nlohmann::json& p) { return Number(p.value("pid", nlohmann::json(0))); }},
      {"ringmaster_process_ready", "gauge", "1 if the process reported ready",
       [](const nlohmann::json& p) { return std::string(p.value("state", "") == "ready" ? "1" : "0"); }},
      {"ringmaster_process_cpu_seconds_total", "counter", "user + system CPU time of the process",
       [](const nlohmann::json& p) { return Number(p.value("cpu_seconds", nlohmann::json())); }},
      {"ringmaster_process_resident_memory_bytes", "gauge", "resident set size of the process",
       [](const nlohmann::json& p) { return Number(p.value("rss", nlohmann::json())); }},
      {"ringmaster_process_uptime_seconds", "gauge", "seconds since the process was spawned",
       [](const nlohmann::json& p) { return Number(p.value("uptime", nlohmann::json(0))); }},
  };
  for (const ProcessMetric& pm : per_process) {
    m.Family(pm.name, pm.type, pm.help);
    for (const nlohmann::json& w : watchers) {
      if (!w.contains("processes")) continue;
      for (const nlohmann::json& p : w["processes"]) {
        // A process not sampled yet (or whose /proc read failed) has no
        // value: its sample is left out rather than shown as NaN.
        const std::string v = pm.value(p);
        if (v == "NaN") continue;
        m.Sample(pm.name, ProcessLabels(w, p), v);
      }
    }
  }

  m.Family("ringmaster_watchers", "gauge", "number of watchers");
  m.Sample("ringmaster_watchers", "", std::to_string(watchers.size()));
  return m.Take();
}

std::string FormatDaemonMetrics(const DaemonCounters& daemon) {
  Writer m;
  m.Family("ringmaster_loop_lag_seconds", "gauge", "lateness of the event loop's 1 s timer, last tick");
  m.Sample("ringmaster_loop_lag_seconds", "", Number(daemon.loop_lag));
  m.Family("ringmaster_loop_lag_max_seconds", "gauge", "largest loop lag since the daemon started");
  m.Sample("ringmaster_loop_lag_max_seconds", "", Number(daemon.loop_lag_max));
  m.Family("ringmaster_commands_served_total", "counter", "commands dispatched (ZeroMQ and HTTP)");
  m.Sample("ringmaster_commands_served_total", "", std::to_string(daemon.commands_served));
  m.Family("ringmaster_http_requests_total", "counter", "HTTP requests received");
  m.Sample("ringmaster_http_requests_total", "", std::to_string(daemon.http_requests));
  m.Family("ringmaster_http_event_streams", "gauge", "connected /api/events clients");
  m.Sample("ringmaster_http_event_streams", "", std::to_string(daemon.event_streams));
  m.Family("ringmaster_http_events_dropped_total", "counter", "events dropped for slow /api/events clients");
  m.Sample("ringmaster_http_events_dropped_total", "", std::to_string(daemon.events_dropped));
  m.Family("ringmaster_snapshot_age_seconds", "gauge", "age of the state snapshot served over HTTP");
  m.Sample("ringmaster_snapshot_age_seconds", "", Number(daemon.snapshot_age));
  m.Family("ringmaster_snapshot_build_seconds", "gauge",
           "loop time spent building the last state snapshot");
  m.Sample("ringmaster_snapshot_build_seconds", "", Number(daemon.snapshot_build));
  m.Family("ringmaster_http_connections", "gauge", "open HTTP connections");
  m.Sample("ringmaster_http_connections", "", std::to_string(daemon.http_connections));
  m.Family("ringmaster_http_connections_refused_total", "counter",
           "HTTP connections refused with 503 over a connection cap");
  m.Sample("ringmaster_http_connections_refused_total", "", std::to_string(daemon.http_refused));
  m.Family("ringmaster_http_timeouts_total", "counter",
           "HTTP connections closed for a request or a reply that did not finish in time");
  m.Sample("ringmaster_http_timeouts_total", "", std::to_string(daemon.http_timeouts));
  return m.Take();
}

}  // namespace ringmaster
