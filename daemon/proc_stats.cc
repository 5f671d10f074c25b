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
#include "daemon/proc_files.h"

namespace ringmaster {
namespace {

using nlohmann::json;

constexpr double kTreeMaxAge = 0.2;  // seconds a /proc scan is reused
constexpr size_t kMinPruneSize = 64;  // never prune a map smaller than this

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

bool IsGone(const PidStat& s) { return s.state == 'Z' || s.state == 'X' || s.state == 'x'; }

// Circus: basename(shlex.split(argv[0])[0]); "N/A" when there is no argv.
std::string CommandName(pid_t pid) {
  const std::optional<std::string> raw = ReadProcFile(ProcPath(pid, "cmdline"), 8192);
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
    : ticks_per_second_(std::max(1L, sysconf(_SC_CLK_TCK))) {
  if (std::optional<std::string> stat = ReadProcFile("/proc/stat", 1 << 20)) {
    boot_time_ = static_cast<double>(FieldAfter(*stat, "btime ").value_or(0));
  }
  if (std::optional<std::string> meminfo = ReadProcFile("/proc/meminfo")) {
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

void ProcStats::DropCaches() {
  decltype(cache_)().swap(cache_);  // clear() keeps the bucket array
  tree_.reset();
}

void ProcStats::MaybePrune() {
  // Amortised O(1) per call: scan only once the map has doubled since the
  // last scan (scanning every N calls made `stats` of N processes O(N^2)).
  if (samples_.size() < prune_at_) return;
  // Cached INFO nobody asked for in a while is dropped too (its process may
  // live on): the cache holds what a flood of `stats` needs, not the fleet.
  const double mono = Now(CLOCK_MONOTONIC);
  for (auto it = cache_.begin(); it != cache_.end();) {
    it = mono - it->second.mono > 10 * std::max(max_sample_age_, 1.0) ? cache_.erase(it) : std::next(it);
  }
  for (auto it = samples_.begin(); it != samples_.end();) {
    if (::kill(it->first, 0) != 0 && errno == ESRCH) {
      cache_.erase(it->first);
      it = samples_.erase(it);
    } else {
      ++it;
    }
  }
  prune_at_ = std::max<size_t>(kMinPruneSize, 2 * samples_.size());
}

std::optional<nlohmann::json> ProcStats::BaseInfo(pid_t pid, std::optional<CpuSample>* prev) {
  if (pid <= 0) return std::nullopt;
  const std::optional<PidStat> stat = ReadPidStat(pid);
  if (!stat || IsGone(*stat)) return std::nullopt;
  const double mono = Now(CLOCK_MONOTONIC);
  const double wall = Now(CLOCK_REALTIME);

  json info = json::object();
  info["pid"] = pid;
  uint64_t rss = 0;
  if (std::optional<PidStatm> statm = ReadPidStatm(pid)) {
    rss = statm->resident_pages * PageSize();
    info["mem_info1"] = HumanBytes(rss);
    info["mem_info2"] = HumanBytes(statm->size_pages * PageSize());
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
  if (std::optional<std::string> status = ReadProcFile(ProcPath(pid, "status"))) {
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
  const double mono = Now(CLOCK_MONOTONIC);
  if (with_children) {
    if (CachedInfo* hit = Fresh(pid, started, mono)) {
      nlohmann::json info = json::parse(hit->text, nullptr, /*allow_exceptions=*/false);
      if (info.is_object()) {
        info["age"] = Now(CLOCK_REALTIME) - started;
        return info;
      }
    }
  }
  std::optional<json> info = BaseInfo(pid, &samples_[pid]);
  if (!info) {
    samples_.erase(pid);
    cache_.erase(pid);
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
    if (max_sample_age_ > 0) {
      json rest = *info;
      rest.erase("age");
      cache_[pid] = CachedInfo{rest.dump(-1, ' ', false, json::error_handler_t::replace), started, mono};
    }
  }
  return *info;
}

ProcStats::CachedInfo* ProcStats::Fresh(pid_t pid, double started, double mono) {
  if (max_sample_age_ <= 0) return nullptr;
  auto hit = cache_.find(pid);
  if (hit == cache_.end() || mono - hit->second.mono >= max_sample_age_ ||
      hit->second.started != started) {
    return nullptr;
  }
  return &hit->second;
}

std::string ProcStats::InfoText(pid_t pid, double started, int wid) {
  constexpr auto kReplace = json::error_handler_t::replace;
  CachedInfo* hit = Fresh(pid, started, Now(CLOCK_MONOTONIC));
  if (hit == nullptr) {
    json info = Info(pid, started, wid, /*with_children=*/true);
    hit = info.is_object() ? Fresh(pid, started, Now(CLOCK_MONOTONIC)) : nullptr;
    if (hit == nullptr) return info.dump(-1, ' ', false, kReplace);  // gone, or no cache
  }
  std::string out = "{\"age\":";
  out += json(Now(CLOCK_REALTIME) - started).dump();
  if (hit->text.size() > 2) {
    out += ',';
    out.append(hit->text, 1, std::string::npos);
  } else {
    out += '}';
  }
  return out;
}

std::optional<uint64_t> ProcStats::LatestRss(pid_t pid, double started) {
  const double mono = Now(CLOCK_MONOTONIC);
  RssSample& s = rss_[pid];
  if (s.mono == 0 || s.started != started) {
    s.rss = ReadRssBytes(pid);
    s.started = started;
    s.mono = mono;
  } else if (mono - s.mono >= std::max(max_sample_age_, 0.0)) {
    rss_stale_ = true;
  }
  s.asked = mono;
  return s.rss;
}

void ProcStats::RefreshStale() {
  if (!rss_stale_) return;
  rss_stale_ = false;
  // Samples nobody asked for in this long belong to processes that are gone
  // or no longer shown: dropped, so the map follows the live fleet.
  constexpr double kForgetSeconds = 60;
  const double mono = Now(CLOCK_MONOTONIC);
  for (auto it = rss_.begin(); it != rss_.end();) {
    RssSample& s = it->second;
    if (mono - s.asked > kForgetSeconds) {
      it = rss_.erase(it);
      continue;
    }
    if (mono - s.mono >= max_sample_age_) {
      s.rss = ReadRssBytes(it->first);
      s.mono = Now(CLOCK_MONOTONIC);
    }
    ++it;
  }
}

std::optional<nlohmann::json> ProcStats::BareInfo(pid_t pid) {
  MaybePrune();
  std::optional<json> info = BaseInfo(pid, &samples_[pid]);
  if (!info) samples_.erase(pid);
  return info;
}

nlohmann::json ProcStats::DaemonInfo() {
  std::optional<json> info = BaseInfo(getpid(), &daemon_sample_);
  if (!info) return kNoSuchProcess;  // cannot happen: /proc/self is readable
  return *info;
}

}  // namespace ringmaster
