#include "daemon/commands/command_util.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>

#include "core/name_match.h"
#include "daemon/log.h"

namespace ringmaster {

void ReplyOk(const Responder& respond, const Request& req, const nlohmann::json& fields) {
  respond(OkReply(req.id, fields));
}

void ReplyError(const Responder& respond, const Request& req, Errno err,
                const std::string& reason) {
  respond(ErrorReply(req.id, err, reason));
}

std::string PropString(const Request& req, const char* key) {
  auto it = req.properties.find(key);
  return it != req.properties.end() && it->is_string() ? it->get<std::string>() : "";
}

bool PropBool(const Request& req, const char* key, bool fallback) {
  auto it = req.properties.find(key);
  return it != req.properties.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

bool HasProp(const Request& req, const char* key) {
  auto it = req.properties.find(key);
  return it != req.properties.end() && !it->is_null();
}

std::optional<long long> PropIntLike(const Request& req, const char* key) {
  auto it = req.properties.find(key);
  if (it == req.properties.end() || it->is_null()) return std::nullopt;
  // uint64 values above INT64_MAX would wrap negative (and a negative pid
  // means a process group to kill()).
  if (it->is_number_unsigned() &&
      it->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<long long>::max())) {
    return std::nullopt;
  }
  if (it->is_number_integer()) return it->get<long long>();
  if (!it->is_string()) return std::nullopt;
  // Strict: atoll took "12abc" as 12 and overflowed silently.
  const std::string& s = it->get_ref<const std::string&>();
  long long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || s[0] == '-' || ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

std::optional<double> PropNumberLike(const Request& req, const char* key) {
  auto it = req.properties.find(key);
  if (it == req.properties.end() || it->is_null()) return std::nullopt;
  double v = 0;
  if (it->is_number()) {
    v = it->get<double>();
  } else if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    char* end = nullptr;
    v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  // "1e999" is inf; a timer of inf or NaN seconds is undefined behaviour.
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

Result<std::optional<pid_t>> PropPid(const Request& req, const char* key) {
  if (!HasProp(req, key)) return std::optional<pid_t>();
  std::optional<long long> v = PropIntLike(req, key);
  if (!v || *v < 1 || *v > std::numeric_limits<pid_t>::max()) {
    return Status::Error("'" + std::string(key) + "' must be a process id (1 to " +
                         std::to_string(std::numeric_limits<pid_t>::max()) + "), not " +
                         req.properties[key].dump());
  }
  return std::optional<pid_t>(static_cast<pid_t>(*v));
}

Status CheckNumprocessesCeiling(const CommandContext& ctx, int numprocesses) {
  const int max = ctx.arbiter.config().circus.max_numprocesses;
  if (numprocesses <= max) return Status::Ok();
  return Status::Error("'numprocesses' must be at most max_numprocesses (" + std::to_string(max) +
                       "), not " + std::to_string(numprocesses));
}

Watcher* RequireWatcher(CommandContext& ctx, const Request& req, const Responder& respond) {
  std::string name = PropString(req, "name");
  Watcher* w = ctx.arbiter.FindWatcher(name);
  if (w == nullptr) ReplyError(respond, req, Errno::kMessageError, "program " + name + " not found");
  return w;
}

std::optional<std::vector<Watcher*>> MatchWatchers(CommandContext& ctx, const Request& req,
                                                   const Responder& respond,
                                                   bool autostart_only_when_unnamed) {
  std::vector<Watcher*> out;
  if (!HasProp(req, "name")) {
    for (const auto& w : ctx.arbiter.watchers()) {
      if (!autostart_only_when_unnamed || w->config().autostart) out.push_back(w.get());
    }
    return out;
  }
  std::vector<std::string> names;
  for (const auto& w : ctx.arbiter.watchers()) names.push_back(w->name());
  std::string method = HasProp(req, "match") ? PropString(req, "match") : "glob";
  auto matched = MatchNames(names, PropString(req, "name"), method);
  if (!matched.ok()) {
    ReplyError(respond, req, Errno::kMessageError, matched.error());
    return std::nullopt;
  }
  for (size_t i : matched.value()) out.push_back(ctx.arbiter.watchers()[i].get());
  if (out.empty()) {
    ReplyError(respond, req, Errno::kMessageError,
               "program " + PropString(req, "name") + " not found");
    return std::nullopt;
  }
  return out;  // already in priority order
}

namespace {

// Shared state of one RunChange call.
struct ChangeRun {
  Request req;
  Responder respond;
  bool waiting = false;
  bool replied = false;
  size_t outstanding = 0;
  std::optional<std::string> failure;
  std::function<nlohmann::json()> result;

  void Finish(const nlohmann::json& reply) {
    if (replied) return;
    replied = true;
    if (waiting) respond(reply);
  }
  void OneDone(const std::optional<std::string>& f) {
    if (f && !failure) failure = f;
    if (--outstanding > 0) return;
    if (failure) {
      Finish(ErrorReply(req.id, Errno::kBadMsgData, *failure));
    } else {
      Finish(OkReply(req.id, result ? result() : nlohmann::json::object()));
    }
  }
};

}  // namespace

void RunChange(CommandContext& ctx, const Request& req, Responder respond,
               const std::vector<Watcher*>& scope, const std::string& command, WatcherOp op,
               std::function<nlohmann::json()> result, bool sequential) {
  std::vector<std::string> keys;
  for (Watcher* w : scope) keys.push_back(w->name());
  double now = EventLoop::WallNow();
  ChangeTracker::Admission adm = ctx.changes.Admit(keys, command, req.id, now);
  if (adm.busy_reason) {
    ReplyError(respond, req, Errno::kCommandError, *adm.busy_reason);
    return;
  }
  auto run = std::make_shared<ChangeRun>();
  run->req = req;
  run->respond = respond;
  run->waiting = req.waiting();
  run->result = std::move(result);
  run->outstanding = adm.run.size() + adm.join.size() + 1;  // +1 guards against early completion
  if (!run->waiting) respond(OkReply(req.id));

  for (const std::string& key : adm.join) {
    ctx.changes.Join(key, [run](const std::optional<std::string>& f) { run->OneDone(f); });
  }
  // The watchers to run on, in scope (priority) order.
  auto targets = std::make_shared<std::vector<std::pair<std::string, Watcher*>>>();
  for (Watcher* w : scope) {
    if (std::find(adm.run.begin(), adm.run.end(), w->name()) != adm.run.end()) {
      targets->push_back({w->name(), w});
    }
  }
  ChangeTracker* tracker = &ctx.changes;
  auto launch = std::make_shared<std::function<void(size_t)>>();
  *launch = [run, targets, tracker, command, op, sequential, launch, req](size_t i) {
    if (i >= targets->size()) return;
    auto [key, w] = (*targets)[i];
    std::shared_ptr<Change> change = tracker->Begin(key, command, req.id, EventLoop::WallNow());
    change->on_cancel = [run](const std::string& reason) {
      run->Finish(ErrorReply(run->req.id, Errno::kBadMsgData, reason));
    };
    op(*w, [run, tracker, key, change, sequential, launch, i](std::optional<std::string> f) {
      bool was_cancelled = change->done;
      tracker->Finish(key, change, f);
      if (!was_cancelled) run->OneDone(f);
      if (sequential) (*launch)(i + 1);
    });
    if (!sequential) (*launch)(i + 1);
  };
  (*launch)(0);
  run->OneDone(std::nullopt);  // release the guard
}

std::set<pid_t> LivePids(const Watcher& w) {
  std::set<pid_t> out;
  for (const Process* p : w.processes()) {
    if (p->state != ProcState::kStopping && p->state != ProcState::kKilling) out.insert(p->pid);
  }
  return out;
}

nlohmann::json ProcessDiff(const std::set<pid_t>& before, const std::set<pid_t>& after,
                           bool with_stopped) {
  nlohmann::json stopped = nlohmann::json::array(), started = nlohmann::json::array(),
                 kept = nlohmann::json::array();
  for (pid_t p : before) (after.count(p) ? kept : stopped).push_back(p);
  for (pid_t p : after) {
    if (!before.count(p)) started.push_back(p);
  }
  nlohmann::json info = {{"started", started}, {"kept", kept}};
  if (with_stopped) info["stopped"] = stopped;
  return info;
}

}  // namespace ringmaster

namespace ringmaster {

void RunResize(CommandContext& ctx, const Request& req, Responder respond, int sign) {
  Watcher* w = RequireWatcher(ctx, req, respond);
  if (w == nullptr) return;
  // The spec check made nb an int64 >= 1; desired() is an int >= 0, so the
  // comparisons below cannot overflow (desired + nb could).
  const long long nb = HasProp(req, "nb") ? req.properties["nb"].get<long long>() : 1;
  if (w->config().singleton) {
    ReplyOk(respond, req, {{"numprocesses", w->desired()}, {"singleton", true}});
    return;
  }
  const long long desired = w->desired();
  const long long max = ctx.arbiter.config().circus.max_numprocesses;
  if (sign > 0 && nb > max - desired) {
    ReplyError(respond, req, Errno::kMessageError,
               "incr of '" + w->name() + "' by " + std::to_string(nb) +
                   " refused: numprocesses would be above max_numprocesses (" +
                   std::to_string(max) + ")");
    return;
  }
  const long long target = sign > 0 ? desired + nb : std::max(0LL, desired - nb);
  RunChange(
      ctx, req, respond, {w}, sign > 0 ? "incr" : "decr",
      [target](Watcher& w, auto done) {
        w.Resize(static_cast<int>(target));
        w.WhenSettled([done] { done(std::nullopt); });
      },
      [target]() -> nlohmann::json { return {{"numprocesses", target}}; });
}

}  // namespace ringmaster

namespace ringmaster {
namespace {

int CountOrPercent(const Request& req, const char* key, int n, int fallback, bool round_up) {
  auto it = req.properties.find(key);
  if (it == req.properties.end() || it->is_null()) return fallback;
  long long v = 0;
  if (it->is_number_integer()) {
    v = it->get<long long>();
  } else if (it->is_string()) {
    std::string s = it->get<std::string>();
    // The spec check allows any digits before '%'; above 100% the result is
    // clamped to n anyway, and capping first keeps pct * n from overflowing.
    long long pct = 0;
    auto parsed = std::from_chars(s.data(), s.data() + s.size(), pct);
    pct = parsed.ec == std::errc::result_out_of_range ? 100 : std::min(pct, 100LL);
    v = round_up ? (pct * n + 99) / 100 : pct * n / 100;
  }
  return static_cast<int>(std::clamp<long long>(v, 0, std::max(n, 0)));
}

}  // namespace

Watcher::RollOptions RollOptionsFrom(const Request& req, int numprocesses, const std::string& what) {
  Watcher::RollOptions o;
  o.what = what;
  o.max_unavailable = CountOrPercent(req, "max_unavailable", numprocesses, 1, false);
  o.max_surge = CountOrPercent(req, "max_surge", numprocesses, 0, true);
  if (o.max_unavailable == 0 && o.max_surge == 0) o.max_unavailable = 1;
  return o;
}

void RespondRendered(CommandContext& ctx, const Responder& respond,
                     std::function<std::string(ProcStats&)> render) {
  ctx.procs.RunText(std::move(render), [respond](std::shared_ptr<const std::string> text) {
    respond(Reply(std::move(text)));
  });
}

}  // namespace ringmaster
