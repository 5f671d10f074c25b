// Which [circus] keys a reloadconfig cannot apply to the running daemon
// (docs/config.md §12): the endpoints, the HTTP listener and its limits,
// pidfile, logging and umask are read at start-up only. A reload that changes
// one keeps the old value, says `KEY changed; restart the daemon to apply
// it`, and lists the key in `changes.needs_restart`.
#ifndef RINGMASTER_CORE_CIRCUS_RESTART_KEYS_H_
#define RINGMASTER_CORE_CIRCUS_RESTART_KEYS_H_

#include <string>
#include <vector>

#include "core/config.h"

namespace ringmaster {

// The keys whose values differ between `running` and `next`, in the order
// of the [circus] reference table.
std::vector<std::string> CircusKeysNeedingRestart(const CircusConfig& running,
                                                  const CircusConfig& next);

// Copies those start-up-only values of `running` into `next`, so what the
// daemon reports (globaloptions) is what it runs with.
void KeepStartupValues(const CircusConfig& running, CircusConfig* next);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_CIRCUS_RESTART_KEYS_H_
