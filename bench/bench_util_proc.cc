// bench_util, second part: /proc readers and the report helpers.
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "bench_util.h"

namespace bench {

// ---------------------------------------------------------------------------
// /proc readers.

char ProcState(pid_t pid) {
  std::string st;
  if (!ReadFile(Fmt("/proc/%d/stat", pid), &st)) return 0;
  size_t paren = st.rfind(')');
  if (paren == std::string::npos || paren + 2 >= st.size()) return '?';
  return st[paren + 2];
}

int64_t StatTicks(const std::string& stat_path) {
  std::string text;
  if (!ReadFile(stat_path, &text)) return -1;
  size_t paren = text.rfind(')');  // comm may contain spaces and ')'
  if (paren == std::string::npos || paren + 2 >= text.size()) return -1;
  unsigned long long utime = 0, stime = 0;
  // state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  if (sscanf(text.c_str() + paren + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
             &utime, &stime) != 2) {
    return -1;
  }
  return static_cast<int64_t>(utime + stime);
}

std::set<pid_t> Tasks(pid_t pid) {
  std::set<pid_t> tids;
  DIR* dir = opendir(Fmt("/proc/%d/task", pid).c_str());
  if (!dir) return tids;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') tids.insert(static_cast<pid_t>(atoi(e->d_name)));
  }
  closedir(dir);
  return tids;
}

Sched SchedOf(pid_t pid, const std::set<pid_t>& tids) {
  Sched sum{0, 0, 0};
  std::string text;
  for (pid_t tid : tids) {
    if (!ReadFile(Fmt("/proc/%d/task/%d/schedstat", pid, tid), &text)) return Sched{};
    long long run = 0, wait = 0, slices = 0;
    if (sscanf(text.c_str(), "%lld %lld %lld", &run, &wait, &slices) != 3) return Sched{};
    sum.ns += run;
    sum.slices += slices;
    sum.wait_ns += wait;
  }
  return sum;
}

Sched SchedOf(pid_t pid) {
  std::set<pid_t> tids = Tasks(pid);
  return tids.empty() ? Sched{} : SchedOf(pid, tids);
}

DaemonCpu ReadDaemonCpu(pid_t pid) {
  DaemonCpu cpu;
  std::string text;
  cpu.ticks = StatTicks(Fmt("/proc/%d/stat", pid));
  if (ReadFile(Fmt("/proc/%d/status", pid), &text)) cpu.rss_kb = StatusField(text, "VmRSS");
  std::string task_dir = Fmt("/proc/%d/task", pid);
  DIR* dir = opendir(task_dir.c_str());
  if (!dir) return cpu;
  int64_t sched = 0, ctx = 0;
  bool sched_ok = true;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    ++cpu.threads;
    std::string base = task_dir + "/" + e->d_name;
    if (ReadFile(base + "/schedstat", &text)) {
      sched += strtoll(text.c_str(), nullptr, 10);
    } else {
      sched_ok = false;
    }
    if (ReadFile(base + "/status", &text)) {
      ctx += std::max<int64_t>(0, StatusField(text, "voluntary_ctxt_switches")) +
             std::max<int64_t>(0, StatusField(text, "nonvoluntary_ctxt_switches"));
    }
  }
  closedir(dir);
  if (sched_ok) cpu.sched_ns = sched;
  cpu.ctxsw = ctx;
  return cpu;
}

double DaemonCpuMs(pid_t pid) {
  DaemonCpu c = ReadDaemonCpu(pid);
  if (c.sched_ns >= 0) return static_cast<double>(c.sched_ns) / kNsPerMs;
  if (c.ticks >= 0) return 1000.0 * static_cast<double>(c.ticks) / sysconf(_SC_CLK_TCK);
  return -1;
}

