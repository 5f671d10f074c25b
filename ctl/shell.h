// ringctl's interactive shell (no COMMAND given): libedit line editing,
// history in ~/.ringctl_history, Tab completion of commands, flags and watcher
// names. Each line is split with shell rules and parsed like argv. When stdin
// is not a terminal, lines are read as a script without prompts. Main thread.
#ifndef RINGMASTER_CTL_SHELL_H_
#define RINGMASTER_CTL_SHELL_H_

#include "ctl/args.h"
#include "ctl/client.h"

namespace ringmaster {

// Returns 0 when the user leaves (exit, Ctrl-D, end of input); for a script,
// the exit code of the last command that failed, else 0.
int RunShell(const GlobalOptions& globals, Client& client);

}  // namespace ringmaster

#endif  // RINGMASTER_CTL_SHELL_H_
