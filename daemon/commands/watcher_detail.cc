#include "daemon/commands/watcher_detail.h"

namespace ringmaster {

WatcherFacts CollectWatcherFacts(CommandContext& ctx, const Watcher& w) {
  WatcherFacts f;
  f.name = w.name();
  int running = 0, ready = 0;
  f.processes.reserve(w.processes().size());
  for (const Process* p : w.processes()) {
    ++running;
    if (p->state == ProcState::kReady) ++ready;
    ProcessFacts& pf = f.processes.emplace_back();
    pf.pid = p->pid;
    pf.wid = p->wid;
    pf.state = ProtocolState(p->state);
    pf.started = p->started;
    if (p->became_ready) pf.ready_at = p->ready_at;
    pf.status_text = p->status_text;
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
  f.head = {{"state", ToString(w.state())},
            {"readiness", readiness},
            {"numprocesses", w.desired()},
            {"running", running},
            {"ready", ready},
            {"busy", busy},
            {"restarts", w.restarts()},
            {"backoff", w.BackoffJson()},
            {"flapping", w.FlappingJson()}};
  return f;
}

nlohmann::json ProcessObject(const ProcessFacts& p, const RssOf& rss) {
  std::optional<uint64_t> bytes = rss ? rss(p) : std::nullopt;
  return {{"pid", p.pid},
          {"wid", p.wid},
          {"state", std::string(p.state)},
          {"started", p.started},
          {"ready_at", p.ready_at ? nlohmann::json(*p.ready_at) : nlohmann::json()},
          {"rss", bytes ? nlohmann::json(*bytes) : nlohmann::json()},
          {"status_text", p.status_text.empty() ? nlohmann::json() : nlohmann::json(p.status_text)}};
}

nlohmann::json WatcherDetailJson(const WatcherFacts& f, const RssOf& rss) {
  nlohmann::json out = f.head;
  nlohmann::json& procs = out["processes"] = nlohmann::json::array();
  for (const ProcessFacts& p : f.processes) procs.push_back(ProcessObject(p, rss));
  return out;
}

std::string WatcherDetailText(const WatcherFacts& f, const RssOf& rss) {
  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
  std::string out = f.head.dump(-1, ' ', false, kReplace);
  out.pop_back();  // the head is a non-empty object: "...}"
  out += ",\"processes\":[";
  bool first = true;
  for (const ProcessFacts& p : f.processes) {
    if (!first) out += ',';
    first = false;
    out += ProcessObject(p, rss).dump(-1, ' ', false, kReplace);
  }
  out += "]}";
  return out;
}

}  // namespace ringmaster
