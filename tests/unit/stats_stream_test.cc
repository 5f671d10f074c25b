// The stats stream's pure parts (docs/protocol.md §9): the aggregate of a
// watcher's per-pid bodies, and a round rendered from real /proc reads of
// this test process (the e2e test covers the PUB socket and the daemon).
#include "daemon/stats_stream.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "daemon/proc_stats.h"

namespace ringmaster {
namespace {

using nlohmann::json;

TEST(StatsStream, AggregateMeansCpuSumsMemMaxAge) {
  json a = {{"pid", 1}, {"cpu", 10.0}, {"mem", 1.5}, {"age", 3.0}};
  json b = {{"pid", 2}, {"cpu", 30.0}, {"mem", 0.5}, {"age", 7.0}};
  json agg = AggregateStats({a, b});
  EXPECT_EQ(agg["pid"], json::array({1, 2}));
  EXPECT_DOUBLE_EQ(agg["cpu"].get<double>(), 20.0);
  EXPECT_DOUBLE_EQ(agg["mem"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(agg["age"].get<double>(), 7.0);
}

TEST(StatsStream, AggregateNotAvailable) {
  json a = {{"pid", 1}, {"cpu", "N/A"}, {"mem", 1.0}, {"age", "N/A"}};
  json b = {{"pid", 2}, {"cpu", 5.0}, {"mem", "N/A"}, {"age", 4.0}};
  json agg = AggregateStats({a, b});
  EXPECT_EQ(agg["cpu"], "N/A");
  EXPECT_EQ(agg["mem"], "N/A");
  EXPECT_DOUBLE_EQ(agg["age"].get<double>(), 4.0);  // the max of the known ages
  agg = AggregateStats({{{"pid", 1}, {"age", "N/A"}}});
  EXPECT_EQ(agg["age"], "N/A");
}

TEST(StatsStream, RoundTopicsInOrder) {
  ProcStats stats;
  StatsTargets t;
  const pid_t self = getpid();
  t.daemon_pid = self;
  t.watchers.push_back({"web", {self, 0x7ffffff0}});  // the second pid does not exist
  t.watchers.push_back({"idle", {}});
  t.sockets.push_back({7, "127.0.0.1:8080", 1});
  t.sockets.push_back({8, "/run/x.sock", 0});
  StatsFrames frames = RenderStatsRound(stats, t);
  std::vector<std::string> topics;
  for (const auto& f : frames) topics.push_back(f.first);
  const std::string p = std::to_string(self);
  EXPECT_EQ(topics, (std::vector<std::string>{"stat.web." + p, "stat.web", "stat.circus." + p,
                                              "stat.circus", "stat.sockets.7", "stat.sockets.8",
                                              "stat.sockets"}));
  json per_pid = json::parse(frames[0].second);
  EXPECT_EQ(per_pid["pid"], self);
  EXPECT_EQ(per_pid["subtopic"], self);
  EXPECT_TRUE(per_pid["name"].is_null());
  EXPECT_EQ(per_pid["children"], json::array());
  EXPECT_FALSE(per_pid.contains("wid"));
  EXPECT_EQ(json::parse(frames[1].second)["pid"], json::array({self}));
  EXPECT_EQ(json::parse(frames[2].second)["name"], "ringmasterd");
  EXPECT_EQ(json::parse(frames[4].second),
            (json{{"fd", 7}, {"subtopic", 7}, {"reads", 1}, {"address", "127.0.0.1:8080"}}));
  EXPECT_EQ(json::parse(frames[6].second),
            (json{{"addresses", {"127.0.0.1:8080", "/run/x.sock"}}, {"reads", 1}}));
}

}  // namespace
}  // namespace ringmaster
