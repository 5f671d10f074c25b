// What every command handler gets, and the command table: one entry per
// command (daemon/commands/cmd_<name>.cc), dispatched for ZeroMQ and HTTP alike.
// Loop thread only.
#ifndef RINGMASTER_DAEMON_COMMANDS_COMMAND_CONTEXT_H_
#define RINGMASTER_DAEMON_COMMANDS_COMMAND_CONTEXT_H_

#include <functional>
#include <string_view>
#include <vector>

#include "core/config_env.h"
#include "core/protocol.h"
#include "daemon/arbiter.h"
#include "daemon/change_tracker.h"
#include "daemon/dispatcher.h"
#include "daemon/proc_worker.h"

namespace ringmaster {

struct CommandContext {
  Arbiter& arbiter;
  ChangeTracker& changes;
  ProcWorker& procs;  // /proc reads, off the loop
  ConfigEnv& env;
  // Runs once `quit` has stopped everything and its reply went out.
  std::function<void()> on_quit_done;
  // `upgrade` (daemon/upgrader.h); null where the daemon cannot re-exec.
  std::function<void(const Request& req, Responder respond)> on_upgrade = nullptr;
};

using CommandHandler = void (*)(CommandContext& ctx, const Request& req, Responder respond);

struct CommandEntry {
  std::string_view name;
  CommandHandler handler;
};

const std::vector<CommandEntry>& CommandTable();
const CommandEntry* FindCommand(std::string_view lowercase_name);

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_COMMANDS_COMMAND_CONTEXT_H_
