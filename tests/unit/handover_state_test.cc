#include "core/handover_state.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ringmaster {
namespace {

HandoverState Sample() {
  HandoverState s;
  s.pid = 4242;
  s.boot_id = "0f8c6a1e-1111-2222-3333-444455556666";
  s.from = {"0.9.0", "a1b2c3d4e5f6"};
  s.config_file = "/etc/ringmaster/watchers.ini";
  s.written_at = 1770000000.25;
  HandoverWatcher w;
  w.name = "ingest";
  w.state = "active";
  w.desired = 2;
  w.restarts = 3;
  HandoverProcess p;
  p.pid = 100;
  p.wid = 1;
  p.serial = 7;
  p.state = "ready";
  p.started = 1769999990.5;
  p.started_mono = 12345.75;
  p.ready_at = 1769999991;
  p.became_ready = true;
  p.rotate_at = 20000;
  p.status_text = "working on 17";
  p.stdout_fd = 31;
  p.stderr_fd = 32;
  p.ready_fd = 33;
  w.processes.push_back(p);
  p.pid = 101;
  p.wid = 2;
  p.state = "starting";
  p.became_ready = false;
  p.ready_at = 0;
  p.ready_deadline = 12400;
  p.stdout_fd = 34;
  p.stderr_fd = -1;
  p.ready_fd = -1;
  w.processes.push_back(p);
  HandoverSlot slot;
  slot.wid = 3;
  slot.failures = 4;
  slot.spawn_failures = 1;
  slot.past_burst = 2;
  slot.recent = {12000.5, 12001.5};
  slot.delay = 1.5;
  slot.next_spawn = 1770000001.5;
  w.slots.push_back(slot);
  w.given_up[4] = "exec: No such file or directory";
  w.flap.crashes = {12002, 12003};
  w.flap.tries = 1;
  w.flap.retry_started = 11000;
  s.watchers.push_back(w);
  s.sockets.push_back({"web", 12});
  s.notify_fd = 9;
  s.notify_address = "@ringmasterd/4242/notify";
  s.http_fd = 13;
  s.control_endpoint = "ipc:///run/ringmaster/control.sock";
  s.pubsub_endpoint = "ipc:///run/ringmaster/pubsub.sock";
  s.replies.push_back({std::string("\x00\xff id", 5), true, "\"abc\""});
  return s;
}

TEST(HandoverState, RoundTrip) {
  HandoverState s = Sample();
  std::string blob = EncodeHandover(s);
  Result<HandoverState> back = DecodeHandover(blob);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back.value(), s);
  EXPECT_EQ(back->version, kHandoverVersion);
  EXPECT_EQ(back->replies[0].identity.size(), 5u);
}

TEST(HandoverState, ListsEveryFdOnce) {
  HandoverState s = Sample();
  s.sockets.push_back({"dup", 31});  // the same number twice is listed once
  EXPECT_EQ(HandoverFds(s), (std::vector<int>{9, 12, 13, 31, 32, 33, 34}));
}

TEST(HandoverState, TruncatedBlobIsRefusedAtEveryLength) {
  std::string blob = EncodeHandover(Sample());
  for (size_t n = 0; n < blob.size(); n += 7) {
    Result<HandoverState> r = DecodeHandover(std::string_view(blob).substr(0, n));
    ASSERT_FALSE(r.ok()) << "accepted a blob cut at " << n << " of " << blob.size();
  }
  Result<HandoverState> r = DecodeHandover(std::string_view(blob).substr(0, blob.size() - 1));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("truncated"), std::string::npos) << r.error();
}

TEST(HandoverState, ForeignBlobsAreRefused) {
  for (const char* blob : {"\x7f" "ELF\x02\x01\x01", "{\"format\":\"systemd\",\"version\":1}",
                           "[1,2,3]", "{\"version\":2,\"pid\":1}", "not json at all"}) {
    Result<HandoverState> r = DecodeHandover(blob);
    EXPECT_FALSE(r.ok()) << blob;
  }
  Result<HandoverState> r = DecodeHandover("{\"format\":\"systemd\"}");
  EXPECT_NE(r.error().find("not a ringmaster-handover document"), std::string::npos) << r.error();
}

TEST(HandoverState, NewerVersionIsRefusedWithBothNumbers) {
  nlohmann::json doc = nlohmann::json::parse(EncodeHandover(Sample()));
  doc["version"] = kHandoverVersion + 1;
  Result<HandoverState> r = DecodeHandover(doc.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("version " + std::to_string(kHandoverVersion + 1)), std::string::npos)
      << r.error();
}

TEST(HandoverState, WrongFieldTypeNamesTheField) {
  nlohmann::json doc = nlohmann::json::parse(EncodeHandover(Sample()));
  doc["watchers"][0]["processes"][1]["pid"] = "101";
  Result<HandoverState> r = DecodeHandover(doc.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find(".watchers[0].processes[1]: 'pid' has the wrong type"), std::string::npos)
      << r.error();
  doc = nlohmann::json::parse(EncodeHandover(Sample()));
  doc["watchers"][0]["processes"][0].erase("wid");
  r = DecodeHandover(doc.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("'wid' is missing"), std::string::npos) << r.error();
  doc = nlohmann::json::parse(EncodeHandover(Sample()));
  doc["replies"][0]["identity"] = {1, 300};
  EXPECT_FALSE(DecodeHandover(doc.dump()).ok());
}

// A version 1 blob (written by hand, as a version 1 ringmasterd wrote it: no
// slots, no flapping state) reads with those empty and everything else kept.
TEST(HandoverState, ReadsVersionOne) {
  const char* v1 = R"({"format":"ringmaster-handover","version":1,"pid":77,
    "from":{"version":"0.8.0","build_id":"ff00"},"config_file":"/x/w.ini",
    "watchers":[{"name":"web","state":"active","desired":1,"restarts":2,
      "processes":[{"pid":78,"wid":1,"state":"ready","started":10.5,"started_mono":5.25,
                    "became_ready":true,"stdout_fd":20}],
      "slots":[{"wid":1,"failures":9}],"flap":{"tries":5}}],
    "sockets":[{"name":"web","fd":11}],"notify_fd":8,"http_fd":-1,
    "control_endpoint":"ipc:///tmp/c","pubsub_endpoint":"ipc:///tmp/p"})";
  Result<HandoverState> r = DecodeHandover(v1);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->version, 1);
  EXPECT_EQ(r->pid, 77);
  EXPECT_EQ(r->from.build_id, "ff00");
  ASSERT_EQ(r->watchers.size(), 1u);
  const HandoverWatcher& w = r->watchers[0];
  EXPECT_EQ(w.restarts, 2);
  ASSERT_EQ(w.processes.size(), 1u);
  EXPECT_EQ(w.processes[0].pid, 78);
  EXPECT_EQ(w.processes[0].stdout_fd, 20);
  EXPECT_EQ(w.processes[0].stderr_fd, -1);
  EXPECT_TRUE(w.processes[0].became_ready);
  // Version 1 had no backoff or flapping state: whatever is there is not read.
  EXPECT_TRUE(w.slots.empty());
  EXPECT_EQ(w.flap, HandoverFlap{});
  EXPECT_EQ(HandoverFds(r.value()), (std::vector<int>{8, 11, 20}));
}

}  // namespace
}  // namespace ringmaster
