// Hostile and mistaken input over real ZeroMQ: numbers out of range, counts
// above max_numprocesses, configs that would stop everything. Each must get
// a clear error and leave the running processes alone.
#include <signal.h>

#include <limits>

#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {
namespace {

class HostileInput : public ControlTest {};

TEST_F(HostileInput, ResizeCountsAreRangeChecked) {
  StartWith(Sleeper("sleeper", 1));
  ASSERT_TRUE(WaitWorkers(1));
  const std::vector<pid_t> before = LiveWorkers();

  // Used to be accepted as +1000000 processes.
  nlohmann::json r = Call("decr", {{"name", "sleeper"}, {"nb", -1000000}, {"waiting", true}});
  EXPECT_EQ(r["errno"], 3) << r;
  EXPECT_EQ(r["reason"], "'nb' must be at least 1");
  r = Call("incr", {{"name", "sleeper"}, {"nb", 0}});
  EXPECT_EQ(r["errno"], 3) << r;
  // Used to overflow desired + nb.
  r = Call("incr", {{"name", "sleeper"}, {"nb", std::numeric_limits<int64_t>::max()}});
  EXPECT_EQ(r["errno"], 3) << r;
  EXPECT_EQ(r["reason"],
            "incr of 'sleeper' by 9223372036854775807 refused: numprocesses would be above "
            "max_numprocesses (10000)");
  r = Call("incr", {{"name", "sleeper"}, {"nb", 10000}});
  EXPECT_EQ(r["errno"], 3) << "1 + 10000 is above the ceiling: " << r;
  // decr by a huge count clamps at 0, as before.
  r = Call("decr", {{"name", "sleeper"}, {"nb", std::numeric_limits<int64_t>::max()},
                    {"waiting", true}});
  EXPECT_EQ(r["status"], "ok") << r;
  EXPECT_EQ(r["numprocesses"], 0);
  EXPECT_EQ(Call("numprocesses", {{"name", "sleeper"}})["numprocesses"], 0);
  EXPECT_TRUE(WaitUntil([&] { return LiveWorkers().empty(); }, 15));
  EXPECT_EQ(before.size(), 1u);
}

TEST_F(HostileInput, MaxNumprocessesBoundsIncrSetAndAdd) {
  StartDaemon(WriteConfig(CircusSection("max_numprocesses = 3") + Sleeper("sleeper", 2)));
  client_ = std::make_unique<ControlClient>(Endpoint());
  ASSERT_TRUE(WaitWorkers(2)) << daemon_->Log();
  EXPECT_EQ(Call("globaloptions", {{"option", "max_numprocesses"}})["options"],
            (nlohmann::json{{"max_numprocesses", 3}}));

  nlohmann::json r = Call("incr", {{"name", "sleeper"}, {"nb", 2}});
  EXPECT_EQ(r["errno"], 3) << r;
  r = Call("set", {{"name", "sleeper"}, {"options", {{"numprocesses", 4}}}});
  EXPECT_EQ(r["errno"], 3) << r;
  EXPECT_EQ(r["reason"], "'numprocesses' must be at most max_numprocesses (3), not 4");
  r = Call("add", {{"name", "extra"}, {"cmd", Worker()}, {"options", {{"numprocesses", 4}}}});
  EXPECT_EQ(r["errno"], 3) << r;
  EXPECT_EQ(Call("numwatchers")["numwatchers"], 1) << "nothing was added";
  EXPECT_EQ(Call("numprocesses", {{"name", "sleeper"}})["numprocesses"], 2);

  // Up to the ceiling is fine.
  r = Call("incr", {{"name", "sleeper"}, {"nb", 1}, {"waiting", true}});
  EXPECT_EQ(r["numprocesses"], 3) << r;
}

TEST_F(HostileInput, BadPidsAndTimeoutsAreRefused) {
  StartWith(Sleeper("sleeper", 2));
  ASSERT_TRUE(WaitWorkers(2));
  const std::vector<pid_t> before = LiveWorkers();
  // Out of range pids are refused, never truncated to some other pid.
  for (const nlohmann::json& pid :
       {nlohmann::json(-1), nlohmann::json(0), nlohmann::json("18446744073709551617"),
        nlohmann::json(4294967297LL)}) {
    nlohmann::json r = Call("kill", {{"name", "sleeper"}, {"pid", pid}});
    EXPECT_EQ(r["errno"], 3) << pid << " " << r;
    r = Call("signal", {{"name", "sleeper"}, {"signum", "TERM"}, {"pid", pid}});
    EXPECT_EQ(r["errno"], 3) << pid << " " << r;
  }
  nlohmann::json r =
      Call("kill", {{"name", "sleeper"}, {"pid", before[0]}, {"graceful_timeout", -5}});
  EXPECT_EQ(r["errno"], 3) << r;
  EXPECT_EQ(LiveWorkers(), before) << "no process was touched";
}

// An empty file (a truncated deploy, an editor crash) used to be applied as
// "no watchers" and stop everything.
TEST_F(HostileInput, ReloadOfAnEmptyFileIsRefusedAndNothingStops) {
  const std::string config = WriteConfig(CircusSection() + Sleeper("sleeper", 2));
  StartDaemon(config);
  client_ = std::make_unique<ControlClient>(Endpoint());
  ASSERT_TRUE(WaitWorkers(2)) << daemon_->Log();
  const std::vector<pid_t> before = LiveWorkers();

  for (const std::string& empty : {std::string(), std::string("; only a comment\n\n   \n# another\n")}) {
    ASSERT_TRUE(WriteFile(config, empty));
    nlohmann::json r = Call("reloadconfig", {{"waiting", true}});
    EXPECT_EQ(r["status"], "error") << r;
    EXPECT_EQ(r["errno"], 5) << r;
    EXPECT_EQ(r["reason"], "config error: " + config +
                               ": has no sections; refusing to apply an empty configuration "
                               "(write at least a [circus] section to run with no watchers)");
    EXPECT_EQ(Call("numwatchers")["numwatchers"], 1);
  }
  // SIGHUP takes the same path.
  ASSERT_TRUE(daemon_->Signal(SIGHUP));
  EXPECT_TRUE(daemon_->WaitForLog("has no sections", 10)) << daemon_->Log();
  EXPECT_EQ(Call("numwatchers")["numwatchers"], 1);
  EXPECT_EQ(LiveWorkers(), before) << "the old configuration keeps running";
}

TEST_F(HostileInput, StartupWithAnEmptyFileExitsWith2) {
  const std::string config = WriteConfig("\n; nothing here\n");
  StartDaemon(config);
  EXPECT_EQ(daemon_->WaitExit(15), 2);
  EXPECT_NE(daemon_->Log().find(config + ": has no sections"), std::string::npos)
      << daemon_->Log();
}

}  // namespace
}  // namespace ringmaster::test
