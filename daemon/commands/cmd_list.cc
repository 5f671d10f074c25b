// list [name]: lowercased sorted watcher names, or a watcher's pids in spawn
// order (§7.8).
#include <algorithm>

#include "core/name_match.h"
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdList(CommandContext& ctx, const Request& req, Responder respond) {
  if (HasProp(req, "name")) {
    Watcher* w = RequireWatcher(ctx, req, respond);
    if (w == nullptr) return;
    nlohmann::json pids = nlohmann::json::array();
    for (const Process* p : w->processes()) pids.push_back(p->pid);
    ReplyOk(respond, req, {{"pids", pids}});
    return;
  }
  std::vector<std::string> names;
  for (const auto& w : ctx.arbiter.watchers()) names.push_back(AsciiLower(w->name()));
  std::sort(names.begin(), names.end());
  ReplyOk(respond, req, {{"watchers", names}});
}

}  // namespace ringmaster
