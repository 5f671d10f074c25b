// Crash storms and flapping (docs/config.md §10.2): a storm of kills is
// replaced at once (the per-slot burst), a slot that keeps crashing backs off,
// a watcher that keeps crashing flaps, and exits the daemon caused never
// count. backoff_initial is large in these tests, so a respawn that waited
// the backoff cannot pass for an immediate one on a slow machine.
#include <signal.h>
#include <time.h>

#include <map>
#include <set>

#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {
namespace {

class CrashStorm : public ControlTest {
 protected:
  // wid -> pid of the live processes of `name`, from status detail.
  std::map<int, pid_t> Slots(const std::string& name) {
    std::map<int, pid_t> out;
    nlohmann::json r = Call("status", {{"name", name}, {"detail", true}});
    for (const auto& p : r["detail"]["processes"]) {
      if (p.value("state", "") == "ready" || p.value("state", "") == "starting") {
        out[p["wid"].get<int>()] = p["pid"].get<pid_t>();
      }
    }
    return out;
  }
  nlohmann::json Backoff(const std::string& name) {
    return Call("status", {{"name", name}, {"detail", true}})["detail"]["backoff"];
  }
  // Waits until every wid in `wids` runs a pid other than the one in `old`.
  bool WaitReplaced(const std::string& name, const std::map<int, pid_t>& old, double deadline) {
    return WaitUntil([&] {
      std::map<int, pid_t> now = Slots(name);
      for (const auto& [wid, pid] : old) {
        auto it = now.find(wid);
        if (it == now.end() || it->second == pid) return false;
      }
      return true;
    }, deadline);
  }
};

constexpr char kSlowBackoff[] = "backoff_initial = 30\nbackoff_max = 30\nbackoff_jitter = 0\n";

TEST_F(CrashStorm, HalfOfFiftyKilledAtOnceAreAllReplacedWithoutBackoff) {
  StartWith(Sleeper("w", 50, kSlowBackoff));
  ASSERT_TRUE(WaitWorkers(50, 30)) << daemon_->Log();
  std::map<int, pid_t> all = Slots("w");
  ASSERT_EQ(all.size(), 50u);
  std::map<int, pid_t> victims;
  for (const auto& [wid, pid] : all) {
    if (wid % 2 == 0) victims[wid] = pid;
  }
  for (const auto& [wid, pid] : victims) ASSERT_EQ(kill(pid, SIGKILL), 0);
  // Any slot in backoff would wait 30 s.
  ASSERT_TRUE(WaitReplaced("w", victims, 15)) << daemon_->Log();
  EXPECT_EQ(Slots("w").size(), 50u);
  EXPECT_TRUE(Backoff("w").empty()) << Backoff("w").dump();
  EXPECT_EQ(CountInLog("respawns in"), 0u);
}

TEST_F(CrashStorm, ThreeCrashesOfASlotAreImmediateTheFourthBacksOff) {
  StartWith(Sleeper("w", 20, std::string(kSlowBackoff) + "backoff_window = 120\n"));
  ASSERT_TRUE(WaitWorkers(20, 30)) << daemon_->Log();
  std::map<int, pid_t> victims;
  for (const auto& [wid, pid] : Slots("w")) {
    if (wid <= 10) victims[wid] = pid;
  }
  ASSERT_EQ(victims.size(), 10u);
  for (int round = 1; round <= 3; ++round) {
    for (const auto& [wid, pid] : victims) ASSERT_EQ(kill(pid, SIGKILL), 0);
    ASSERT_TRUE(WaitReplaced("w", victims, 15)) << "round " << round << "\n" << daemon_->Log();
    std::map<int, pid_t> now = Slots("w");
    for (auto& [wid, pid] : victims) pid = now.at(wid);
    EXPECT_TRUE(Backoff("w").empty()) << "round " << round << ": " << Backoff("w").dump();
  }
  // The fourth crash within the window waits backoff_initial.
  for (const auto& [wid, pid] : victims) ASSERT_EQ(kill(pid, SIGKILL), 0);
  std::set<int> waiting;
  ASSERT_TRUE(WaitUntil([&] {
    waiting.clear();
    for (const auto& b : Backoff("w")) waiting.insert(b["wid"].get<int>());
    return waiting.size() == 10;
  }, 15)) << Backoff("w").dump() << daemon_->Log();
  for (const auto& b : Backoff("w")) {
    EXPECT_DOUBLE_EQ(b["delay"].get<double>(), 30.0);
    EXPECT_EQ(b["failures"].get<int>(), 4);
    EXPECT_LE(b["wid"].get<int>(), 10);
  }
  EXPECT_EQ(Slots("w").size(), 10u) << "the ten other slots are untouched";
}

TEST_F(CrashStorm, CrashingBinaryFlapsRetriesThenGivesUpWithEventsInOrder) {
  StartWith("[watcher:flappy]\ncmd = " + Worker("--exit-after 0 --exit-code 4") +
            "\nautostart = false\nnumprocesses = 2\nbackoff_initial = 0.05\nbackoff_jitter = 0\n"
            "flapping.attempts = 2\nflapping.window = 5\nflapping.retry_in = 1\n"
            "flapping.max_retry = 1\n" + Sleeper("probe", 1));
  EventSubscriber events(PubEndpoint(), "watcher.");
  // The SUB must be connected before the start (slow joiner): restart the
  // probe watcher until one of its events arrives.
  ASSERT_TRUE(WaitUntil([&] {
    Call("restart", {{"name", "probe"}, {"waiting", true}});
    return events.Next(0.3).has_value();
  }, 15));
  while (events.Next(0.2)) {
  }
  std::vector<std::string> topics;
  std::vector<nlohmann::json> flaps;
  Call("start", {{"name", "flappy"}});
  const double deadline = 30;
  for (;;) {
    auto ev = events.Next(deadline);
    ASSERT_TRUE(ev) << "events so far: " << nlohmann::json(topics).dump() << "\n" << daemon_->Log();
    if (ev->first.rfind("watcher.flappy.", 0) != 0) continue;
    const std::string kind = ev->first.substr(ev->first.rfind('.') + 1);
    if (kind == "flapping" || kind == "start" || kind == "stop") topics.push_back(kind);
    if (kind == "flapping") {
      flaps.push_back(ev->second);
      if (ev->second.value("gave_up", false)) break;
    }
  }
  // Started, flapped, stopped, retried, flapped again and gave up.
  const std::vector<std::string> want = {"start", "flapping", "stop", "start", "flapping", "stop"};
  ASSERT_TRUE(WaitUntil([&] {
    while (auto ev = events.Next(0.2)) {
      if (ev->first.rfind("watcher.flappy.", 0) != 0) continue;
      const std::string kind = ev->first.substr(ev->first.rfind('.') + 1);
      if (kind == "flapping" || kind == "start" || kind == "stop") topics.push_back(kind);
    }
    return topics.size() >= want.size();
  }, 15)) << nlohmann::json(topics).dump();
  // The first start may come before the first flap or not at all, depending
  // on whether both processes became ready before crashing: compare from the
  // first flap on.
  auto first = std::find(topics.begin(), topics.end(), "flapping");
  std::vector<std::string> tail(first, topics.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"flapping", "stop", "start", "flapping", "stop"}))
      << nlohmann::json(topics).dump();
  ASSERT_EQ(flaps.size(), 2u);
  EXPECT_EQ(flaps[0]["tries"], 1);
  EXPECT_DOUBLE_EQ(flaps[0]["retry_in"].get<double>(), 1.0);
  EXPECT_TRUE(flaps[0]["next_retry"].is_number());
  EXPECT_EQ(flaps[1]["tries"], 2);
  EXPECT_TRUE(flaps[1]["gave_up"].get<bool>());
  // It stays stopped, and status says it gave up.
  nlohmann::json st = Call("status", {{"name", "flappy"}, {"detail", true}});
  EXPECT_EQ(st["status"], "stopped");
  EXPECT_TRUE(st["detail"]["flapping"]["gave_up"].get<bool>()) << st.dump();
  // An explicit start forgets it: no `gave_up`, and a new flap counts from 1.
  Call("start", {{"name", "flappy"}});
  nlohmann::json after = Call("status", {{"name", "flappy"}, {"detail", true}})["detail"]["flapping"];
  EXPECT_TRUE(after.is_null() || (after["tries"] == 1 && !after.contains("gave_up"))) << after.dump();
}

