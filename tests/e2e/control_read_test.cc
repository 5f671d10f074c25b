// Read commands over real ZeroMQ: reply fields as docs/protocol.md §7 shows.
#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {
namespace {

class ControlRead : public ControlTest {};

TEST_F(ControlRead, StatusListNumbersAndOptions) {
  StartWith(Sleeper("sleeper", 3) + Sleeper("Extra", 1, "autostart = false"));
  ASSERT_TRUE(WaitWorkers(3)) << daemon_->Log();
  ASSERT_TRUE(WaitUntil([&] { return Call("status", {{"name", "sleeper"}})["status"] == "active"; }, 10));

  nlohmann::json r = Call("status");
  EXPECT_EQ(r["status"], "ok");
  EXPECT_EQ(r["statuses"], (nlohmann::json{{"sleeper", "active"}, {"Extra", "stopped"}}));
  EXPECT_TRUE(r["time"].is_number_float());
  EXPECT_TRUE(r["id"].is_string()) << "ids are echoed";

  r = Call("list");
  EXPECT_EQ(r["watchers"], (nlohmann::json{"extra", "sleeper"}));
  r = Call("list", {{"name", "SLEEPER"}});
  ASSERT_EQ(r["pids"].size(), 3u);
  std::vector<pid_t> live = LiveWorkers();
  for (auto& p : r["pids"]) EXPECT_NE(std::find(live.begin(), live.end(), p.get<pid_t>()), live.end());

  r = Call("numprocesses", {{"name", "sleeper"}});
  EXPECT_EQ(r["numprocesses"], 3);
  EXPECT_EQ(r["watcher_name"], "sleeper");
  EXPECT_EQ(Call("numprocesses")["numprocesses"], 3);
  EXPECT_EQ(Call("numwatchers")["numwatchers"], 2);

  r = Call("options", {{"name", "sleeper"}});
  ASSERT_TRUE(r["options"].is_object()) << r;
  EXPECT_EQ(r["options"]["numprocesses"], 3);
  EXPECT_EQ(r["options"]["stop_signal"], 15);
  EXPECT_EQ(r["options"]["close_child_stdin"], true);
  EXPECT_TRUE(r["options"]["graceful_timeout"].is_number());

  r = Call("get", {{"name", "sleeper"}, {"keys", {"stop_signal", "uid", "env"}}});
  EXPECT_EQ(r["options"]["stop_signal"], 15);
  EXPECT_TRUE(r["options"]["uid"].is_null());
  r = Call("get", {{"name", "sleeper"}, {"keys", {"nope"}}});
  EXPECT_EQ(r["errno"], 3);
  EXPECT_EQ(r["reason"], "'nope' option not found");

  r = Call("globaloptions", {{"option", "check_delay"}});
  EXPECT_EQ(r["options"], (nlohmann::json{{"check_delay", 5.0}}));
  r = Call("globaloptions");
  EXPECT_EQ(r["options"]["endpoint"], Endpoint());
  EXPECT_EQ(r["options"].size(), 6u);  // the five of Circus + max_numprocesses
  EXPECT_EQ(r["options"]["max_numprocesses"], 10000);
  r = Call("globaloptions", {{"option", "bogus"}});
  EXPECT_EQ(r["errno"], 3);
  EXPECT_EQ(r["reason"], "'bogus' not an existing option");
  r = Call("globaloptions", {{"detail", true}});
  EXPECT_EQ(r["server"]["name"], "ringmaster");

  EXPECT_EQ(Call("listsockets")["sockets"], nlohmann::json::array());

  // The summary detail (what `ringctl status` asks for): the live pids and
  // the oldest start, no per-process objects.
  const nlohmann::json pids = Call("list", {{"name", "sleeper"}})["pids"];
  r = Call("status", {{"name", "sleeper"}, {"detail", true}, {"summary", true}});
  ASSERT_TRUE(r["detail"].is_object()) << r;
  EXPECT_EQ(r["status"], "active");
  EXPECT_EQ(r["detail"]["pids"], pids);
  EXPECT_FALSE(r["detail"].contains("processes"));
  EXPECT_EQ(r["detail"]["running"], 3);
  const nlohmann::json full = Call("status", {{"name", "sleeper"}, {"detail", true}})["detail"];
  double oldest = 1e300;
  for (const auto& p : full["processes"]) oldest = std::min(oldest, p["started"].get<double>());
  EXPECT_EQ(r["detail"]["oldest_started"].get<double>(), oldest);
  r = Call("status", {{"detail", true}, {"summary", true}});
  EXPECT_EQ(r["details"]["sleeper"]["pids"], pids);
  EXPECT_EQ(r["details"]["Extra"]["pids"], nlohmann::json::array());
  EXPECT_TRUE(r["details"]["Extra"]["oldest_started"].is_null());
  EXPECT_EQ(Call("status", {{"summary", true}}).count("details"), 0u) << "summary needs detail";
}

TEST_F(ControlRead, StatsAndDstats) {
  StartWith(Sleeper("sleeper", 2));
  ASSERT_TRUE(WaitWorkers(2));
  nlohmann::json r = Call("stats", {{"name", "sleeper"}});
  EXPECT_EQ(r["name"], "sleeper");
  ASSERT_EQ(r["info"].size(), 2u) << r;
  pid_t pid = LiveWorkers()[0];
  r = Call("stats", {{"name", "sleeper"}, {"process", pid}});
  EXPECT_EQ(r["process"], pid);
  const nlohmann::json& info = r["info"];
  EXPECT_EQ(info["pid"], pid);
  for (const char* k : {"mem_info1", "mem_info2", "ctime", "username", "cmdline"}) {
    EXPECT_TRUE(info[k].is_string()) << k << " " << info;
  }
  for (const char* k : {"cpu", "mem", "create_time", "age", "started"}) {
    EXPECT_TRUE(info[k].is_number()) << k << " " << info;
  }
  EXPECT_EQ(info["cmdline"], "fake_worker");
  EXPECT_TRUE(info["wid"].is_number_integer());
  r = Call("stats", {{"name", "sleeper"}, {"process", 1}});
  EXPECT_EQ(r["errno"], 3);
  EXPECT_EQ(r["reason"], "process 1 not found in 'sleeper'");
  r = Call("stats");
  EXPECT_EQ(r["infos"]["sleeper"].size(), 2u);
  r = Call("dstats");
  EXPECT_EQ(r["info"]["pid"], daemon_->pid());
  EXPECT_EQ(r["info"]["cmdline"], "ringmasterd");
}

TEST_F(ControlRead, UnknownWatcherIsErrno3) {
  StartWith(Sleeper("sleeper"));
  for (const char* cmd : {"status", "list", "options", "numprocesses", "incr", "stop"}) {
    nlohmann::json r = Call(cmd, {{"name", "nope"}});
    EXPECT_EQ(r["status"], "error") << cmd;
    EXPECT_EQ(r["errno"], 3) << cmd;
    EXPECT_EQ(r["reason"], "program nope not found") << cmd;
    EXPECT_TRUE(r["tb"].is_null());
  }
}

}  // namespace
}  // namespace ringmaster::test
