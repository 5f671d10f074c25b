// Reads the process tree from /proc (this kernel may lack the per-task
// "children" files, so ppid links come from /proc/<pid>/stat). Used when a
// stop escalates to SIGKILL and to find orphans adopted by the daemon.
#ifndef RINGMASTER_DAEMON_PROCESS_TREE_H_
#define RINGMASTER_DAEMON_PROCESS_TREE_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ringmaster {

class ProcessTree {
 public:
  // Snapshot of every process's parent.
  static ProcessTree Scan();

  std::vector<pid_t> ChildrenOf(pid_t pid) const;
  // Every descendant of pid (not pid itself), breadth first.
  std::vector<pid_t> DescendantsOf(pid_t pid) const;

 private:
  std::unordered_multimap<pid_t, pid_t> children_;  // ppid -> pid
};

// The value of one variable in /proc/<pid>/environ, if readable and present.
std::optional<std::string> ReadProcessEnv(pid_t pid, const std::string& name);

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_PROCESS_TREE_H_