TEST_F(CrashStorm, FlappingStateShowsTheNextRetry) {
  StartWith("[watcher:flappy]\ncmd = " + Worker("--exit-after 0") +
            "\nnumprocesses = 2\nbackoff_initial = 0.05\nbackoff_jitter = 0\n"
            "flapping.attempts = 2\nflapping.window = 5\nflapping.retry_in = 60\n");
  ASSERT_TRUE(WaitUntil([&] { return Call("status", {{"name", "flappy"}})["status"] == "flapping"; },
                        20))
      << daemon_->Log();
  nlohmann::json st = Call("status", {{"name", "flappy"}, {"detail", true}});
  EXPECT_EQ(st["detail"]["state"], "flapping");
  EXPECT_EQ(st["detail"]["readiness"], "stopped");
  const double next = st["detail"]["flapping"]["next_retry"].get<double>();
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  EXPECT_GT(next, static_cast<double>(now.tv_sec) + 30);
  EXPECT_EQ(st["detail"]["flapping"]["tries"], 1);
  // A flapping watcher costs nothing: no process, no spawn while it waits.
  EXPECT_TRUE(LiveWorkers().empty());
  // stop cancels the retry; the watcher is plainly stopped.
  Call("stop", {{"name", "flappy"}, {"waiting", true}});
  EXPECT_EQ(Call("status", {{"name", "flappy"}})["status"], "stopped");
}

