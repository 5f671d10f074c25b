#include "daemon/proc_stats.h"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string_view>
#include <vector>

#include "core/shell_split.h"

namespace ringmaster {
namespace {

using nlohmann::json;

constexpr double kTreeMaxAge = 0.2;  // seconds a /proc scan is reused
constexpr size_t kMinPruneSize = 64;  // never prune a map smaller than this

// A whole small /proc file, or nullopt if it cannot be opened (the process is
// gone, or the file does not exist).
std::optional<std::string> ReadProc(const std::string& path, size_t limit = 16384) {
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

std::string ProcPath(pid_t pid, const char* file) {
  return "/proc/" + std::to_string(pid) + "/" + file;
}

double Now(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The value after "<label>" on its line of a "Key: value" file, as a number.
std::optional<uint64_t> FieldAfter(const std::string& text, std::string_view label) {
  size_t at = 0;
  while ((at = text.find(label, at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') {
      return std::strtoull(text.c_str() + at + label.size(), nullptr, 10);
    }
    at += label.size();
  }
  return std::nullopt;
}

// The fields of /proc/<pid>/stat that INFO uses.
struct StatFields {
  char state = '?';
  pid_t ppid = 0;
  uint64_t utime = 0, stime = 0;
  long nice = 0;
  uint64_t starttime = 0;
};

std::optional<StatFields> ReadStat(pid_t pid) {
  const std::optional<std::string> text = ReadProc(ProcPath(pid, "stat"), 2048);
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
  // f[0] is field 3 (state) of proc(5).
  if (f.size() < 20) return std::nullopt;
  auto num = [&](size_t i) { return std::strtoull(std::string(f[i]).c_str(), nullptr, 10); };
  StatFields s;
  s.state = f[0].empty() ? '?' : f[0][0];
  s.ppid = static_cast<pid_t>(num(1));
  s.utime = num(11);
  s.stime = num(12);
  s.nice = std::strtol(std::string(f[16]).c_str(), nullptr, 10);
  s.starttime = num(19);
  return s;
}

bool IsGone(const StatFields& s) { return s.state == 'Z' || s.state == 'X' || s.state == 'x'; }

// Circus: basename(shlex.split(argv[0])[0]); "N/A" when there is no argv.
std::string CommandName(pid_t pid) {
  const std::optional<std::string> raw = ReadProc(ProcPath(pid, "cmdline"), 8192);
  if (!raw || raw->empty()) return "N/A";
  const std::string argv0 = raw->substr(0, raw->find('\0'));
  Result<std::vector<std::string>> words = ShellSplit(argv0);
  if (words.ok() && words->empty()) return "N/A";
  // Unbalanced quotes (Circus raises there): use argv[0] as it is.
  const std::string program = words.ok() ? words->front() : argv0;
  const size_t slash = program.rfind('/');
  return slash == std::string::npos ? program : program.substr(slash + 1);
}

double Round(double v, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

}  // namespace

ProcStats::ProcStats()
    : ticks_per_second_(std::max(1L, sysconf(_SC_CLK_TCK))),
      page_size_(std::max(1L, sysconf(_SC_PAGESIZE))) {
  if (std::optional<std::string> stat = ReadProc("/proc/stat", 1 << 20)) {
    boot_time_ = static_cast<double>(FieldAfter(*stat, "btime ").value_or(0));
  }
  if (std::optional<std::string> meminfo = ReadProc("/proc/meminfo")) {
    mem_total_ = FieldAfter(*meminfo, "MemTotal:").value_or(0) * 1024;
  }
}

std::string ProcStats::HumanBytes(uint64_t n) {
  static constexpr char kSymbols[] = "KMGTPEZY";
  for (int k = 8; k >= 1; --k) {
    const double unit = std::ldexp(1.0, 10 * k);
    if (static_cast<double>(n) >= unit) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.2f%c", static_cast<double>(n) / unit, kSymbols[k - 1]);
      return buf;
    }
  }
  return std::to_string(n) + "B";
}

std::string ProcStats::FormatCpuTime(uint64_t ticks, long ticks_per_second) {
  // Truncated to hundredths, as Circus cuts timedelta microseconds to 2 digits.
  const uint64_t centis = ticks * 100 / static_cast<uint64_t>(std::max(1L, ticks_per_second));
  const uint64_t seconds = centis / 100;
  char buf[64];
  std::snprintf(
      buf, sizeof buf, "%llu:%02llu.%02llu", static_cast<unsigned long long>(seconds / 60 % 60),
      static_cast<unsigned long long>(seconds % 60), static_cast<unsigned long long>(centis % 100));
  return buf;
}

std::string ProcStats::Username(uid_t uid) {
  auto it = usernames_.find(uid);
  if (it != usernames_.end()) return it->second;
  // Looked up once per uid: getpwuid_r may consult a slow name service.
  std::string name = std::to_string(uid);
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    name = found->pw_name;
  }
  usernames_[uid] = name;
  return name;
}

const ProcessTree& ProcStats::Tree() {
  const double mono = Now(CLOCK_MONOTONIC);
  if (!tree_ || mono - tree_mono_ > kTreeMaxAge || mono < tree_mono_) {
    tree_ = ProcessTree::Scan();
    tree_mono_ = mono;
  }
  return *tree_;
}

void ProcStats::MaybePrune() {
  // Amortised O(1) per call: scan only once the map has doubled since the
  // last scan (scanning every N calls made `stats` of N processes O(N^2)).
  if (samples_.size() < prune_at_) return;
  for (auto it = samples_.begin(); it != samples_.end();) {
    if (::kill(it->first, 0) != 0 && errno == ESRCH) {
      it = samples_.erase(it);
    } else {
      ++it;
    }
  }
  prune_at_ = std::max<size_t>(kMinPruneSize, 2 * samples_.size());
}

std::optional<nlohmann::json> ProcStats::BaseInfo(pid_t pid, std::optional<CpuSample>* prev) {
  if (pid <= 0) return std::nullopt;
  const std::optional<StatFields> stat = ReadStat(pid);
  if (!stat || IsGone(*stat)) return std::nullopt;
  const double mono = Now(CLOCK_MONOTONIC);
  const double wall = Now(CLOCK_REALTIME);

  json info = json::object();
  info["pid"] = pid;
  uint64_t rss = 0;
  if (std::optional<std::string> statm = ReadProc(ProcPath(pid, "statm"), 512)) {
    unsigned long long size = 0, resident = 0;
    if (std::sscanf(statm->c_str(), "%llu %llu", &size, &resident) == 2) {
      rss = resident * static_cast<uint64_t>(page_size_);
      info["mem_info1"] = HumanBytes(rss);
      info["mem_info2"] = HumanBytes(size * static_cast<uint64_t>(page_size_));
    }
  }
  if (!info.contains("mem_info1")) info["mem_info1"] = info["mem_info2"] = "N/A";

  const uint64_t ticks = stat->utime + stat->stime;
  double cpu = 0.0;
  if (*prev && (*prev)->starttime == stat->starttime && mono > (*prev)->mono &&
      ticks >= (*prev)->ticks) {
    const double busy =
        static_cast<double>(ticks - (*prev)->ticks) / static_cast<double>(ticks_per_second_);
    cpu = Round(busy / (mono - (*prev)->mono) * 100.0, 1);
  }
  *prev = CpuSample{ticks, stat->starttime, mono};
  info["cpu"] = cpu;

  if (mem_total_ > 0 && info["mem_info1"] != "N/A") {
    info["mem"] = Round(static_cast<double>(rss) / static_cast<double>(mem_total_) * 100.0, 3);
  } else {
    info["mem"] = "N/A";
  }
  info["ctime"] = FormatCpuTime(ticks, ticks_per_second_);

  std::optional<uint64_t> uid;
  if (std::optional<std::string> status = ReadProc(ProcPath(pid, "status"))) {
    uid = FieldAfter(*status, "Uid:");  // the real uid comes first, as psutil reports
  }
  info["username"] = uid ? json(Username(static_cast<uid_t>(*uid))) : json("N/A");
  info["nice"] = stat->nice;
  const double create_time =
      boot_time_ + static_cast<double>(stat->starttime) / static_cast<double>(ticks_per_second_);
  info["create_time"] = Round(create_time, 2);
  info["age"] = wall - create_time;
  info["cmdline"] = CommandName(pid);
  info["children"] = json::array();
  return info;
}

nlohmann::json ProcStats::Info(pid_t pid, double started, int wid, bool with_children) {
  MaybePrune();
  std::optional<json> info = BaseInfo(pid, &samples_[pid]);
  if (!info) {
    samples_.erase(pid);
    return kNoSuchProcess;
  }
  (*info)["age"] = Now(CLOCK_REALTIME) - started;
  (*info)["started"] = started;
  (*info)["wid"] = wid;
  if (with_children) {
    std::vector<pid_t> children = Tree().ChildrenOf(pid);
    std::sort(children.begin(), children.end());
    for (pid_t child : children) {
      if (std::optional<json> c = BaseInfo(child, &samples_[child])) {
        (*info)["children"].push_back(std::move(*c));
      } else {
        samples_.erase(child);
      }
    }
  }
  return *info;
}

nlohmann::json ProcStats::DaemonInfo() {
  std::optional<json> info = BaseInfo(getpid(), &daemon_sample_);
  if (!info) return kNoSuchProcess;  // cannot happen: /proc/self is readable
  return *info;
}

}  // namespace ringmaster
