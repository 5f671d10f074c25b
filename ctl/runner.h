// Runs one parsed ringctl invocation: sends the request(s), prints the human
// or --json output, and returns the exit code (ctl/args.h kExit*). Shared by
// one-shot mode (main) and the interactive shell. Main thread only.
#ifndef RINGMASTER_CTL_RUNNER_H_
#define RINGMASTER_CTL_RUNNER_H_

#include "ctl/args.h"
#include "ctl/client.h"

namespace ringmaster {

// Prints to stdout; errors go to stderr as "error: <reason>" (error reply,
// exit 1) or "ringctl: ..." (unreachable/timeout, exit 3). An interrupted
// wait (shell Ctrl-C) returns 130.
int RunInvocation(const Invocation& inv, const GlobalOptions& globals, Client& client);

}  // namespace ringmaster

#endif  // RINGMASTER_CTL_RUNNER_H_