// circus-tent/circus#809: Circus's flapping plugin counts a commanded stop as
// a flap. Here, stops, restarts, decr and kill never count.
TEST_F(CrashStorm, CommandedExitsAreNeverFlaps) {
  StartWith(Sleeper("w", 3,
                    "backoff_burst = 0\nflapping.attempts = 1\nflapping.window = 60\n"
                    "flapping.retry_in = 60\n"));
  EventSubscriber events(PubEndpoint(), "watcher.w.");
  ASSERT_TRUE(WaitWorkers(3, 20)) << daemon_->Log();
  for (int i = 0; i < 3; ++i) {
    Call("stop", {{"name", "w"}, {"waiting", true}});
    Call("start", {{"name", "w"}, {"waiting", true}});
    Call("restart", {{"name", "w"}, {"waiting", true}});
  }
  Call("decr", {{"name", "w"}, {"nb", 2}, {"waiting", true}});
  Call("incr", {{"name", "w"}, {"nb", 2}, {"waiting", true}});
  std::map<int, pid_t> slots = Slots("w");
  ASSERT_EQ(slots.size(), 3u);
  Call("kill", {{"name", "w"}, {"pid", slots.begin()->second}, {"waiting", true}});
  Call("reload", {{"name", "w"}, {"waiting", true}});
  EXPECT_EQ(Call("status", {{"name", "w"}})["status"], "active");
  while (auto ev = events.Next(0.3)) {
    EXPECT_EQ(ev->first.find("flapping"), std::string::npos) << ev->second.dump();
  }
  EXPECT_EQ(CountInLog("flapping"), 0u) << daemon_->Log();
  EXPECT_EQ(CountInLog("respawns in"), 0u);
}

