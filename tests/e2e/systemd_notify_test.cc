// Running under systemd (README "Running under systemd"): the real daemon
// with NOTIFY_SOCKET pointing at a unix datagram socket the test binds, the
// way systemd does for Type=notify: READY=1 once every autostart watcher's
// processes are ready, RELOADING=1/READY=1 around reloads and an in-place
// upgrade, WATCHDOG=1 every WATCHDOG_USEC/2, STOPPING=1, and none of the
// variables leaking into a child's environment.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <sstream>

#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {
namespace {

double WallNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool HasLine(const std::string& message, const std::string& line) {
  std::istringstream in(message);
  std::string l;
  while (std::getline(in, l)) {
    if (l == line) return true;
  }
  return false;
}

std::string Field(const std::string& message, const std::string& key) {
  std::istringstream in(message);
  std::string l;
  while (std::getline(in, l)) {
    if (l.rfind(key + "=", 0) == 0) return l.substr(key.size() + 1);
  }
  return "";
}

// systemd's end of NOTIFY_SOCKET: a bound unix datagram socket.
class NotifyReceiver {
 public:
  explicit NotifyReceiver(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    bound_ = fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~NotifyReceiver() {
    if (fd_ >= 0) close(fd_);
    unlink(path_.c_str());
  }
  bool bound() const { return bound_; }

  // The next datagram within `seconds`.
  std::optional<std::string> Next(double seconds) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(seconds * 1000)) <= 0) return std::nullopt;
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    std::string m(buf, static_cast<size_t>(n));
    all_.push_back(m);
    return m;
  }
  // The next datagram other than a watchdog ping, within `seconds`.
  std::optional<std::string> NextState(double seconds) {
    const double until = WallNow() + seconds;
    for (double left = seconds; left > 0; left = until - WallNow()) {
      auto m = Next(left);
      if (!m) return std::nullopt;
      if (*m != "WATCHDOG=1") return m;
    }
    return std::nullopt;
  }
  // Every datagram received so far, for failure messages.
  std::string History() const {
    std::string out;
    for (const std::string& m : all_) out += "[" + m + "] ";
    return out;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
  std::vector<std::string> all_;
};

class SystemdNotify : public ControlTest {
 protected:
  void SetUp() override {
    ControlTest::SetUp();
    receiver_ = std::make_unique<NotifyReceiver>(dir_->Path("notify.sock"));
    ASSERT_TRUE(receiver_->bound()) << strerror(errno);
  }
  void TearDown() override {
    ControlTest::TearDown();
    receiver_.reset();
  }
  // Three processes that report readiness over ringmaster's own notify
  // socket after 0.6 s, and one plain process.
  std::string Watchers(int plain = 1) const {
    return "[watcher:gated]\ncmd = " + Worker("--notify --ready-delay 0.6") +
           "\nnumprocesses = 3\nnotify_socket = true\n"
           "[watcher:plain]\ncmd = " + Worker() + "\nnumprocesses = " + std::to_string(plain) + "\n";
  }
  void Start(const std::string& config_path) {
    DaemonOptions opts;
    opts.env = {{"NOTIFY_SOCKET", dir_->Path("notify.sock")}, {"WATCHDOG_USEC", "200000"}};
    daemon_ = std::make_unique<Daemon>(*dir_, opts);
    started_at_ = WallNow();
    ASSERT_TRUE(daemon_->Start(config_path));
    client_ = std::make_unique<ControlClient>(Endpoint());
  }
  // Waits for READY=1 (skipping watchdog pings); any other state first fails.
  void ExpectReady(double seconds = 15) {
    auto m = receiver_->NextState(seconds);
    ASSERT_TRUE(m) << "no READY=1; got " << receiver_->History() << daemon_->Log();
    EXPECT_TRUE(HasLine(*m, "READY=1")) << *m;
    EXPECT_EQ(Field(*m, "MAINPID"), std::to_string(daemon_->pid())) << *m;
    last_ready_ = *m;
  }
  void ExpectReloadingThenReady() {
    auto m = receiver_->NextState(15);
    ASSERT_TRUE(m) << "no RELOADING=1; got " << receiver_->History() << daemon_->Log();
    EXPECT_TRUE(HasLine(*m, "RELOADING=1")) << *m;
    // systemd >= 253 ignores a RELOADING=1 without it.
    EXPECT_FALSE(Field(*m, "MONOTONIC_USEC").empty()) << *m;
    ExpectReady();
  }
  std::string ProcEnv(pid_t pid, const std::string& key) const {
    std::string env = ReadFile("/proc/" + std::to_string(pid) + "/environ");
    for (size_t pos = 0; pos < env.size();) {
      size_t end = env.find('\0', pos);
      if (end == std::string::npos) end = env.size();
      std::string kv = env.substr(pos, end - pos);
      if (kv.rfind(key + "=", 0) == 0) return kv.substr(key.size() + 1);
      pos = end + 1;
    }
    return "<unset>";
  }
  std::vector<int> Pids(const std::string& watcher) {
    nlohmann::json r = Call("list", {{"name", watcher}});
    return r.value("pids", std::vector<int>{});
  }
  // No child may see the service manager's variables; a notify_socket
  // watcher's children see ringmaster's own listener.
  void ExpectChildEnvClean() {
    ASSERT_TRUE(WaitUntil([&] { return Pids("plain").size() >= 1 && Pids("gated").size() == 3; }, 15));
    for (int pid : Pids("plain")) {
      EXPECT_EQ(ProcEnv(pid, "NOTIFY_SOCKET"), "<unset>") << DescribePid(pid);
      EXPECT_EQ(ProcEnv(pid, "WATCHDOG_USEC"), "<unset>") << DescribePid(pid);
      EXPECT_EQ(ProcEnv(pid, "WATCHDOG_PID"), "<unset>") << DescribePid(pid);
    }
    for (int pid : Pids("gated")) {
      EXPECT_EQ(ProcEnv(pid, "NOTIFY_SOCKET").rfind("@ringmasterd/", 0), 0u) << DescribePid(pid);
      EXPECT_EQ(ProcEnv(pid, "WATCHDOG_USEC"), "<unset>") << DescribePid(pid);
    }
  }

