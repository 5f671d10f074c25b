#include "daemon/commands/watcher_detail.h"

#include "daemon/proc_files.h"

namespace ringmaster {

namespace {

nlohmann::json RssJson(pid_t pid) {
  std::optional<uint64_t> rss = ReadRssBytes(pid);
  return rss ? nlohmann::json(*rss) : nlohmann::json();
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
                     {"rss", with_rss ? RssJson(p->pid) : nlohmann::json()},
                     {"status_text", p->status_text.empty() ? nlohmann::json()
                                                            : nlohmann::json(p->status_text)}});
  }
  const bool down = w.state() == WatcherState::kStopped || w.state() == WatcherState::kFlapping;
  std::string readiness = down ? "stopped"
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
          {"backoff", w.BackoffJson()},
          {"flapping", w.FlappingJson()}};
}

}  // namespace ringmaster
