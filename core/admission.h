// Admission of change commands (docs/protocol.md §10.2): what a new change C
// does when change R is already running on the same watcher. Pure table; the
// daemon's ChangeTracker applies it.
#ifndef RINGMASTER_CORE_ADMISSION_H_
#define RINGMASTER_CORE_ADMISSION_H_

#include <string_view>

namespace ringmaster {

enum class Admit {
  kRun,      // no conflict: run C
  kPreempt,  // R stops at its next safe point (its waiting caller gets errno 6); then C runs
  kJoin,     // C completes when R completes; no second operation
  kBusy,     // errno 5, naming R
};

// `running` is R's command ("" when the watcher is idle); `incoming` is C's.
// Commands: start, stop, restart, reload, incr, decr, set, rm, quit (add,
// reloadconfig and unnamed forms map onto these by the caller).
Admit Decide(std::string_view running, std::string_view incoming);

const char* ToString(Admit a);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_ADMISSION_H_
