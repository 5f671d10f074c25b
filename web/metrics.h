// GET /metrics: the Prometheus text exposition format (version 0.0.4) built
// from a status snapshot plus the daemon's own counters. Pure; any thread.
#ifndef RINGMASTER_WEB_METRICS_H_
#define RINGMASTER_WEB_METRICS_H_

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace ringmaster {

inline constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

struct DaemonCounters {
  double loop_lag = 0;      // seconds
  double loop_lag_max = 0;  // seconds
  uint64_t commands_served = 0;
  uint64_t http_requests = 0;
  uint64_t event_streams = 0;   // connected SSE clients
  uint64_t events_dropped = 0;  // SSE events dropped on full queues
  double snapshot_age = 0;      // seconds
  double snapshot_build = 0;    // seconds the loop spent building the last one
  uint64_t http_connections = 0;  // open now
  uint64_t http_refused = 0;      // over a connection cap
  uint64_t http_timeouts = 0;
};

// `status` is the body of GET /api/status (web/snapshot.h).
std::string FormatMetrics(const nlohmann::json& status, const DaemonCounters& daemon);
// The two parts of FormatMetrics: what depends on the status snapshot only
// (rendered once per snapshot), and the daemon's own counters.
std::string FormatStatusMetrics(const nlohmann::json& status);
std::string FormatDaemonMetrics(const DaemonCounters& daemon);

// A label value escaped for the text format (backslash, double quote, newline).
std::string EscapeLabel(const std::string& value);

}  // namespace ringmaster

#endif  // RINGMASTER_WEB_METRICS_H_
