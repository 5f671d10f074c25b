// The daemon's Dispatcher: looks a request up in the command table, refuses
// changes while shutting down, and turns any exception into an errno-5 reply
// for that request alone. Loop thread only.
#ifndef RINGMASTER_DAEMON_COMMAND_DISPATCHER_H_
#define RINGMASTER_DAEMON_COMMAND_DISPATCHER_H_

#include "daemon/commands/command_context.h"
#include "daemon/dispatcher.h"

namespace ringmaster {

class CommandDispatcher : public Dispatcher {
 public:
  explicit CommandDispatcher(CommandContext ctx) : ctx_(std::move(ctx)) {}
  void Dispatch(const Request& request, Responder respond) override;
  uint64_t served() const { return served_; }

 private:
  CommandContext ctx_;
  uint64_t served_ = 0;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_COMMAND_DISPATCHER_H_
