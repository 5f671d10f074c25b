#include "daemon/commands/watcher_detail.h"

#include <fcntl.h>
#include <unistd.h>

namespace ringmaster {
namespace {

// Resident set in bytes from /proc/<pid>/statm, or null.
nlohmann::json Rss(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/statm", pid);
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  char buf[128];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return nullptr;
  buf[n] = '\0';
  unsigned long long size = 0, resident = 0;
  if (sscanf(buf, "%llu %llu", &size, &resident) != 2) return nullptr;
  return resident * static_cast<unsigned long long>(sysconf(_SC_PAGESIZE));
}

}  // namespace

nlohmann::json WatcherDetail(CommandContext& ctx, const Watcher& w, bool with_rss) {
  int running = 0, ready = 0;
  nlohmann::json procs = nlohmann::json::array();
  for (const Process* p : w.processes()) {
    ++running;
    if (p->state == ProcState::kReady) ++ready;
    procs.push_back({{"pid", p->pid},
                     {"wid", p->wid},
                     {"state", std::string(ProtocolState(p->state))},
                     {"started", p->started},
                     {"ready_at", p->became_ready ? nlohmann::json(p->ready_at) : nlohmann::json()},
                     {"rss", with_rss ? Rss(p->pid) : nlohmann::json()},
                     {"status_text", p->status_text.empty() ? nlohmann::json()
                                                            : nlohmann::json(p->status_text)}});
  }
  std::string readiness = w.state() == WatcherState::kStopped ? "stopped"
                          : ready >= w.desired()              ? "ready"
                          : ready > 0                         ? "partial"
                                                              : "unready";
  nlohmann::json busy = nullptr;
  if (auto c = ctx.changes.Running(w.name())) {
    busy = {{"command", c->command},
            {"id", c->request_id},
            {"since", c->since},
            {"step", w.RollStep().empty() ? nlohmann::json() : nlohmann::json(w.RollStep())}};
  }
  return {{"state", ToString(w.state())},
          {"readiness", readiness},
          {"numprocesses", w.desired()},
          {"running", running},
          {"ready", ready},
          {"busy", busy},
          {"restarts", w.restarts()},
          {"processes", procs},
          {"backoff", w.BackoffJson()}};
}

}  // namespace ringmaster
