// Shared pieces of the fault-injection tests: the daemon's private memory,
// descriptors and CPU time read from /proc, so a test can compare them before
// and after a fault. Test-thread only.
#ifndef RINGMASTER_TESTS_E2E_FAULT_E2E_H_
#define RINGMASTER_TESTS_E2E_FAULT_E2E_H_

#include <dirent.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {

// A field of /proc/PID/status in KiB ("RssAnon", "VmRSS"), or -1.
inline long ProcStatusKiB(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return -1;
}

// Open descriptors of `pid` (entries of /proc/PID/fd), or -1.
inline int FdCount(pid_t pid) {
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (d == nullptr) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n;
}

// What /proc/PID/fd points at, one "fd -> target" per line, for messages.
inline std::string FdListing(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  std::string out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    char target[512];
    ssize_t n = readlink((dir + "/" + e->d_name).c_str(), target, sizeof target - 1);
    target[n < 0 ? 0 : n] = '\0';
    out += std::string(e->d_name) + " -> " + target + "\n";
  }
  closedir(d);
  return out;
}

// User + system CPU seconds of `pid` (all threads), or -1.
inline double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  // After the comm: state is field 3; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

inline double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

class FaultTest : public ControlTest {
 protected:
  long RssAnonKiB() const { return ProcStatusKiB(daemon_->pid(), "RssAnon"); }
  int DaemonFds() const { return FdCount(daemon_->pid()); }
  // True once `status` is answered within `seconds` with status "ok".
  bool StatusAnswers(double seconds = 5) {
    auto r = client_->Call("status", {}, seconds);
    return r && (*r)["status"] == "ok";
  }
};

}  // namespace ringmaster::test

#endif  // RINGMASTER_TESTS_E2E_FAULT_E2E_H_
