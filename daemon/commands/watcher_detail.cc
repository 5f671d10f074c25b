#include "daemon/commands/watcher_detail.h"

#include <charconv>

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

namespace {

void AppendNumber(std::string& out, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);  // shortest round trip
  out.append(buf, ec == std::errc() ? end : buf);
}

void AppendNumber(std::string& out, uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, ec == std::errc() ? end : buf);
}

// ProcessObject(p, rss) as text, written field by field: at 1,000 processes
// building and freeing a JSON object per process was most of the cost.
void AppendProcessText(std::string& out, const ProcessFacts& p, const RssOf& rss) {
  std::optional<uint64_t> bytes = rss ? rss(p) : std::nullopt;
  out += "{\"pid\":";
  out += std::to_string(p.pid);
  out += ",\"wid\":";
  out += std::to_string(p.wid);
  out += ",\"state\":\"";
  out += p.state;  // a protocol state name: plain ASCII
  out += "\",\"started\":";
  AppendNumber(out, p.started);
  out += ",\"ready_at\":";
  if (p.ready_at) {
    AppendNumber(out, *p.ready_at);
  } else {
    out += "null";
  }
  out += ",\"rss\":";
  if (bytes) {
    AppendNumber(out, *bytes);
  } else {
    out += "null";
  }
  out += ",\"status_text\":";
  if (p.status_text.empty()) {
    out += "null";
  } else {
    out += nlohmann::json(p.status_text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  out += '}';
}

std::string HeadText(const WatcherFacts& f) {
  std::string out = f.head.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.pop_back();  // the head is a non-empty object: "...}"
  return out;
}

}  // namespace

std::string WatcherSummaryText(const WatcherFacts& f) {
  std::string out = HeadText(f);
  out.reserve(out.size() + 8 * f.processes.size() + 60);
  out += ",\"pids\":[";
  double oldest = 0;
  bool first = true;
  for (const ProcessFacts& p : f.processes) {
    if (!first) out += ',';
    if (first || p.started < oldest) oldest = p.started;
    first = false;
    out += std::to_string(p.pid);
  }
  out += "],\"oldest_started\":";
  if (f.processes.empty()) {
    out += "null";
  } else {
    AppendNumber(out, oldest);
  }
  out += '}';
  return out;
}

std::string WatcherDetailText(const WatcherFacts& f, const RssOf& rss) {
  std::string out = HeadText(f);
  out.reserve(out.size() + 160 * f.processes.size() + 20);
  out += ",\"processes\":[";
  bool first = true;
  for (const ProcessFacts& p : f.processes) {
    if (!first) out += ',';
    first = false;
    AppendProcessText(out, p, rss);
  }
  out += "]}";
  return out;
}

}  // namespace ringmaster
