// The process mechanics of an in-place upgrade: the handover state goes into
// a memfd whose number the next image finds in RINGMASTER_HANDOVER_FD; the
// fds it names lose FD_CLOEXEC for the exec (and get it back if the exec
// fails); the binary is the path the daemon was started from. Loop thread.
#ifndef RINGMASTER_DAEMON_HANDOVER_H_
#define RINGMASTER_DAEMON_HANDOVER_H_

#include <optional>
#include <string>
#include <vector>

#include "core/handover_state.h"
#include "core/status.h"
#include "daemon/unique_fd.h"

namespace ringmaster {

inline constexpr char kHandoverEnv[] = "RINGMASTER_HANDOVER_FD";

// argv[0] as an absolute path, resolved once at startup against the working
// directory or PATH but not through symlinks, so a binary installed later at
// the same path (or a symlink moved to a new version) is what an upgrade runs.
std::string ResolveStartPath(const char* argv0);

// Clears FD_CLOEXEC on fds for an exec and puts back what it changed.
class InheritForExec {
 public:
  ~InheritForExec() { Restore(); }
  Status Clear(const std::vector<int>& fds);
  void Restore();

 private:
  std::vector<int> changed_;
};

// A memfd holding `blob`, positioned at 0, not close-on-exec.
Result<UniqueFd> WriteHandoverMemfd(const std::string& blob);

// Replaces this image with `exe` (argv[0] = exe, the rest as given), the
// memfd's number in the environment. Returns only on failure, with the
// environment as it was.
Status ExecWithHandover(const std::string& exe, const std::vector<std::string>& argv, int memfd);

// The state an earlier image of this process handed over, if this start is
// an upgrade: reads and closes the memfd and removes the variable (children
// must not see it). nullopt: not an upgrade. An error: there was a handover
// but its state cannot be used.
std::optional<Result<HandoverState>> TakeHandover();

// /proc/sys/kernel/random/boot_id ("" if unreadable).
std::string BootId();

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_HANDOVER_H_
