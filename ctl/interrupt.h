// SIGINT/SIGTERM as a flag instead of death, for the places where ringctl
// must stop waiting cleanly: `listen` (exit 0) and the interactive shell (back
// to the prompt). Process-wide; install from the main thread.
#ifndef RINGMASTER_CTL_INTERRUPT_H_
#define RINGMASTER_CTL_INTERRUPT_H_

namespace ringmaster {

// Installs handlers for SIGINT and SIGTERM that only set the flag. No
// SA_RESTART, so blocking calls (zmq_poll, read) return EINTR promptly.
void InstallInterruptHandlers();
bool Interrupted();
void ClearInterrupted();

}  // namespace ringmaster

#endif  // RINGMASTER_CTL_INTERRUPT_H_
