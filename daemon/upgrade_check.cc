#include "daemon/upgrade_check.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "daemon/build_info.h"
#include "daemon/handover.h"
#include "daemon/spawner.h"

extern char** environ;

namespace ringmaster {
namespace {

constexpr size_t kMaxOutput = 16 * 1024;

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

UpgradeCheck::UpgradeCheck(EventLoop& loop, Arbiter& arbiter)
    : loop_(loop),
      arbiter_(arbiter),
      timeout_(loop, [this] { OnTimeout(); }),
      deliver_(loop, [this] {
        if (!result_ || !done_) return;
        Done done = std::move(done_);
        done_ = nullptr;
        done(*result_);
      }) {}

UpgradeCheck::~UpgradeCheck() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    arbiter_.WatchChild(pid_, [](int) {});  // reaped later, by nobody in particular
  }
}

void UpgradeCheck::Run(const std::string& exe, const std::string& config, double timeout_s,
                       Done done) {
  exe_ = exe;
  done_ = std::move(done);
  timeout_s_ = timeout_s;
  SpawnPlan plan;
  plan.argv = {exe, "--check", config};
  plan.exec_candidates = {exe};
  for (char** e = environ; *e != nullptr; ++e) {
    if (strncmp(*e, kHandoverEnv, strlen(kHandoverEnv)) != 0) plan.envp.emplace_back(*e);
  }
  plan.stdin_mode = StdioMode::kDevNull;
  plan.stdout_mode = StdioMode::kPipe;
  plan.stderr_mode = StdioMode::kPipe;
  Result<SpawnedChild> spawned = Spawn(plan);
  if (!spawned.ok()) {
    UpgradeCheckResult r;
    r.error = "cannot run " + exe + " --check: " + spawned.error();
    return Finish(std::move(r));
  }
  SpawnedChild& c = spawned.value();
  pid_ = c.pid;
  status_ = std::move(c.status_fd);
  out_ = std::move(c.stdout_fd);
  err_ = std::move(c.stderr_fd);
  status_watch_ = std::make_unique<FdWatch>(loop_, status_.get(), FdWatch::kRead, [this] {
    char buf[512];
    ssize_t n;
    while ((n = read(status_.get(), buf, sizeof buf)) > 0) exec_error_.append(buf, static_cast<size_t>(n));
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      status_watch_.reset();
      status_.Reset();
    }
  }, Priority::kSupervision);
  out_watch_ = std::make_unique<FdWatch>(loop_, out_.get(), FdWatch::kRead,
                                         [this] { OnReadable(out_, out_watch_); });
  err_watch_ = std::make_unique<FdWatch>(loop_, err_.get(), FdWatch::kRead,
                                         [this] { OnReadable(err_, err_watch_); });
  arbiter_.WatchChild(pid_, [this](int status) { OnExit(status); });
  timeout_.Start(timeout_s);
}

void UpgradeCheck::OnReadable(UniqueFd& fd, std::unique_ptr<FdWatch>& watch) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n > 0) {
      if (output_.size() < kMaxOutput) output_.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    watch.reset();
    fd.Reset();
    return;
  }
}

void UpgradeCheck::OnExit(int wait_status) {
  pid_ = -1;
  timeout_.Cancel();
  // What is still in the pipes was written before the exit.
  if (out_.valid()) OnReadable(out_, out_watch_);
  if (err_.valid()) OnReadable(err_, err_watch_);
  if (status_.valid()) {
    char buf[512];
    ssize_t n;
    while ((n = read(status_.get(), buf, sizeof buf)) > 0) exec_error_.append(buf, static_cast<size_t>(n));
  }
  status_watch_.reset();
  out_watch_.reset();
  err_watch_.reset();
  status_.Reset();
  out_.Reset();
  err_.Reset();
  UpgradeCheckResult r;
  r.output = Trim(output_);
  r.build = ParseBuildLine(output_);
  const std::string shown = r.output.empty() ? "" : ": " + r.output;
  if (timed_out_) {
    r.error = exe_ + " --check did not finish within " + std::to_string(static_cast<int>(timeout_s_)) +
              " s" + shown;
  } else if (!exec_error_.empty()) {
    r.error = "cannot run " + exe_ + ": " + Trim(exec_error_);
  } else if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    r.error = exe_ + " --check refused the configuration (" +
              (WIFEXITED(wait_status) ? "exit " + std::to_string(WEXITSTATUS(wait_status))
                                      : std::string("signal ") + strsignal(WTERMSIG(wait_status))) +
              ")" + shown;
  } else if (!r.build) {
    r.error = exe_ + " is not a ringmasterd that can take over (its --check printed no build line)" +
              shown;
  } else {
    r.ok = true;
  }
  Finish(std::move(r));
}

void UpgradeCheck::OnTimeout() {
  if (pid_ <= 0) return;
  timed_out_ = true;
  kill(pid_, SIGKILL);  // the reap reports it
}

void UpgradeCheck::Finish(UpgradeCheckResult r) {
  result_ = std::move(r);
  deliver_.Start(0);
}

}  // namespace ringmaster
