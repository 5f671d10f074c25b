#include "daemon/proc_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace ringmaster {
namespace {

std::string PidPath(pid_t pid, const char* file) {
  return "/proc/" + std::to_string(pid) + "/" + file;
}

}  // namespace

std::optional<std::string> ReadProcFile(const std::string& path, size_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[4096];
  while (out.size() < limit) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

std::optional<PidStat> ReadPidStat(pid_t pid) {
  const std::optional<std::string> text = ReadProcFile(PidPath(pid, "stat"), 2048);
  if (!text) return std::nullopt;
  // "pid (comm) state ppid ...": comm may hold spaces and ')', so start
  // after the last ')'.
  const size_t close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::vector<std::string_view> f;
  std::string_view rest = std::string_view(*text).substr(close + 1);
  while (!rest.empty()) {
    const size_t start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const size_t end = std::min(rest.find_first_of(" \n"), rest.size());
    f.push_back(rest.substr(0, end));
    rest.remove_prefix(end);
  }
  // f[0] is field 3 (state) of proc(5); rss is field 24.
  if (f.size() < 22) return std::nullopt;
  auto num = [&](size_t i) { return std::strtoull(std::string(f[i]).c_str(), nullptr, 10); };
  PidStat s;
  s.state = f[0].empty() ? '?' : f[0][0];
  s.ppid = static_cast<pid_t>(num(1));
  s.utime = num(11);
  s.stime = num(12);
  s.nice = std::strtol(std::string(f[16]).c_str(), nullptr, 10);
  s.starttime = num(19);
  s.rss_pages = num(21);
  return s;
}

std::optional<PidStatm> ReadPidStatm(pid_t pid) {
  const std::optional<std::string> text = ReadProcFile(PidPath(pid, "statm"), 512);
  if (!text) return std::nullopt;
  unsigned long long size = 0, resident = 0;
  if (std::sscanf(text->c_str(), "%llu %llu", &size, &resident) != 2) return std::nullopt;
  return PidStatm{size, resident};
}

std::optional<uint64_t> ReadRssBytes(pid_t pid) {
  std::optional<PidStatm> m = ReadPidStatm(pid);
  if (!m) return std::nullopt;
  return m->resident_pages * PageSize();
}

uint64_t PageSize() {
  static const uint64_t size = static_cast<uint64_t>(std::max(1L, sysconf(_SC_PAGESIZE)));
  return size;
}

}  // namespace ringmaster
