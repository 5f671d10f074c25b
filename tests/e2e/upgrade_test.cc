// In-place upgrade against the real daemon: the daemon runs from a copy of
// ringmasterd in the test's directory, a new build is installed over it (a
// new inode, renamed into place), and `upgrade` re-execs it with the same pid
// while 20 workers (one writing a numbered line after another) keep running.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "tests/e2e/http_e2e.h"
#include "tests/support/zmq_client.h"

namespace ringmaster::test {
namespace {

ino_t InodeOf(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

class Upgrade : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    exe_ = dir_->Path("bin/ringmasterd");
    std::filesystem::create_directories(dir_->Path("bin"));
    Install(DaemonPath());
  }

  // Installs `from` at exe_ the way a package manager does: copied to a new
  // file, then renamed over the old one (the running image keeps its inode).
  void Install(const std::string& from) {
    std::string tmp = exe_ + ".new";
    std::string cmd = "cp '" + from + "' '" + tmp + "' && chmod 755 '" + tmp + "' && mv -f '" + tmp +
                      "' '" + exe_ + "'";
    ASSERT_EQ(system(cmd.c_str()), 0) << cmd;
  }
  void InstallScript(const std::string& body) {
    std::string tmp = dir_->Path("script.tmp");
    ASSERT_TRUE(WriteFile(tmp, "#!/bin/sh\n" + body));
    Install(tmp);
  }

  // 19 fake workers and a writer of numbered lines to seq.out.
  void StartFleet() {
    port_ = FreePort();
    token_ = "secret";
    std::string seq = dir_->Path("seq.sh");
    ASSERT_TRUE(WriteFile(seq,
                          "i=0\nwhile :; do\n  echo $i\n  i=$((i+1))\n"
                          "  case $i in *00) sleep 0.01;; esac\ndone\n"));
    std::string cfg = WriteConfig(HttpConfig(
        Sleeper("sl", 19) + "[watcher:seq]\ncmd = /bin/sh " + seq +
            "\nstdout_stream.class = FileStream\nstdout_stream.filename = " + dir_->Path("seq.out") +
            "\n",
        token_));
    DaemonOptions opts;
    opts.program = exe_;
    daemon_ = std::make_unique<Daemon>(*dir_, opts);
    ASSERT_TRUE(daemon_->Start(cfg));
    ASSERT_TRUE(daemon_->WaitForLog("httpd listening on", 10)) << daemon_->Log();
    ASSERT_TRUE(WaitUntil([&] { return Pids().size() == 20; }, 20)) << daemon_->Log();
    exe_inode_ = InodeOf("/proc/" + std::to_string(daemon_->pid()) + "/exe");
  }

  std::string Endpoint() const { return "ipc://" + dir_->Path("ctl.sock"); }
  json Call(const std::string& command, const json& props = json::object(), double deadline = 10) {
    ControlClient c(Endpoint());
    return c.Call(command, props, deadline).value_or(json());
  }
  // watcher -> pids, from `list`.
  std::map<std::string, std::vector<int>> Fleet() {
    std::map<std::string, std::vector<int>> out;
    for (const char* w : {"sl", "seq"}) {
      json r = Call("list", {{"name", w}});
      if (r.value("status", "") != "ok") return {};
      out[w] = r["pids"].get<std::vector<int>>();
      std::sort(out[w].begin(), out[w].end());
    }
    return out;
  }
  std::vector<int> Pids() {
    std::vector<int> all;
    for (auto& [w, pids] : Fleet()) all.insert(all.end(), pids.begin(), pids.end());
    return all;
  }
  // Runs ringctl against the daemon: exit code and output. ringctl sets a
  // routing id, so the reply of a new image after an exec reaches it.
  std::pair<int, std::string> Ringctl(const std::vector<std::string>& args) {
    std::string cmd = std::string("timeout 60 ") + RINGCTL_PATH + " --endpoint " + Endpoint();
    for (const std::string& a : args) cmd += " " + a;
    return RunShell(cmd);
  }
  json RingctlJson(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"--json"};
    all.insert(all.end(), args.begin(), args.end());
    return json::parse(Ringctl(all).second, nullptr, false);
  }
  std::string ProcExe() const { return "/proc/" + std::to_string(daemon_->pid()) + "/exe"; }