int CountLiveChildren(pid_t pid) {
  std::string task_dir = Fmt("/proc/%d/task", pid);
  DIR* dir = opendir(task_dir.c_str());
  if (!dir) return -1;
  int count = 0;
  bool ok = false;
  std::string text;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    if (!ReadFile(task_dir + "/" + e->d_name + "/children", &text)) continue;
    ok = true;
    std::istringstream in(text);
    for (pid_t c; in >> c;) {
      if (ProcState(c) != 'Z') ++count;
    }
  }
  closedir(dir);
  return ok ? count : -1;
}

// ---------------------------------------------------------------------------
// Report.

namespace {

double LoadAvg1() {
  double l = NAN;
  FILE* f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &l) != 1) l = NAN;
    fclose(f);
  }
  return l;
}

// Busy CPU time of the whole machine (all CPUs) from /proc/stat, in ns.
int64_t MachineBusyNs() {
  FILE* f = fopen("/proc/stat", "r");
  if (!f) return -1;
  unsigned long long v[8] = {};
  int got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
  fclose(f);
  if (got < 5) return -1;
  unsigned long long busy = 0;
  for (int i = 0; i < 8; ++i) {
    if (i != 3 && i != 4) busy += v[i];  // all but idle and iowait
  }
  return static_cast<int64_t>(busy) * (kNsPerSec / sysconf(_SC_CLK_TCK));
}

// CPU used by this harness and every descendant it (or they) reaped, in ns.
int64_t OwnTreeCpuNs() {
  int64_t total = 0;
  for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    rusage ru;
    getrusage(who, &ru);
    total += (static_cast<int64_t>(ru.ru_utime.tv_sec) + ru.ru_stime.tv_sec) * kNsPerSec +
             (static_cast<int64_t>(ru.ru_utime.tv_usec) + ru.ru_stime.tv_usec) * 1000;
  }
  return total;
}

}  // namespace

void MachineLoad::Start() {
  ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  busy_start_ = MachineBusyNs();
  own_start_ = OwnTreeCpuNs();
  wall_start_ = NowNs();
  load_start = LoadAvg1();
}

void MachineLoad::Finish() {
  load_end = LoadAvg1();
  // Everything we started has been reaped by now, so RUSAGE_CHILDREN covers
  // the daemon and all workers; the rest of the machine's busy time was used
  // by other processes.
  other_pct = NAN;
  const int64_t busy_end = MachineBusyNs();
  if (busy_start_ >= 0 && busy_end >= 0) {
    double other = static_cast<double>((busy_end - busy_start_) - (OwnTreeCpuNs() - own_start_));
    double capacity = static_cast<double>(NowNs() - wall_start_) * static_cast<double>(ncpu);
    other_pct = std::max(0.0, 100.0 * other / capacity);
  }
  printf(
      "other processes used %.0f%% of the machine's %ld CPUs during the run (loadavg %.2f -> "
      "%.2f)\n",
      other_pct, ncpu, load_start, load_end);
}

void PrintLogSummary(const char* skip_prefix) {
  std::vector<std::string> log = ReadLines(g.log_path);
  auto skip = [skip_prefix](const std::string& l) {
    return skip_prefix && l.rfind(skip_prefix, 0) == 0;
  };
  int real = 0;
  for (const std::string& l : log) real += !skip(l);
  if (!real) return;
  printf("ringmasterd log: %d line(s) at loglevel warning, first ones:\n", real);
  int shown = 0;
  for (const std::string& l : log) {
    if (skip(l)) continue;
    if (++shown > 5) break;
    printf("  %s\n", l.c_str());
  }
}

bool PrintProblems() {
  for (const std::string& p : g.problems) printf("PROBLEM: %s\n", p.c_str());
  return g.problems.empty();
}

std::string JsonOkProblemsEnd() {
  std::string j =
      ",\"ok\":" + std::string(g.problems.empty() ? "true" : "false") + ",\"problems\":[";
  for (size_t i = 0; i < g.problems.size(); ++i) j += (i ? "," : "") + JsonStr(g.problems[i]);
  return j + "]}";
}

}  // namespace bench
