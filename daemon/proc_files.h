// Small /proc files, read whole in one go, and the fields of /proc/<pid>/stat
// and /proc/<pid>/statm the daemon uses (proc(5)). Nothing here waits. Any
// thread.
#ifndef RINGMASTER_DAEMON_PROC_FILES_H_
#define RINGMASTER_DAEMON_PROC_FILES_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace ringmaster {

// The file's content (at most about `limit` bytes), or nullopt if it cannot
// be opened (the process is gone, or the file does not exist).
std::optional<std::string> ReadProcFile(const std::string& path, size_t limit = 16384);

struct PidStat {
  char state = '?';
  pid_t ppid = 0;
  uint64_t utime = 0, stime = 0;  // clock ticks
  long nice = 0;
  uint64_t starttime = 0;  // clock ticks after boot
  uint64_t rss_pages = 0;
};
std::optional<PidStat> ReadPidStat(pid_t pid);

struct PidStatm {
  uint64_t size_pages = 0, resident_pages = 0;
};
std::optional<PidStatm> ReadPidStatm(pid_t pid);

// Resident set size in bytes (statm: the process alone), or nullopt.
std::optional<uint64_t> ReadRssBytes(pid_t pid);

uint64_t PageSize();

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_PROC_FILES_H_
