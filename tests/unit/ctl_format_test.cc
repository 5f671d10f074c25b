// ringctl's human output (ctl/format.h, ctl/status_view.h, ctl/table.h) for
// the replies of docs/protocol.md's examples.
#include <gtest/gtest.h>

#include "ctl/format.h"
#include "ctl/status_view.h"
#include "ctl/table.h"

namespace ringmaster {
namespace {

using nlohmann::json;

Invocation Inv(const std::string& command, json props = json::object()) {
  Invocation inv;
  inv.command = command;
  inv.properties = std::move(props);
  return inv;
}

std::string Fmt(const std::string& command, const json& props, const std::string& reply) {
  return FormatReply(Inv(command, props), json::parse(reply));
}

TEST(CtlFormatTest, ErrorReplies) {
  json err = json::parse(
      R"({"status": "error", "reason": "program nope not found", "tb": null, "time": 1.0, "errno": 3, "id": "q2"})");
  EXPECT_TRUE(IsErrorReply(err));
  EXPECT_EQ(ErrorReason(err), "program nope not found");
  // status NAME puts the watcher state in "status": that is a success.
  EXPECT_FALSE(IsErrorReply(json::parse(R"({"status": "active", "time": 1.0, "id": "q4"})")));
  EXPECT_FALSE(IsErrorReply(json::parse(R"({"status": "stopped", "time": 1.0})")));
}

TEST(CtlFormatTest, IncrDecr) {
  EXPECT_EQ(Fmt("incr", {{"name", "sleeper"}, {"nb", 2}, {"waiting", true}},
                R"({"status": "ok", "time": 1732190011.02, "numprocesses": 5, "id": "m2"})"),
            "sleeper: 5 processes\n");
  EXPECT_EQ(
      Fmt("decr", {{"name", "single"}},
          R"({"status": "ok", "time": 1.0, "numprocesses": 1, "singleton": true, "id": "m5"})"),
      "single: 1 process (singleton: unchanged)\n");
  EXPECT_EQ(Fmt("incr", {{"name", "web"}}, R"({"status": "ok", "time": 1.0, "id": "x"})"),
            "web: incr accepted\n");
}

TEST(CtlFormatTest, Dstats) {
  EXPECT_EQ(
      Fmt("dstats", json::object(),
          R"({"status": "ok", "time": 1732190012.4, "info": {"mem_info1": "6.12M", "mem_info2": "18.40M", "cpu": 0.3, "mem": 0.038, "ctime": "0:00.26", "pid": 8393, "username": "root", "nice": 0, "create_time": 1732189990.11, "age": 22.29, "cmdline": "ringmasterd", "children": []}, "id": "d1"})"),
      "pid = 8393\ncmdline = ringmasterd\nusername = root\ncpu = 0.3%\nmem = 0.04%\nrss = 6.12M\n"
      "vms = 18.40M\nctime = 0:00.26\nage = 0:00:22\nnice = 0\n");
}

TEST(CtlFormatTest, GetOptionsGlobaloptions) {
  EXPECT_EQ(
      Fmt("get", {{"name", "sleeper"}, {"keys", {"env", "stop_signal", "uid"}}},
          R"({"status": "ok", "time": 1.0, "options": {"env": {}, "stop_signal": 15, "uid": null}, "id": "q7"})"),
      "env = {}\nstop_signal = 15\nuid = null\n");
  EXPECT_EQ(Fmt("globaloptions", {{"option", "check_delay"}},
                R"({"status": "ok", "time": 1.0, "options": {"check_delay": 5.0}, "id": "q5"})"),
            "check_delay = 5.0\n");
  EXPECT_EQ(
      Fmt("globaloptions", {{"detail", true}},
          R"({"status": "ok", "options": {"endpoint": "ipc:///x"}, "server": {"name": "ringmaster", "version": "0.1.0", "protocol": 1, "extensions": ["detail", "busy"]}})"),
      "endpoint = ipc:///x\nserver = ringmaster 0.1.0 (protocol 1; extensions: detail,busy)\n");
  const std::string options = Fmt(
      "options", {{"name", "sleeper"}},
      R"({"status": "ok", "time": 1.0, "options": {"args": "1000", "cmd": "sleep", "env": {}, "executable": null, "graceful_timeout": 2.0, "numprocesses": 3, "working_dir": "/srv/app"}, "id": "o1"})");
  EXPECT_EQ(options,
            "args = 1000\ncmd = sleep\nenv = {}\nexecutable = null\ngraceful_timeout = 2.0\n"
            "numprocesses = 3\nworking_dir = /srv/app\n");
}

TEST(CtlFormatTest, ListsAndCounts) {
  EXPECT_EQ(Fmt("list", {{"name", "SLEEPER"}},
                R"({"status": "ok", "time": 1.0, "pids": [8420, 8421, 8422], "id": "q3"})"),
            "8420\n8421\n8422\n");
  EXPECT_EQ(Fmt("list", json::object(),
                R"({"status": "ok", "time": 1.0, "watchers": ["extra", "sleeper"]})"),
            "extra\nsleeper\n");
  EXPECT_EQ(
      Fmt("numprocesses", {{"name", "sleeper"}},
          R"({"status": "ok", "time": 1.0, "numprocesses": 3, "watcher_name": "sleeper", "id": "m4"})"),
      "3\n");
  EXPECT_EQ(Fmt("numwatchers", json::object(),
                R"({"status": "ok", "time": 1.0, "numwatchers": 2, "id": "n1"})"),
            "2\n");
}

TEST(CtlFormatTest, Listsockets) {
  EXPECT_EQ(
      Fmt("listsockets", json::object(),
          R"({"status": "ok", "time": 1.0, "sockets": [{"fd": 7, "name": "web", "backlog": 2048, "host": "127.0.0.1", "port": 28080}, {"fd": 12, "name": "local", "backlog": 128, "path": "/run/x.sock"}], "id": "s1"})"),
      "FD  NAME   BACKLOG  ADDRESS\n"
      "7   web    2048     127.0.0.1:28080\n"
      "12  local  128      /run/x.sock\n");
  EXPECT_EQ(Fmt("listsockets", json::object(), R"({"status": "ok", "sockets": []})"),
            "(no sockets)\n");
}

TEST(CtlFormatTest, LifecycleWithWaiting) {
  EXPECT_EQ(
      Fmt("reload", {{"name", "sleeper"}, {"waiting", true}},
          R"({"status": "ok", "time": 1.0, "info": {"stopped": [12527, 12528], "started": [12596, 12597], "kept": []}, "id": "r1"})"),
      "sleeper: reloaded (stopped 12527 12528; started 12596 12597)\n");
  EXPECT_EQ(
      Fmt("restart", {{"name", "web"}, {"graceful", true}, {"max_surge", 1}, {"waiting", true}},
          R"({"status": "ok", "time": 1.0, "info": {"stopped": [9001, 9002, 9003], "started": [9110, 9114, 9119], "kept": []}, "id": "rr1"})"),
      "web: restarted (stopped 9001 9002 9003; started 9110 9114 9119)\n");
  EXPECT_EQ(
      Fmt("start", {{"name", "sleep*"}, {"waiting", true}},
          R"({"status": "ok", "time": 1.0, "info": {"started": [12602, 12603], "kept": []}, "id": "r5"})"),
      "sleep*: started (pids 12602 12603)\n");
  EXPECT_EQ(Fmt("start", {{"name", "web"}, {"waiting", true}},
                R"({"status": "ok", "info": {"started": [], "kept": [5, 6]}})"),
            "web: already running (pids 5 6)\n");
  EXPECT_EQ(Fmt("stop", {{"name", "sleeper"}, {"waiting", true}},
                R"({"status": "ok", "time": 1.0, "info": null, "id": "r4"})"),
            "sleeper: stopped\n");
  EXPECT_EQ(Fmt("stop", json::object(), R"({"status": "ok", "time": 1.0})"),
            "all watchers: stopping\n");
  EXPECT_EQ(Fmt("restart", {{"name", "web"}}, R"({"status": "ok", "time": 1.0})"),
            "web: restarting\n");
}

// At 1,000 processes a roll's reply holds 2,000 pids: the line gives the
// counts and the first five of each list, never the whole list.
TEST(CtlFormatTest, LongPidListsAreSummarised) {
  json stopped = json::array(), started = json::array();
  for (int i = 0; i < 1000; ++i) {
    stopped.push_back(20000 + i);
    started.push_back(30000 + i);
  }
  const json reply = {{"status", "ok"}, {"info", {{"stopped", stopped}, {"started", started}, {"kept", json::array()}}}};
  EXPECT_EQ(Fmt("restart", {{"name", "pool"}, {"graceful", true}, {"waiting", true}}, reply.dump()),
            "pool: restarted (stopped 1000: 20000 20001 20002 20003 20004 +995 more; "
            "started 1000: 30000 30001 30002 30003 30004 +995 more)\n");
  const json start = {{"status", "ok"}, {"info", {{"started", started}, {"kept", json::array()}}}};
  EXPECT_EQ(Fmt("start", {{"name", "pool"}, {"waiting", true}}, start.dump()),
            "pool: started (pids 1000: 30000 30001 30002 30003 30004 +995 more)\n");
  // Eight pids are still listed in full; nine are summarised.
  json eight = json::array(), nine = json::array();
  for (int i = 1; i <= 8; ++i) eight.push_back(i);
  nine = eight;
  nine.push_back(9);
  EXPECT_EQ(Fmt("add", {{"name", "x"}, {"cmd", "c"}, {"start", true}, {"waiting", true}},
                json{{"status", "ok"}, {"started", eight}}.dump()),
            "x: added and started (pids 1 2 3 4 5 6 7 8)\n");
  EXPECT_EQ(Fmt("add", {{"name", "x"}, {"cmd", "c"}, {"start", true}, {"waiting", true}},
                json{{"status", "ok"}, {"started", nine}}.dump()),
            "x: added and started (pids 9: 1 2 3 4 5 +4 more)\n");
}

TEST(CtlFormatTest, OtherChanges) {
  EXPECT_EQ(Fmt("add", {{"name", "extra2"}, {"cmd", "sleep"}, {"start", true}, {"waiting", true}},
                R"({"status": "ok", "time": 1.0, "started": [12709], "kept": [], "id": "a4"})"),
            "extra2: added and started (pids 12709)\n");
  EXPECT_EQ(Fmt("add", {{"name", "x"}, {"cmd", "sleep"}}, R"({"status": "ok"})"), "x: added\n");
  EXPECT_EQ(Fmt("rm", {{"name", "extra2"}, {"waiting", true}}, R"({"status": "ok", "id": "rm1"})"),
            "extra2: removed\n");
  EXPECT_EQ(Fmt("set", {{"name", "sleeper"}, {"options", {{"numprocesses", 2}}}},
                R"({"status": "ok", "time": 1.0, "id": "s1"})"),
            "sleeper: set numprocesses=2\n");
  EXPECT_EQ(Fmt("signal", {{"name", "sleeper"}, {"pid", 12362}, {"signum", "USR1"}},
                R"({"status": "ok", "time": 1.0, "id": "g1"})"),
            "sleeper: sent USR1 to pid 12362\n");
  EXPECT_EQ(Fmt("signal", {{"name", "web"}, {"signum", "HUP"}, {"children", true}},
                R"({"status": "ok"})"),
            "web: sent HUP to the children of every process\n");
  EXPECT_EQ(Fmt("kill", {{"name", "sleeper"}, {"pid", "8421"}, {"waiting", true}},
                R"({"status": "ok", "time": 1.0, "id": "k1"})"),
            "sleeper: killed pid 8421\n");
  EXPECT_EQ(Fmt("quit", {{"waiting", true}}, R"({"status": "ok", "id": "x1"})"),
            "ringmasterd stopped\n");
  EXPECT_EQ(Fmt("reloadconfig", {{"waiting", true}}, R"({"status": "ok", "id": "c1"})"),
            "configuration reloaded\n");
  EXPECT_EQ(
      Fmt("reloadconfig", {{"waiting", true}, {"detail", true}},
          R"({"status": "ok", "changes": {"added": ["api"], "removed": [], "reloaded": ["web"], "resized": [], "updated": [], "sockets": {"added": [], "removed": [], "rebound": []}, "needs_restart": ["endpoint"]}})"),
      "configuration reloaded\n  added: api\n  reloaded: web\n  needs daemon restart: endpoint\n");
}

TEST(CtlFormatTest, Stats) {
  EXPECT_EQ(
      Fmt("stats", {{"name", "sleeper"}, {"process", 8420}},
          R"({"status": "ok", "time": 1.0, "process": 8420, "info": {"mem_info1": "1.39M", "mem_info2": "2.44M", "cpu": 0.0, "mem": 0.006, "ctime": "0:00.00", "pid": 8420, "username": "root", "nice": 0, "create_time": 1732190003.97, "age": 20.09, "cmdline": "sleep", "children": [], "started": 1732190003.91, "wid": 1}, "id": "q9"})"),
      "WATCHER  PID   WID  CPU   MEM    RSS    VMS    CTIME    AGE      CMD\n"
      "sleeper  8420  1    0.0%  0.01%  1.39M  2.44M  0:00.00  0:00:20  sleep\n");
  const std::string all = Fmt(
      "stats", json::object(),
      R"js({"status": "ok", "infos": {"web": {"10": {"pid": 10, "wid": 2, "cpu": 1.5, "mem": 12.25, "mem_info1": "1M", "mem_info2": "2M", "ctime": "0:01.00", "age": 3700, "cmdline": "py", "children": [{"pid": 11, "cpu": "N/A", "mem": 0.1, "mem_info1": "5K", "mem_info2": "6K", "ctime": "0:00.00", "age": 5, "cmdline": "sh", "children": []}]}, "9": "No such process (stopped?)"}, "idle": {}}})js");
  EXPECT_EQ(
      all,
      "WATCHER  PID   WID  CPU   MEM     RSS  VMS  CTIME    AGE      CMD\n"
      "web      9                                                    No such process (stopped?)\n"
      "web      10    2    1.5%  12.25%  1M   2M   0:01.00  1:01:40  py\n"
      "           11  -    N/A   0.10%   5K   6K   0:00.00  0:00:05  sh\n");
  EXPECT_EQ(Fmt("stats", json::object(), R"({"status": "ok", "infos": {}})"), "(no processes)\n");
}

TEST(CtlFormatTest, PlainStatus) {
  EXPECT_EQ(
      Fmt("status", {{"name", "sleeper"}}, R"({"status": "active", "time": 1.0, "id": "q4"})"),
      "sleeper: active\n");
  EXPECT_EQ(
      Fmt("status", json::object(),
          R"({"status": "ok", "time": 1.0, "statuses": {"sleeper": "active", "Extra": "stopped"}, "id": "rc2"})"),
      "Extra: stopped\nsleeper: active\n");
}

TEST(CtlStatusViewTest, Uptime) {
  EXPECT_EQ(FormatUptime(0), "0:00:00");
  EXPECT_EQ(FormatUptime(725.9), "0:12:05");
  EXPECT_EQ(FormatUptime(86400 + 3723), "1 day, 1:02:03");
  EXPECT_EQ(FormatUptime(2 * 86400 + 36000), "2 days, 10:00:00");
  EXPECT_EQ(FormatUptime(-5), "0:00:00");
}

TEST(CtlStatusViewTest, RowsFromDetail) {
  const json reply = json::parse(
      R"({"status": "active", "time": 1732190050.2, "detail": {"state": "active", "readiness": "partial", "numprocesses": 3, "running": 3, "ready": 2, "busy": {"command": "reload", "id": "r8", "since": 1732190047.9, "step": "2/3"}, "restarts": 0, "processes": [{"pid": 9003, "wid": 3, "state": "ready", "started": 1732190001.3, "ready_at": 1732190001.9, "rss": 31457280, "status_text": null}, {"pid": 9110, "wid": 1, "state": "ready", "started": 1732190048.0, "ready_at": 1732190048.6, "rss": 29360128, "status_text": "listening"}, {"pid": 9114, "wid": 2, "state": "starting", "started": 1732190049.7, "ready_at": null, "rss": 10485760, "status_text": null}], "backoff": []}, "id": "d7"})");
  auto rows = RowsFromStatusDetail(reply, "web", 1732190050.2);
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(FormatStatusTable(*rows),
            "WATCHER  STATE   PROCS  PIDS            UPTIME   NOTE\n"
            "web      active  3/3    9003,9110,9114  0:00:48  reload in progress (step 2/3); 2/3 "
            "ready\n");
  // A daemon without the extension: no detail field, the caller falls back.
  EXPECT_FALSE(RowsFromStatusDetail(json::parse(R"({"status": "active"})"), "web", 0).has_value());
  EXPECT_FALSE(
      RowsFromStatusDetail(json::parse(R"({"status": "ok", "statuses": {}})"), "", 0).has_value());
}

TEST(CtlStatusViewTest, AllWatchersFromDetails) {
  const json reply =
      json::parse(R"({"status": "ok", "statuses": {"web": "active", "Idle": "stopped"},
      "details": {"web": {"state": "active", "readiness": "ready", "numprocesses": 2, "running": 2, "ready": 2, "busy": null, "restarts": 1,
                          "processes": [{"pid": 10, "started": 1000.0}, {"pid": 11, "started": 1500.0}],
                          "backoff": [{"wid": 3, "failures": 2, "delay": 4.0, "next_spawn": 2003.5}]},
                  "Idle": {"state": "stopped", "readiness": "stopped", "numprocesses": 1, "running": 0, "ready": 0, "busy": null, "restarts": 0, "processes": [], "backoff": []}}})");
  auto rows = RowsFromStatusDetail(reply, "", 2000.0);
  ASSERT_TRUE(rows.has_value());
  EXPECT_EQ(
      FormatStatusTable(*rows),
      "WATCHER  STATE    PROCS  PIDS   UPTIME   NOTE\n"
      "Idle     stopped  0/1    -      -\n"
      "web      active   2/2    10,11  0:16:40  1 in backoff (next spawn in 3.5s); 1 restart\n");
}

TEST(CtlStatusViewTest, RowsFromSummaryDetails) {
  const json reply =
      json::parse(R"({"status": "ok", "statuses": {"web": "active"},
      "details": {"web": {"state": "active", "readiness": "ready", "numprocesses": 8, "running": 8, "ready": 8, "busy": null, "restarts": 0,
                          "pids": [10, 11, 12, 13, 14, 15, 16, 17], "oldest_started": 1000.0, "backoff": []}}})");
  auto rows = RowsFromStatusDetail(reply, "", 2000.0);
  ASSERT_TRUE(rows.has_value());
  EXPECT_EQ(FormatStatusTable(*rows),
            "WATCHER  STATE   PROCS  PIDS                       UPTIME\n"
            "web      active  8/8    10,11,12,13,14,15,+2 more  0:16:40\n");
}

TEST(CtlStatusViewTest, FallbackFacts) {
  const json status = json::parse(
      R"({"status": "ok", "statuses": {"sleeper": "active", "Extra": "stopped"}, "id": "rc2"})");
  std::vector<WatcherRow> rows;
  for (const auto& [name, state] : StatesFromStatusReply(status, "")) {
    WatcherFacts f;
    f.name = name;
    f.state = state;
    if (name == "sleeper") {
      f.list_reply = json::parse(R"({"status": "ok", "pids": [8420, 8421, 8422]})");
      f.stats_reply = json::parse(
          R"js({"status": "ok", "name": "sleeper", "info": {"8420": {"age": 725.0}, "8421": {"age": 30.0}, "8422": "No such process (stopped?)"}})js");
      f.get_reply = json::parse(R"({"status": "ok", "options": {"numprocesses": 3}})");
    }
    rows.push_back(RowFromFacts(f));
  }
  EXPECT_EQ(FormatStatusTable(rows),
            "WATCHER  STATE    PROCS  PIDS            UPTIME\n"
            "Extra    stopped  -/-    -               -\n"
            "sleeper  active   3/3    8420,8421,8422  0:12:05\n");
  EXPECT_EQ(StatesFromStatusReply(json::parse(R"({"status": "active"})"), "web"),
            (std::vector<std::pair<std::string, std::string>>{{"web", "active"}}));
}

TEST(CtlStatusViewTest, ManyPidsAreElided) {
  WatcherRow row{"big", "active", 8, 8, {1, 2, 3, 4, 5, 6, 7, 8}, 1.0, ""};
  EXPECT_EQ(FormatStatusTable({row}),
            "WATCHER  STATE   PROCS  PIDS                 UPTIME\n"
            "big      active  8/8    1,2,3,4,5,6,+2 more  0:00:01\n");
}

TEST(CtlTableTest, AlignsAndTrims) {
  EXPECT_EQ(FormatTable({"A", "BB", "C"}, {{"xxx", "y"}, {"", "", "z"}}),
            "A    BB  C\n"
            "xxx  y\n"
            "         z\n");
  EXPECT_EQ(FormatTable({"N", "X"}, {{"é", "1"}}), "N  X\né  1\n");
}

}  // namespace
}  // namespace ringmaster
