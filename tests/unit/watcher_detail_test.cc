// The WATCHER object rendered as text (off the loop) says what the JSON
// builder says, for every kind of value a process fact can hold.
#include "daemon/commands/watcher_detail.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

using nlohmann::json;

WatcherFacts SampleFacts() {
  WatcherFacts f;
  f.name = "pool";
  f.head = {{"state", "active"}, {"numprocesses", 3}, {"busy", nullptr}, {"backoff", json::array()}};
  ProcessFacts a;
  a.pid = 4242;
  a.wid = 1;
  a.state = "ready";
  a.started = 1796318358.7492318;
  a.ready_at = 1796318359.25;
  a.status_text = "working on \"file\" 7\n\x01";
  ProcessFacts b;
  b.pid = 4243;
  b.wid = 2;
  b.state = "starting";
  b.started = 1796318360.0;  // integral: still a number
  ProcessFacts c;
  c.pid = 4244;
  c.wid = 3;
  c.state = "stopping";
  c.started = 0.1;
  c.status_text = std::string("bad \xff utf-8");
  f.processes = {a, b, c};
  return f;
}

TEST(WatcherDetailTest, TextIsTheSameObjectAsTheJson) {
  const WatcherFacts f = SampleFacts();
  RssOf rss = [](const ProcessFacts& p) -> std::optional<uint64_t> {
    if (p.pid == 4243) return std::nullopt;  // gone
    return uint64_t{1} << 40 | static_cast<uint64_t>(p.pid);
  };
  for (const RssOf& r : {rss, RssOf()}) {
    const json expected = json::parse(
        WatcherDetailJson(f, r).dump(-1, ' ', false, json::error_handler_t::replace));
    const json got = json::parse(WatcherDetailText(f, r));
    EXPECT_EQ(got, expected) << got.dump(1);
  }
  const json got = json::parse(WatcherDetailText(f, rss));
  ASSERT_EQ(got["processes"].size(), 3u);
  EXPECT_EQ(got["processes"][0]["started"].get<double>(), 1796318358.7492318);
  EXPECT_EQ(got["processes"][1]["rss"], nullptr);
  EXPECT_EQ(got["processes"][1]["ready_at"], nullptr);
  EXPECT_EQ(got["processes"][1]["status_text"], nullptr);
  EXPECT_EQ(got["processes"][0]["status_text"], "working on \"file\" 7\n\x01");
}

TEST(WatcherDetailTest, SummaryHasPidsInSpawnOrderAndTheOldestStart) {
  const WatcherFacts f = SampleFacts();
  const json got = json::parse(WatcherSummaryText(f));
  json expected = f.head;
  expected["pids"] = {4242, 4243, 4244};
  expected["oldest_started"] = 0.1;
  EXPECT_EQ(got, expected) << got.dump(1);
  WatcherFacts none = f;
  none.processes.clear();
  const json empty = json::parse(WatcherSummaryText(none));
  EXPECT_EQ(empty["pids"], json::array());
  EXPECT_EQ(empty["oldest_started"], nullptr);
  EXPECT_FALSE(empty.contains("processes"));
}

TEST(WatcherDetailTest, NoProcessesIsAnEmptyList) {
  WatcherFacts f = SampleFacts();
  f.processes.clear();
  const json got = json::parse(WatcherDetailText(f));
  EXPECT_EQ(got["processes"], json::array());
  EXPECT_EQ(got["state"], "active");
}

}  // namespace
}  // namespace ringmaster
