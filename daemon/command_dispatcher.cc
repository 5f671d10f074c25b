#include "daemon/command_dispatcher.h"

#include <exception>

#include "core/command_spec.h"
#include "daemon/log.h"

namespace ringmaster {

void CommandDispatcher::Dispatch(const Request& req, Responder respond) {
  ++served_;
  const CommandEntry* entry = FindCommand(req.command);
  const CommandSpec* spec = FindCommandSpec(req.command);
  if (entry == nullptr || spec == nullptr) {
    respond(ErrorReply(req.id, Errno::kUnknownCommand, "unknown command: '" + req.command + "'"));
    return;
  }
  if (spec->kind == CommandKind::kChange && ctx_.arbiter.shutting_down()) {
    respond(ErrorReply(req.id, Errno::kCommandError, "daemon is shutting down"));
    return;
  }
  try {
    entry->handler(ctx_, req, respond);
  } catch (const std::exception& e) {
    LOG_ERROR("internal error in '%s' (request %s, properties %s): %s", req.command.c_str(),
              req.id.dump().c_str(), req.properties.dump().c_str(), e.what());
    respond(ErrorReply(req.id, Errno::kCommandError, std::string("internal error: ") + e.what()));
  }
}

}  // namespace ringmaster
