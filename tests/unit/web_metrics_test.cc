#include "web/metrics.h"

#include <gtest/gtest.h>

#include <sstream>

namespace ringmaster {
namespace {

nlohmann::json Status() {
  return {{"watchers",
           {{{"name", "web"},
             {"state", "active"},
             {"readiness", "ready"},
             {"numprocesses", 2},
             {"running", 1},
             {"ready", 1},
             {"restarts", 3},
             {"processes",
              {{{"pid", 42}, {"wid", 1}, {"state", "ready"}, {"rss", 4096}, {"cpu_seconds", 1.5},
                {"uptime", 10.0}}}}},
            {{"name", "we\"ird\\"},
             {"state", "stopped"},
             {"readiness", "stopped"},
             {"numprocesses", 0},
             {"running", 0},
             {"ready", 0},
             {"restarts", 0},
             {"processes", nlohmann::json::array()}}}}};
}

bool HasLine(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l == line) return true;
  }
  return false;
}

TEST(WebMetrics, PerWatcherAndPerProcess) {
  DaemonCounters c;
  c.commands_served = 7;
  c.http_requests = 9;
  c.loop_lag = 0.25;
  std::string text = FormatMetrics(Status(), c);
  EXPECT_TRUE(HasLine(text, "# TYPE ringmaster_watcher_up gauge")) << text;
  EXPECT_TRUE(HasLine(text, "ringmaster_watcher_up{watcher=\"web\"} 1")) << text;
  EXPECT_TRUE(HasLine(text, "ringmaster_watcher_up{watcher=\"we\\\"ird\\\\\"} 0")) << text;
  EXPECT_TRUE(HasLine(text, "ringmaster_watcher_restarts_total{watcher=\"web\"} 3"));
  EXPECT_TRUE(HasLine(text, "# TYPE ringmaster_watcher_restarts_total counter"));
  EXPECT_TRUE(HasLine(text, "ringmaster_watcher_desired_processes{watcher=\"web\"} 2"));
  EXPECT_TRUE(HasLine(text, "ringmaster_process_ready{watcher=\"web\",wid=\"1\"} 1"));
  EXPECT_TRUE(HasLine(text, "ringmaster_process_resident_memory_bytes{watcher=\"web\",wid=\"1\"} 4096"));
  EXPECT_TRUE(HasLine(text, "ringmaster_process_cpu_seconds_total{watcher=\"web\",wid=\"1\"} 1.5"));
  EXPECT_TRUE(HasLine(text, "# TYPE ringmaster_process_cpu_seconds_total counter"));
  // Series are per slot; the pid is a value, never a label.
  EXPECT_TRUE(HasLine(text, "ringmaster_process_pid{watcher=\"web\",wid=\"1\"} 42"));
  EXPECT_EQ(text.find("pid=\""), std::string::npos);
  EXPECT_TRUE(HasLine(text, "ringmaster_commands_served_total 7"));
  EXPECT_TRUE(HasLine(text, "ringmaster_http_requests_total 9"));
  EXPECT_TRUE(HasLine(text, "ringmaster_loop_lag_seconds 0.25"));
  EXPECT_EQ(text.back(), '\n');
}

TEST(WebMetrics, UnsampledProcessValuesAreLeftOut) {
  nlohmann::json s = Status();
  s["watchers"][0]["processes"][0]["rss"] = nullptr;
  std::string text = FormatMetrics(s, {});
  EXPECT_EQ(text.find("ringmaster_process_resident_memory_bytes{watcher=\"web\",wid=\"1\""),
            std::string::npos);
  EXPECT_EQ(text.find("NaN"), std::string::npos);
  // The process itself is still listed.
  EXPECT_TRUE(HasLine(text, "ringmaster_process_up{watcher=\"web\",wid=\"1\"} 1"));
}

TEST(WebMetrics, EscapeLabel) {
  EXPECT_EQ(EscapeLabel("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

}  // namespace
}  // namespace ringmaster
