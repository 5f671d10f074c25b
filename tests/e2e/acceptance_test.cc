// Acceptance tests of the rotation work: no work lost or repeated while the
// fleet is restarted, rotated, resized and reconfigured; and reloadconfig
// leaves unchanged watchers alone.
#include <sys/wait.h>

#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {
namespace {

class Acceptance : public ControlTest {
 protected:
  std::string Example(const std::string& name) const {
    return std::string(RINGMASTER_BUILD_DIR) + "/examples/" + name;
  }
};

TEST_F(Acceptance, ReloadconfigLeavesUnchangedWatchersUntouched) {
  auto config = [&](const std::string& c_flags) {
    return CircusSection() + Sleeper("a", 2) + Sleeper("b", 2) + "[watcher:c]\ncmd = " +
           Worker(c_flags) + "\nnumprocesses = 2\n";
  };
  StartDaemon(WriteConfig(config("--print v1")));
  client_ = std::make_unique<ControlClient>(Endpoint());
  ASSERT_TRUE(WaitUntil([&] { return client_->Call("numwatchers", {}, 0.5).has_value(); }, 15));
  ASSERT_TRUE(WaitUntil([&] { return Call("numprocesses")["numprocesses"] == 6; }, 15));
  std::map<std::string, nlohmann::json> before;
  for (const char* w : {"a", "b", "c"}) before[w] = Call("list", {{"name", w}})["pids"];
  WriteConfig(config("--print v2"));
  nlohmann::json r = Call("reloadconfig", {{"waiting", true}, {"detail", true}}, 30);
  ASSERT_EQ(r["status"], "ok") << r;
  EXPECT_EQ(r["changes"]["reloaded"], nlohmann::json{"c"});
  EXPECT_EQ(Call("list", {{"name", "a"}})["pids"], before["a"]);
  EXPECT_EQ(Call("list", {{"name", "b"}})["pids"], before["b"]);
  nlohmann::json c_after = Call("list", {{"name", "c"}})["pids"];
  ASSERT_EQ(c_after.size(), 2u);
  for (auto& p : c_after) {
    EXPECT_EQ(std::find(before["c"].begin(), before["c"].end(), p), before["c"].end())
        << "c was rolled";
  }
}

TEST_F(Acceptance, ExactlyOnceWhileRestartingRotatingResizingAndReloading) {
  const int kFiles = 2000;
  std::string spool = dir_->Path("spool");
  auto config = [&](int n, const std::string& tag) {
    return CircusSection("check_delay = 0.5") + "[env:ingest]\nRELEASE = " + tag +
           "\n[watcher:ingest]\ncmd = " + Example("ingest_worker") + " --spool " + spool +
           " --work-ms 2 --id $(circus.wid) --ready-fd $(circus.ready_fd)\nready_fd = 3\n"
           "numprocesses = " + std::to_string(n) + "\nmax_age = 4\nmax_age_variance = 4\n"
           "graceful_timeout = 20\nclose_child_stdout = true\n"
           "[watcher:feeder]\ncmd = " + Example("feeder") + " --spool " + spool +
           " --rate 250 --count " + std::to_string(kFiles) + " --size 2048\n"
           "respawn = false\nclose_child_stdout = true\n";
  };
  StartDaemon(WriteConfig(config(20, "v1")));
  client_ = std::make_unique<ControlClient>(Endpoint());
  ASSERT_TRUE(WaitUntil([&] { return client_->Call("numwatchers", {}, 0.5).has_value(); }, 15));
  ASSERT_TRUE(WaitUntil([&] { return Call("status", {{"name", "ingest"}})["status"] == "active"; }, 30));

  // Disturb the fleet while the feeder runs (about 8 s at 250 files/s).
  nlohmann::json r;
  r = Call("restart", {{"name", "ingest"}, {"graceful", true}, {"max_surge", 5}, {"waiting", true}}, 60);
  EXPECT_EQ(r["status"], "ok") << r;
  r = Call("incr", {{"name", "ingest"}, {"nb", 4}, {"waiting", true}}, 60);
  EXPECT_EQ(r["numprocesses"], 24) << r;
  r = Call("reload", {{"name", "ingest"}, {"sequential", true}, {"max_unavailable", 4}, {"waiting", true}}, 60);
  EXPECT_EQ(r["status"], "ok") << r;
  r = Call("decr", {{"name", "ingest"}, {"nb", 4}, {"waiting", true}}, 60);
  EXPECT_EQ(r["numprocesses"], 20) << r;
  WriteConfig(config(20, "v2"));  // the environment changed: ingest is rolled
  r = Call("reloadconfig", {{"waiting", true}, {"detail", true}}, 60);
  EXPECT_EQ(r["status"], "ok") << r;
  EXPECT_EQ(r["changes"]["reloaded"], nlohmann::json{"ingest"}) << r;
  r = Call("restart", {{"name", "ingest"}, {"graceful", true}, {"max_unavailable", "25%"}, {"waiting", true}}, 60);
  EXPECT_EQ(r["status"], "ok") << r;

  // Wait for the feeder to finish and the spool to drain, then check it.
  ASSERT_TRUE(WaitUntil([&] { return Call("status", {{"name", "feeder"}})["status"] == "stopped"; }, 120))
      << daemon_->Log();
  ASSERT_TRUE(WaitUntil([&] {
    return ListDir(spool + "/incoming").empty() && ListDir(spool + "/claimed").empty();
  }, 120)) << "spool did not drain";
  std::string cmd = Example("spool_check") + " --spool " + spool + " --expect " +
                    std::to_string(kFiles) + " --size 2048 --wait 30 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_NE(daemon_->Log().find("rotating process"), std::string::npos)
      << "max_age rotations happened during the run";
}

}  // namespace
}  // namespace ringmaster::test