  // Every line of seq.out is the number of its line: nothing lost, nothing twice.
  void ExpectSequenceWithoutGap(size_t at_least) {
    json stop = Call("stop", {{"name", "seq"}, {"waiting", true}}, 20);
    ASSERT_EQ(stop.value("status", ""), "ok") << stop.dump();
    std::istringstream in(ReadFile(dir_->Path("seq.out")));
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) {
      ASSERT_EQ(line, std::to_string(n)) << "line " << n + 1 << " of seq.out";
      ++n;
    }
    EXPECT_GE(n, at_least);
  }

  std::string exe_;
  ino_t exe_inode_ = 0;
};

TEST_F(Upgrade, KeepsEveryProcessAndLosesNoOutput) {
  StartFleet();
  const auto before = Fleet();
  ASSERT_EQ(before.at("sl").size(), 19u);
  json status_before = Call("status", {{"name", "sl"}, {"detail", true}});

  // Status is asked all along, from another client.
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0}, lost{0};
  std::thread poller([&] {
    ControlClient c(Endpoint());
    while (!stop) {
      auto r = c.Call("status", json::object(), 3);
      (r && r->value("status", "") == "ok" ? answered : lost)++;
    }
  });
  struct Join {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Join() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } join{stop, poller};

  Install(DaemonPath());  // the new build: a new file at the same path
  const ino_t installed = InodeOf(exe_);
  ASSERT_NE(installed, exe_inode_);
  // ringctl itself, as an operator runs it.
  auto [rc, out] = Ringctl({"--json", "upgrade", "--wait"});
  ASSERT_EQ(rc, 0) << out << daemon_->Log();
  json reply = json::parse(out, nullptr, false);
  ASSERT_TRUE(reply.is_object()) << out;
  EXPECT_EQ(reply["status"], "ok") << out;
  EXPECT_EQ(reply["pid"], daemon_->pid()) << out;
  EXPECT_EQ(reply["to"]["version"], reply["from"]["version"]) << out;
  EXPECT_FALSE(reply["to"]["build_id"].get<std::string>().empty()) << out;

  // Same pid, new file.
  ASSERT_TRUE(daemon_->running());
  EXPECT_EQ(InodeOf(ProcExe()), installed);
  char link[4096] = {};
  ASSERT_GT(readlink(ProcExe().c_str(), link, sizeof link - 1), 0);
  EXPECT_EQ(std::string(link), exe_);  // not "(deleted)": the installed file runs
  EXPECT_TRUE(daemon_->WaitForLog("pid " + std::to_string(daemon_->pid()) + " kept", 10));

  // Every process kept, with its uptime base and wid.
  EXPECT_EQ(Fleet(), before);
  json status_after = Call("status", {{"name", "sl"}, {"detail", true}});
  ASSERT_EQ(status_after.value("status", ""), "active") << status_after.dump();
  for (const auto& proc : status_before["detail"]["processes"]) {
    bool found = false;
    for (const auto& now : status_after["detail"]["processes"]) {
      if (now["pid"] != proc["pid"]) continue;
      found = true;
      EXPECT_EQ(now["wid"], proc["wid"]);
      EXPECT_EQ(now["started"], proc["started"]);
    }
    EXPECT_TRUE(found) << proc.dump();
  }
  // The handed-over HTTP listener answers on the same port.
  auto http = Get("/api/status", Auth());
  ASSERT_TRUE(http);
  EXPECT_EQ(http->status, 200);

  stop = true;
  poller.join();
  ASSERT_GT(status_before["detail"]["processes"].size(), 0u);
  EXPECT_GT(answered.load(), 0);
  // A request in flight at the instant of the exec may go unanswered; no more.
  EXPECT_LE(lost.load(), 1) << answered.load() << " answered";

  // The new image supervises: a worker killed with SIGKILL is replaced.
  const int victim = before.at("sl").front();
  ASSERT_EQ(kill(victim, SIGKILL), 0);
  ASSERT_TRUE(WaitUntil([&] {
    auto now = Fleet();
    return now.count("sl") && now["sl"].size() == 19 &&
           std::find(now["sl"].begin(), now["sl"].end(), victim) == now["sl"].end();
  }, 15)) << daemon_->Log();
  EXPECT_GE(CountInLog("exited unexpectedly"), 1u);

  ExpectSequenceWithoutGap(1000);
}