  std::unique_ptr<NotifyReceiver> receiver_;
  double started_at_ = 0;
  std::string last_ready_;
};

TEST_F(SystemdNotify, ReadyReloadWatchdogAndStopping) {
  const std::string config = WriteConfig(CircusSection() + Watchers());
  Start(config);
  ExpectReady();
  const double ready_at = WallNow();
  // Not before the three gated processes reported ready themselves.
  EXPECT_GE(ready_at - started_at_, 0.6) << receiver_->History();
  nlohmann::json st = Call("status", {{"name", "gated"}, {"detail", true}});
  ASSERT_EQ(st["detail"]["processes"].size(), 3u) << st;
  for (const auto& p : st["detail"]["processes"]) {
    EXPECT_EQ(p["state"], "ready") << p;
    ASSERT_TRUE(p["ready_at"].is_number()) << p;
    EXPECT_LE(p["ready_at"].get<double>(), ready_at + 0.05) << p;
  }
  EXPECT_EQ(Field(last_ready_, "STATUS"), "2 watchers, 4 processes") << last_ready_;

  // WATCHDOG_USEC=200000: a ping every 0.1 s.
  int pings = 0;
  const double until = WallNow() + 3;
  while (pings < 5 && WallNow() < until) {
    auto m = receiver_->Next(until - WallNow());
    if (m && *m == "WATCHDOG=1") ++pings;
  }
  EXPECT_GE(pings, 5) << receiver_->History();

  ExpectChildEnvClean();

  // reloadconfig (a resize): RELOADING=1, then READY=1 once done.
  ASSERT_TRUE(WriteFile(config, CircusSection() + Watchers(2)));
  nlohmann::json r = Call("reloadconfig", {{"waiting", true}});
  EXPECT_EQ(r.value("status", ""), "ok") << r;
  ExpectReloadingThenReady();
  EXPECT_EQ(Field(last_ready_, "STATUS"), "2 watchers, 5 processes") << last_ready_;

  // A refused reload: READY=1 all the same (the old config runs on).
  ASSERT_TRUE(WriteFile(config, CircusSection() + "[watcher:broken\n"));
  r = Call("reloadconfig", {{"waiting", true}});
  EXPECT_EQ(r.value("status", ""), "error") << r;
  ExpectReloadingThenReady();

  // SIGHUP reloads too.
  ASSERT_TRUE(WriteFile(config, CircusSection() + Watchers(2)));
  ASSERT_TRUE(daemon_->Signal(SIGHUP));
  ExpectReloadingThenReady();

  ASSERT_TRUE(daemon_->Signal(SIGTERM));
  auto m = receiver_->NextState(15);
  ASSERT_TRUE(m) << receiver_->History();
  EXPECT_TRUE(HasLine(*m, "STOPPING=1")) << *m;
  EXPECT_EQ(daemon_->WaitExit(30), 0) << daemon_->Log();
}

TEST_F(SystemdNotify, QuitCommandSendsStopping) {
  Start(WriteConfig(CircusSection() + Watchers()));
  ExpectReady();
  nlohmann::json r = Call("quit", {{"waiting", true}}, 30);
  EXPECT_EQ(r.value("status", ""), "ok") << r;
  auto m = receiver_->NextState(15);
  ASSERT_TRUE(m) << receiver_->History();
  EXPECT_TRUE(HasLine(*m, "STOPPING=1")) << *m;
  EXPECT_EQ(daemon_->WaitExit(30), 0) << daemon_->Log();
}

// An in-place upgrade is a re-exec: RELOADING=1 from the old image, READY=1
// from the new one once it serves, and the new image still pings the
// watchdog (it found NOTIFY_SOCKET and WATCHDOG_USEC again) without handing
// them to the children it spawns.
TEST_F(SystemdNotify, UpgradeIsReloadingThenReadyFromTheNewImage) {
  Start(WriteConfig(CircusSection() + Watchers()));
  ExpectReady();
  const std::vector<int> before = Pids("plain");
  ASSERT_EQ(before.size(), 1u);
  ASSERT_TRUE(daemon_->Signal(SIGUSR2));
  ExpectReloadingThenReady();
  ASSERT_TRUE(daemon_->WaitForLog("pid " + std::to_string(daemon_->pid()) + " kept", 10))
      << daemon_->Log();
  EXPECT_EQ(Field(last_ready_, "STATUS"), "2 watchers, 4 processes") << last_ready_;
  // The new image answers, and pings.
  client_ = std::make_unique<ControlClient>(Endpoint());
  ASSERT_TRUE(WaitUntil([&] { return client_->Call("numwatchers", {}, 0.5).has_value(); }, 10));
  auto ping = receiver_->Next(2);
  ASSERT_TRUE(ping) << receiver_->History();
  EXPECT_EQ(*ping, "WATCHDOG=1");
  // A process spawned by the new image does not inherit the variables.
  ASSERT_EQ(kill(before[0], SIGKILL), 0);
  ASSERT_TRUE(WaitUntil([&] {
    auto now = Pids("plain");
    return now.size() == 1 && now[0] != before[0];
  }, 15)) << daemon_->Log();
  ExpectChildEnvClean();
}

}  // namespace
}  // namespace ringmaster::test
