// ringctl against the real daemon: output of each command, --json, --wait,
// exit codes, the default endpoint, listen, and the interactive shell.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {
namespace {

struct CtlRun {
  int code = -1;
  std::string out;  // stdout and stderr together
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs `env... ringctl args...` with a deadline (coreutils timeout), stdin
// from `input`.
CtlRun Ctl(const std::vector<std::string>& args, const std::string& env = "",
        const std::string& input = "") {
  std::string cmd = "printf '%s' " + Quote(input) + " | " + env + " timeout 30 " + RINGCTL_PATH;
  for (const auto& a : args) cmd += " " + Quote(a);
  cmd += " 2>&1";
  CtlRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class Ringctl : public ControlTest {
 protected:
  std::vector<std::string> E(std::vector<std::string> args) {
    args.insert(args.begin(), {"--endpoint", Endpoint()});
    return args;
  }
};

TEST_F(Ringctl, StatusTableAndJson) {
  StartWith(Sleeper("web", 2) + Sleeper("api", 1, "autostart = false"));
  ASSERT_TRUE(WaitWorkers(2));
  ASSERT_TRUE(WaitUntil([&] { return Call("status", {{"name", "web"}})["status"] == "active"; }, 10));
  CtlRun r = Ctl(E({"status"}));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("WATCHER"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("web"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2/2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stopped"), std::string::npos) << r.out;
  for (pid_t p : LiveWorkers()) EXPECT_NE(r.out.find(std::to_string(p)), std::string::npos) << r.out;

  r = Ctl(E({"--json", "status", "web"}));
  EXPECT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j["status"], "active");
}

TEST_F(Ringctl, WaitRestartAndIncrReturnWhenDone) {
  StartWith(Sleeper("web", 1));
  ASSERT_TRUE(WaitWorkers(1));
  pid_t old = LiveWorkers()[0];
  CtlRun r = Ctl(E({"restart", "web", "--wait"}));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find(std::to_string(old)), std::string::npos) << "names the stopped pid: " << r.out;
  EXPECT_FALSE(PidAlive(old));
  r = Ctl(E({"incr", "web", "2", "--wait"}));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("3"), std::string::npos) << r.out;
  EXPECT_EQ(Call("numprocesses", {{"name", "web"}})["numprocesses"], 3);
}

TEST_F(Ringctl, ExitCodes) {
  StartWith(Sleeper("web", 1));
  CtlRun r = Ctl(E({"stop", "nope"}));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("error: program nope not found"), std::string::npos) << r.out;
  r = Ctl(E({"incr"}));
  EXPECT_EQ(r.code, 2) << r.out;
  r = Ctl({"--endpoint", "ipc://" + dir_->Path("none.sock"), "--timeout", "1", "status"});
  EXPECT_EQ(r.code, 3) << r.out;
  r = Ctl(E({"frobnicate"}));
  EXPECT_EQ(r.code, 2) << r.out;
}

TEST_F(Ringctl, DefaultEndpointNeedsNoFlags) {
  std::string xdg = dir_->Path("xdg");
  ASSERT_TRUE(WriteFile(xdg + "/.keep", ""));
  std::string cfg = WriteConfig("[watcher:w]\ncmd = " + Worker() + "\n");
  DaemonOptions o;
  o.env = {{"XDG_RUNTIME_DIR", xdg}};
  daemon_ = std::make_unique<Daemon>(*dir_, o);
  ASSERT_TRUE(daemon_->Start(cfg));
  std::string env = "env XDG_RUNTIME_DIR=" + Quote(xdg) + " RINGMASTER_ENDPOINT=";
  ASSERT_TRUE(WaitUntil([&] { return Ctl({"status"}, env).code == 0; }, 15)) << Ctl({"status"}, env).out;
  EXPECT_NE(Ctl({"status"}, env).out.find("w "), std::string::npos);
}

TEST_F(Ringctl, ListenPrintsEvents) {
  StartWith(Sleeper("web", 1));
  ASSERT_TRUE(WaitWorkers(1));
  std::string out = dir_->Path("listen.out");
  pid_t listener = fork();
  ASSERT_GE(listener, 0);
  if (listener == 0) {
    int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(RINGCTL_PATH, RINGCTL_PATH, "--endpoint", Endpoint().c_str(), "listen", nullptr);
    _exit(127);
  }
  // Events published before the SUB connects are lost: repeat a harmless
  // change until one shows up.
  bool seen = WaitUntil([&] {
    Call("set", {{"name", "web"}, {"options", {{"max_age_variance", 30}}}});
    return ReadFile(out).find("watcher.web.updated") != std::string::npos;
  }, 15);
  kill(listener, SIGTERM);
  int status = 0;
  waitpid(listener, &status, 0);
  EXPECT_TRUE(seen) << ReadFile(out);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "listen exits 0 on SIGTERM";
}

TEST_F(Ringctl, InteractiveShellRunsCommands) {
  StartWith(Sleeper("web", 1));
  CtlRun r = Ctl(E({}), "", "list\nnumwatchers\n");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("web"), std::string::npos) << r.out;
}

TEST_F(Ringctl, HelpComesFromTheCommandTable) {
  CtlRun r = Ctl({"help", "incr"});
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("incr NAME [NB]"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace ringmaster::test