TEST_F(Upgrade, BinaryThatFailsTheCheckIsRefused) {
  StartFleet();
  const auto before = Fleet();
  InstallScript("echo 'this build is broken' >&2\nexit 1\n");
  json reply = Call("upgrade", {{"waiting", true}}, 30);
  ASSERT_EQ(reply.value("status", ""), "error") << reply.dump();
  const std::string reason = reply.value("reason", "");
  EXPECT_NE(reason.find("upgrade refused"), std::string::npos) << reason;
  EXPECT_NE(reason.find("this build is broken"), std::string::npos) << reason;
  // Nothing changed: same image, same processes, still answering.
  ASSERT_TRUE(daemon_->running());
  EXPECT_EQ(InodeOf(ProcExe()), exe_inode_);
  EXPECT_EQ(Fleet(), before);
  EXPECT_EQ(Call("status").value("status", ""), "ok");
  ExpectSequenceWithoutGap(1);
}

TEST_F(Upgrade, FailedExecLeavesTheDaemonRunning) {
  StartFleet();
  const auto before = Fleet();
  // Passes the check (the real binary's), then makes itself non-executable,
  // so the exec that follows fails with EACCES.
  InstallScript("'" + DaemonPath() + "' \"$@\"\nrc=$?\nchmod a-x \"$0\"\nexit $rc\n");
  json reply = Call("upgrade", {{"waiting", true}}, 30);
  ASSERT_EQ(reply.value("status", ""), "error") << reply.dump() << daemon_->Log();
  const std::string reason = reply.value("reason", "");
  EXPECT_NE(reason.find("cannot exec " + exe_), std::string::npos) << reason;
  EXPECT_NE(reason.find("Permission denied"), std::string::npos) << reason;
  ASSERT_TRUE(daemon_->running());
  EXPECT_EQ(InodeOf(ProcExe()), exe_inode_);
  EXPECT_EQ(Fleet(), before);
  EXPECT_EQ(Call("status").value("status", ""), "ok");
  // The old image is whole: a real build then upgrades it.
  Install(DaemonPath());
  reply = RingctlJson({"upgrade", "--wait"});
  EXPECT_EQ(reply.value("status", ""), "ok") << reply.dump() << daemon_->Log();
  EXPECT_EQ(InodeOf(ProcExe()), InodeOf(exe_));
  EXPECT_EQ(Fleet(), before);
  ExpectSequenceWithoutGap(1);
}

TEST_F(Upgrade, Sigusr2AndHttpUpgrade) {
  StartFleet();
  const auto before = Fleet();
  ASSERT_TRUE(daemon_->Signal(SIGUSR2));
  const std::string kept = "pid " + std::to_string(daemon_->pid()) + " kept";
  ASSERT_TRUE(daemon_->WaitForLog(kept, 20)) << daemon_->Log();
  EXPECT_EQ(Fleet(), before);
  // POST /api/upgrade: accepted at once; waiting is refused (the connection
  // does not survive the exec).
  auto r = Post("/api/upgrade", "{\"waiting\": true}");
  ExpectProblem(r, 400);
  auto unauthorized = Client()->Post("/api/upgrade", "", "application/json");
  ASSERT_TRUE(unauthorized);
  EXPECT_EQ(unauthorized->status, 401);
  r = Post("/api/upgrade");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  EXPECT_TRUE(Body(r)["from"]["build_id"].is_string()) << r->body;
  ASSERT_TRUE(WaitUntil([&] { return CountInLog(kept) == 2; }, 20)) << daemon_->Log();
  EXPECT_EQ(Fleet(), before);
  EXPECT_EQ(Get("/api/status", Auth())->status, 200);
}

}  // namespace
}  // namespace ringmaster::test
