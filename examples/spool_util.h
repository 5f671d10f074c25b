// Small POSIX helpers shared by the example programs: flag parsing, directory
// listing, durable writes, monotonic sleeps and the stop-signal flag.
// Header-only so each example stays a single self-contained executable.
#ifndef RINGMASTER_EXAMPLES_SPOOL_UTIL_H_
#define RINGMASTER_EXAMPLES_SPOOL_UTIL_H_

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "examples/spool_format.h"

namespace ringmaster::spool {

inline std::string ErrnoText() { return std::strerror(errno); }

// "--name value", "--name=value" and bare "--flag" (bool_flags, stored as "1").
// Anything else is an error, so a typo never silently falls back to a default.
inline bool ParseFlags(int argc, char** argv, const std::set<std::string>& value_flags,
                       const std::set<std::string>& bool_flags,
                       std::map<std::string, std::string>* out, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      *error = "unexpected argument '" + arg + "'";
      return false;
    }
    arg.erase(0, 2);
    std::string value;
    const size_t eq = arg.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = arg.substr(eq + 1);
      arg.erase(eq);
    }
    if (bool_flags.count(arg) && !inline_value) {
      (*out)[arg] = "1";
    } else if (value_flags.count(arg)) {
      if (!inline_value) {
        if (i + 1 >= argc) {
          *error = "--" + arg + " needs a value";
          return false;
        }
        value = argv[++i];
      }
      (*out)[arg] = value;
    } else {
      *error = "unknown option '--" + arg + "'";
      return false;
    }
  }
  return true;
}

inline bool ParseInt(const std::string& s, int64_t min, int64_t max, int64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const int64_t v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max) return false;
  *out = v;
  return true;
}

inline std::string Join(const std::string& a, const std::string& b) { return a + "/" + b; }

// mkdir -p DIR, then the four spool subdirectories. Concurrent callers are fine:
// EEXIST is success.
inline bool EnsureSpoolDirs(const std::string& dir, std::string* error) {
  std::vector<std::string> paths;
  for (size_t pos = 1; (pos = dir.find('/', pos)) != std::string::npos; ++pos) {
    paths.push_back(dir.substr(0, pos));
  }
  paths.push_back(dir);
  for (const char* sub : {kIncoming, kClaimed, kDone, kFailed}) paths.push_back(Join(dir, sub));
  for (const std::string& p : paths) {
    if (mkdir(p.c_str(), 0755) != 0 && errno != EEXIST) {
      *error = "cannot create " + p + ": " + ErrnoText();
      return false;
    }
  }
  return true;
}

// Sorted entry names of `dir` without "." and "..". Sorted so workers take the
// oldest input first (feeder names sort by sequence number).
inline bool ListDir(const std::string& dir, std::vector<std::string>* names) {
  names->clear();
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return false;
  while (const dirent* e = readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      names->push_back(e->d_name);
    }
  }
  closedir(d);
  std::sort(names->begin(), names->end());
  return true;
}

inline bool WriteAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Creates `path` with `data`, fsynced, so that a later rename/link publishes a
// file whose content is already on disk.
inline bool WriteFileDurably(const std::string& path, const std::string& data) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = WriteAll(fd, data.data(), data.size()) && fsync(fd) == 0;
  const int saved = errno;
  ok = (close(fd) == 0) && ok;
  if (!ok) errno = saved;
  return ok;
}

// Makes renames/links/unlinks inside `dir` durable (POSIX does not promise it
// without an fsync of the directory itself).
inline bool FsyncDir(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = fsync(fd) == 0;
  close(fd);
  return ok;
}

inline bool ReadFile(const std::string& path, std::string* out) {
  out->clear();
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[8192];
  ssize_t r;
  while ((r = read(fd, buf, sizeof(buf))) != 0) {
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
    out->append(buf, static_cast<size_t>(r));
  }
  close(fd);
  return r == 0;
}

// Streams `path` through FNV-1a 64. False (errno set) if it cannot be read.
inline bool ChecksumFile(const std::string& path, uint64_t* bytes, uint64_t* checksum) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  Fnv1a64 hash;
  char buf[65536];
  ssize_t n;
  *bytes = 0;
  while ((n = read(fd, buf, sizeof(buf))) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    hash.Update(buf, static_cast<size_t>(n));
    *bytes += static_cast<uint64_t>(n);
  }
  const int saved = errno;
  close(fd);
  errno = saved;
  *checksum = hash.Digest();
  return n == 0;
}

inline int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// Sleeps until the absolute monotonic `deadline_ns`. Returns false if a signal
// interrupted the sleep, so callers can look at the stop flag and decide.
inline bool SleepUntil(int64_t deadline_ns) {
  timespec ts{static_cast<time_t>(deadline_ns / 1'000'000'000),
              static_cast<long>(deadline_ns % 1'000'000'000)};
  return clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != EINTR;
}

inline volatile std::sig_atomic_t g_stop_requested = 0;

inline void OnStopSignal(int) { g_stop_requested = 1; }

// SIGTERM/SIGINT/SIGHUP only set a flag. No SA_RESTART: a blocking sleep or
// read returns EINTR, so an idle program notices the request at once.
inline void InstallStopHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaction(sig, &sa, nullptr);
  // Output goes to a pipe the supervisor may close; a lost log line must not
  // kill a worker in the middle of a file.
  std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace ringmaster::spool

#endif  // RINGMASTER_EXAMPLES_SPOOL_UTIL_H_
