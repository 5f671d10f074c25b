// Forks and execs one child as docs/config.md §6.3 describes. Everything the
// child needs is prepared in the parent (SpawnPlan), so the child only makes
// async-signal-safe calls between fork and exec. A failure in the child before
// exec is written to a close-on-exec status pipe as "STAGE: strerror"; EOF on
// that pipe means exec succeeded. Loop thread only.
#ifndef RINGMASTER_DAEMON_SPAWNER_H_
#define RINGMASTER_DAEMON_SPAWNER_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "daemon/unique_fd.h"

namespace ringmaster {

enum class StdioMode { kInherit, kDevNull, kPipe };

struct SpawnPlan {
  std::vector<std::string> argv;
  // Candidate paths to execve in order (PATH search done in the parent); the
  // first that is not ENOENT/ENOTDIR wins.
  std::vector<std::string> exec_candidates;
  std::vector<std::string> envp;  // "K=V"
  std::string working_dir;        // empty: inherit
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::optional<std::vector<gid_t>> groups;  // supplementary groups (with uid)
  std::vector<RlimitSetting> rlimits;
  StdioMode stdin_mode = StdioMode::kDevNull;
  StdioMode stdout_mode = StdioMode::kInherit;
  StdioMode stderr_mode = StdioMode::kInherit;
  std::optional<int> ready_fd;  // child fd number for the readiness pipe
  std::vector<int> keep_fds;    // inherited sockets (same fd number in the child)
};

struct SpawnedChild {
  pid_t pid = -1;
  UniqueFd status_fd;  // read end of the exec-status pipe (non-blocking)
  UniqueFd stdout_fd;  // read ends when kPipe (non-blocking)
  UniqueFd stderr_fd;
  UniqueFd ready_fd;   // read end of the readiness pipe
};

// Resolves argv[0] (or `executable`) to exec candidates: a name with '/' is used
// as is (relative to working_dir); otherwise each PATH entry of the child env
// (or /bin:/usr/bin).
std::vector<std::string> ExecCandidates(const std::string& program, const std::string& path_env);

// Forks and execs. Errors here are parent-side (fork, pipe) failures.
Result<SpawnedChild> Spawn(const SpawnPlan& plan);

// Raises this process's soft RLIMIT_NOFILE towards its hard limit (at most
// 65536; the daemon holds pipes for every child and a socket per HTTP
// connection) and has children start with the soft limit the daemon was
// given, as if the daemon had not changed it (a watcher's rlimit_nofile still
// applies on top). Returns the soft limit now in force. Call once, before any
// Spawn and before threads start.
unsigned long RaiseFdLimitKeepingChildren();

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_SPAWNER_H_
