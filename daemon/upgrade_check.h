// Runs `EXE --check CONFIG` as a child, on the loop, never blocking it: the
// new binary must run and accept the running daemon's config before the
// upgrade goes on. Collects what it prints (stdout and stderr, capped) and
// kills it after `timeout_s`. One check per object; loop thread only.
#ifndef RINGMASTER_DAEMON_UPGRADE_CHECK_H_
#define RINGMASTER_DAEMON_UPGRADE_CHECK_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/handover_state.h"
#include "daemon/arbiter.h"
#include "daemon/event_loop.h"
#include "daemon/unique_fd.h"

namespace ringmaster {

struct UpgradeCheckResult {
  bool ok = false;
  std::string output;             // what the check printed, trimmed
  std::string error;              // why it was refused (includes the output)
  std::optional<BuildInfo> build;  // the new binary's build, from its output
};

class UpgradeCheck {
 public:
  using Done = std::function<void(const UpgradeCheckResult&)>;
  UpgradeCheck(EventLoop& loop, Arbiter& arbiter);
  ~UpgradeCheck();
  UpgradeCheck(const UpgradeCheck&) = delete;
  UpgradeCheck& operator=(const UpgradeCheck&) = delete;

  // `done` runs once, from the loop (never from inside Run).
  void Run(const std::string& exe, const std::string& config, double timeout_s, Done done);

 private:
  void OnReadable(UniqueFd& fd, std::unique_ptr<FdWatch>& watch);
  void OnExit(int wait_status);
  void OnTimeout();
  void Finish(UpgradeCheckResult r);

  EventLoop& loop_;
  Arbiter& arbiter_;
  std::string exe_;
  pid_t pid_ = -1;
  UniqueFd status_, out_, err_;
  std::unique_ptr<FdWatch> status_watch_, out_watch_, err_watch_;
  std::string exec_error_, output_;
  Timer timeout_;
  Timer deliver_;
  std::optional<UpgradeCheckResult> result_;
  double timeout_s_ = 0;
  bool timed_out_ = false;
  Done done_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_UPGRADE_CHECK_H_
