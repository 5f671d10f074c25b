// Per-watcher change slots (docs/protocol.md §10.1-§10.2): no global lock;
// each watcher runs at most one change, and a new change on the same watcher
// runs, preempts, joins or is refused as core/admission.h says. Loop thread only.
#ifndef RINGMASTER_DAEMON_CHANGE_TRACKER_H_
#define RINGMASTER_DAEMON_CHANGE_TRACKER_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ringmaster {

// One running change on one watcher.
struct Change {
  std::string command;
  nlohmann::json request_id;
  double since = 0;
  std::string step;  // "2/4" for rolling operations, else empty
  bool done = false;
  // Run when the change completes (joined requests). Argument: failure reason
  // or nullopt.
  std::vector<std::function<void(const std::optional<std::string>&)>> on_complete;
  // Run when a later change preempts this one (its waiting caller gets errno 6).
  std::function<void(const std::string& reason)> on_cancel;
};

class ChangeTracker {
 public:
  // Outcome of admitting one change over a scope of watchers (by key: the
  // lowercased name).
  struct Admission {
    std::optional<std::string> busy_reason;  // set: refuse with errno 5, nothing done
    std::vector<std::string> run;            // keys where the change runs
    std::vector<std::string> join;           // keys where it joins the running change
  };

  // Decides for every key; nothing changes if any key is busy. On success the
  // preempted changes are cancelled (their on_cancel runs) and removed.
  Admission Admit(const std::vector<std::string>& keys, const std::string& command,
                  const nlohmann::json& request_id, double now);

  // Marks `key` as running `change` (after a successful Admit).
  std::shared_ptr<Change> Begin(const std::string& key, const std::string& command,
                                const nlohmann::json& request_id, double now);
  // Completes a change: runs its joiners; frees the slot if it still holds it.
  void Finish(const std::string& key, const std::shared_ptr<Change>& change,
              const std::optional<std::string>& failure = std::nullopt);
  // Adds a joiner to the change running on key (no-op if idle).
  void Join(const std::string& key, std::function<void(const std::optional<std::string>&)> cb);

  std::shared_ptr<Change> Running(const std::string& key) const;
  // Forgets a watcher's slot (removed watcher); runs nothing.
  void Forget(const std::string& key) { running_.erase(key); }

 private:
  std::map<std::string, std::shared_ptr<Change>> running_;
};

// "'reload' on watcher 'web' was cancelled by 'stop' (request "s2")".
std::string CancelReason(const std::string& old_command, const std::string& watcher,
                         const std::string& new_command, const nlohmann::json& new_id);

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_CHANGE_TRACKER_H_