// circus-tent/circus#1157: a watcher with a bad cmd can make circusd
// unresponsive. Here 200 slots of a missing binary, retried for ever, spawn
// their burst and back off, and the daemon keeps answering at no CPU cost.
TEST_F(CrashStorm, BadCmdInManySlotsNeitherSpinsNorBlocksControl) {
  StartWith("[watcher:ghost]\ncmd = /nonexistent/ghost-binary\nnumprocesses = 200\n"
            "max_retry = -1\nbackoff_initial = 30\nbackoff_jitter = 0\n" + Sleeper("ok", 1));
  ASSERT_TRUE(WaitUntil([&] { return Backoff("ghost").size() == 200; }, 60)) << daemon_->Log();
  // The burst: about 4 spawns per slot, not a loop.
  const size_t failures = CountInLog("cannot spawn wid");
  EXPECT_GE(failures, 800u);
  EXPECT_LE(failures, 800u + 10);
  auto cpu = [&] {
    std::string stat = ReadFile("/proc/" + std::to_string(daemon_->pid()) + "/stat");
    std::istringstream in(stat.substr(stat.rfind(')') + 2));
    std::string f;
    long long ticks = 0;
    for (int i = 3; i <= 15 && in >> f; ++i) {
      if (i == 14 || i == 15) ticks += std::atoll(f.c_str());
    }
    return ticks;
  };
  const long long before = cpu();
  for (int i = 0; i < 20; ++i) {
    auto r = client_->Call("status", {}, 5);
    ASSERT_TRUE(r) << "status did not answer";
    EXPECT_EQ((*r)["statuses"]["ghost"], "active");
  }
  struct timespec pause{1, 0};
  nanosleep(&pause, nullptr);  // measures idle CPU over a second; not a wait for a condition
  EXPECT_LE(cpu() - before, 30) << "ticks of CPU in about a second";
  EXPECT_EQ(CountInLog("cannot spawn wid"), failures) << "no spawn while every slot waits";
}

TEST_F(CrashStorm, GivingUpOnASlotKeepsTheHealthyOnes) {
  // Slots 1 and 2 find their program; slot 3's does not exist.
  ASSERT_EQ(symlink(FakeWorkerPath().c_str(), dir_->Path("bin1").c_str()), 0);
  ASSERT_EQ(symlink(FakeWorkerPath().c_str(), dir_->Path("bin2").c_str()), 0);
  StartWith("[watcher:w]\ncmd = " + dir_->Path("bin") + "$(circus.wid) --pidfile-dir " + pids_dir_ +
            "\nnumprocesses = 3\nmax_retry = 1\nbackoff_initial = 0.05\n");
  ASSERT_TRUE(daemon_->WaitForLog("slot 3 gave up after 2 failed spawn(s)", 30)) << daemon_->Log();
  std::map<int, pid_t> slots = Slots("w");
  EXPECT_EQ(slots.size(), 2u);
  EXPECT_EQ(Call("status", {{"name", "w"}})["status"], "active");
  nlohmann::json backoff = Backoff("w");
  ASSERT_EQ(backoff.size(), 1u) << backoff.dump();
  EXPECT_EQ(backoff[0]["wid"], 3);
  EXPECT_TRUE(backoff[0]["gave_up"].get<bool>());
  EXPECT_NE(backoff[0]["error"].get<std::string>().find("No such file"), std::string::npos);
  // No later respawn of the slot, and the healthy ones keep their pids.
  EXPECT_EQ(Slots("w"), slots);
  // `start` retries the slot.
  ASSERT_EQ(symlink(FakeWorkerPath().c_str(), dir_->Path("bin3").c_str()), 0);
  Call("start", {{"name", "w"}, {"waiting", true}});
  ASSERT_TRUE(WaitUntil([&] { return Slots("w").size() == 3; }, 15)) << daemon_->Log();
  EXPECT_EQ(Slots("w").at(1), slots.at(1));
}

}  // namespace
}  // namespace ringmaster::test
