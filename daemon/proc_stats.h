// Process statistics read from /proc in Circus's psutil-based formats: the
// INFO object of `stats` (docs/protocol.md §7.20) and `dstats` (§7.4). Keeps
// the previous CPU sample of each pid, so `cpu` is the share of one CPU since
// the last call for that pid. Only small /proc files are read; nothing waits.
// Owned by the daemon; loop thread only.
#ifndef RINGMASTER_DAEMON_PROC_STATS_H_
#define RINGMASTER_DAEMON_PROC_STATS_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory_resource>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>

#include "daemon/process_tree.h"

namespace ringmaster {

// What a reply carries in place of INFO for a process that has exited
// (including a zombie that is not reaped yet).
inline constexpr char kNoSuchProcess[] = "No such process (stopped?)";

class ProcStats {
 public:
  ProcStats();
  ProcStats(const ProcStats&) = delete;
  ProcStats& operator=(const ProcStats&) = delete;

  // INFO of a supervised process: `started` is the wall-clock spawn time
  // (epoch seconds) and `wid` its slot. With `with_children`, `children`
  // holds the INFO of each direct child (without started/wid, their own
  // `children` empty; children that vanish meanwhile are left out). A gone
  // process gives the string kNoSuchProcess.
  nlohmann::json Info(pid_t pid, double started, int wid, bool with_children);

  // Info(pid, started, wid, true) as JSON text (bytes that are not UTF-8
  // replaced, as in replies). While the sample is young the text is reused
  // with only `age` rendered anew, so a flood of `stats` costs a string copy
  // per process, not a JSON tree built, serialised and freed.
  std::string InfoText(pid_t pid, double started, int wid);

  // RSS in bytes (statm) of a supervised process from the latest sample,
  // whatever its age, so `status` detail is answered without reading /proc
  // for every process: a process not sampled yet (or a pid now another
  // process, told by `started`) is read now. Samples older than the maximum
  // age are read again by RefreshStale(), which the worker runs after it has
  // sent the reply. nullopt: the process is gone.
  std::optional<uint64_t> LatestRss(pid_t pid, double started);
  void RefreshStale();

  // Frees what only a burst needs (the INFO text cache, the /proc scan),
  // keeping the per-pid CPU and RSS samples, so memory returns to its idle
  // size after a flood of `stats`.
  void DropCaches();

  // INFO of any pid without started/wid: `age` is now - create_time and
  // `children` is empty (the stats stream's per-pid body). nullopt: gone.
  std::optional<nlohmann::json> BareInfo(pid_t pid);

  // INFO of the daemon itself, without started/wid and with `children: []`;
  // `cpu` covers the time since the previous DaemonInfo call.
  nlohmann::json DaemonInfo();

  // Serve an Info sample again (with `age` brought up to date) while it is
  // younger than this many seconds, so a flood of `stats` costs a JSON copy
  // per process rather than four file reads. 0 (the default): always read.
  void set_max_sample_age(double seconds) { max_sample_age_ = seconds; }

  // "<n>B" below 1024, else n/1024^k as "%.2f" plus K, M, G, T, P, E, Z, Y.
  static std::string HumanBytes(uint64_t n);
  // CPU seconds as Circus prints them, "M:SS.cc" (minutes modulo 60).
  static std::string FormatCpuTime(uint64_t ticks, long ticks_per_second);

 private:
  struct CpuSample {
    uint64_t ticks = 0;      // utime + stime
    uint64_t starttime = 0;  // tells a reused pid apart
    double mono = 0;         // CLOCK_MONOTONIC seconds
  };

  // INFO without started/wid/children, or nullopt if the process is gone.
  // `prev` is the previous CPU sample of this reader, updated in place.
  std::optional<nlohmann::json> BaseInfo(pid_t pid, std::optional<CpuSample>* prev);
  std::string Username(uid_t uid);
  const ProcessTree& Tree();
  void MaybePrune();

  // The per-pid samples live as long as their process, and are made while a
  // burst allocates and frees much more: from a pool of their own, they sit
  // together instead of pinning a page each once the burst's memory is
  // freed (1,000 samples scattered over the heap kept ~500 KB from being
  // returned after a `stats` flood).
  std::pmr::unsynchronized_pool_resource sample_pool_;

  long ticks_per_second_;
  double boot_time_ = 0;    // /proc/stat btime
  uint64_t mem_total_ = 0;  // bytes, /proc/meminfo MemTotal
  std::pmr::unordered_map<pid_t, std::optional<CpuSample>> samples_{&sample_pool_};
  std::optional<CpuSample> daemon_sample_;
  std::map<uid_t, std::string> usernames_;
  // One /proc scan serves every Info call of one command (stats of all
  // watchers), so it is reused for a short while.
  std::optional<ProcessTree> tree_;
  double tree_mono_ = 0;
  size_t prune_at_ = 64;  // prune when samples_ reaches this size
  double max_sample_age_ = 0;
  // Kept as text only: an INFO as a JSON tree is ~1.5 KB of map nodes, as
  // text ~300 bytes, and text is what a reply needs.
  struct CachedInfo {
    std::string text;  // the INFO without `age`, serialised
    double started = 0;
    double mono = 0;
  };
  // The cache entry of `pid` if it may be served at `mono`, else nullptr.
  CachedInfo* Fresh(pid_t pid, double started, double mono);
  std::unordered_map<pid_t, CachedInfo> cache_;  // with_children Info by pid
  struct RssSample {
    std::optional<uint64_t> rss;
    double started = 0;
    double mono = 0;   // when read
    double asked = 0;  // when last served
  };
  std::pmr::unordered_map<pid_t, RssSample> rss_{&sample_pool_};
  bool rss_stale_ = false;  // some sample served was older than the maximum age
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_PROC_STATS_H_
