#include "daemon/change_tracker.h"

#include <cstdio>

#include "core/admission.h"

namespace ringmaster {
namespace {

std::string IdText(const nlohmann::json& id) { return id.dump(); }

}  // namespace

std::string CancelReason(const std::string& old_command, const std::string& watcher,
                         const std::string& new_command, const nlohmann::json& new_id) {
  return "'" + old_command + "' on watcher '" + watcher + "' was cancelled by '" + new_command +
         "' (request " + IdText(new_id) + ")";
}

ChangeTracker::Admission ChangeTracker::Admit(const std::vector<std::string>& keys,
                                              const std::string& command,
                                              const nlohmann::json& request_id, double now) {
  Admission a;
  std::vector<std::string> preempt;
  std::vector<std::string> busy;
  for (const std::string& key : keys) {
    auto it = running_.find(key);
    std::string running = it == running_.end() ? "" : it->second->command;
    switch (Decide(running, command)) {
      case ::ringmaster::Admit::kRun: a.run.push_back(key); break;
      case ::ringmaster::Admit::kPreempt:
        preempt.push_back(key);
        a.run.push_back(key);
        break;
      case ::ringmaster::Admit::kJoin: a.join.push_back(key); break;
      case ::ringmaster::Admit::kBusy: busy.push_back(key); break;
    }
  }
  if (!busy.empty()) {
    char elapsed[32];
    if (busy.size() == 1) {
      const Change& c = *running_.at(busy[0]);
      snprintf(elapsed, sizeof elapsed, "%.1fs", now - c.since);
      a.busy_reason = "watcher '" + busy[0] + "' is busy: '" + c.command + "' in progress (request " +
                      IdText(c.request_id) + ", " + elapsed + "); retry when it completes";
    } else {
      std::string text = "watchers busy: ";
      for (size_t i = 0; i < busy.size(); ++i) {
        const Change& c = *running_.at(busy[i]);
        if (i) text += ", ";
        text += "'" + busy[i] + "' ('" + c.command + "', request " + IdText(c.request_id) + ")";
      }
      a.busy_reason = text;
    }
    a.run.clear();
    a.join.clear();
    return a;
  }
  for (const std::string& key : preempt) {
    std::shared_ptr<Change> old = running_[key];
    running_.erase(key);
    old->done = true;
    if (old->on_cancel) old->on_cancel(CancelReason(old->command, key, command, request_id));
    // Joiners of the preempted change are released as cancelled too.
    for (auto& cb : old->on_complete) cb(CancelReason(old->command, key, command, request_id));
    old->on_complete.clear();
  }
  return a;
}

std::shared_ptr<Change> ChangeTracker::Begin(const std::string& key, const std::string& command,
                                             const nlohmann::json& request_id, double now) {
  auto c = std::make_shared<Change>();
  c->command = command;
  c->request_id = request_id;
  c->since = now;
  running_[key] = c;
  return c;
}

void ChangeTracker::Finish(const std::string& key, const std::shared_ptr<Change>& change,
                           const std::optional<std::string>& failure) {
  if (change->done) return;  // preempted earlier: already answered
  change->done = true;
  auto it = running_.find(key);
  if (it != running_.end() && it->second == change) running_.erase(it);
  auto joiners = std::move(change->on_complete);
  change->on_complete.clear();
  for (auto& cb : joiners) cb(failure);
}

void ChangeTracker::Join(const std::string& key,
                         std::function<void(const std::optional<std::string>&)> cb) {
  auto it = running_.find(key);
  if (it == running_.end()) {
    cb(std::nullopt);
    return;
  }
  it->second->on_complete.push_back(std::move(cb));
}

std::shared_ptr<Change> ChangeTracker::Running(const std::string& key) const {
  auto it = running_.find(key);
  return it == running_.end() ? nullptr : it->second;
}

}  // namespace ringmaster
