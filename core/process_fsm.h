// The lifecycle of one supervised process as a pure state x event table.
// The daemon feeds events in and performs the returned actions; nothing here
// does I/O. Every cell is covered by tests/unit/process_fsm_test.cc.
#ifndef RINGMASTER_CORE_PROCESS_FSM_H_
#define RINGMASTER_CORE_PROCESS_FSM_H_

#include <cstdint>
#include <string_view>

namespace ringmaster {

enum class ProcState {
  kSpawning,  // forked; exec not yet confirmed
  kStarting,  // exec succeeded; not ready yet
  kReady,     // ready (readiness reported, or warmup elapsed)
  kStopping,  // stop signal sent; waiting for exit until graceful_timeout
  kKilling,   // SIGKILL sent to the process tree; waiting for exit
  kExited,    // reaped (terminal)
};

enum class ProcEvent {
  kExecOk,         // the exec-status pipe closed with no error: exec succeeded
  kExecFailed,     // the child reported a failure before exec
  kReady,          // readiness reported, or warmup_delay elapsed
  kReadyFailed,    // ready_timeout expired, or ready_fd closed without a newline
  kStopRequested,  // stop, decr, reload, rotation, kill command
  kGraceExpired,   // graceful_timeout elapsed after the stop signal
  kExited,         // waitpid reported the process gone
};

// Bit flags; several actions may come from one transition, performed in the
// order of the bits (lowest first).
enum Action : uint32_t {
  kActNone = 0,
  kActEmitSpawn = 1u << 0,         // publish `spawn`
  kActArmReadyTimer = 1u << 1,     // warmup or ready_timeout timer
  kActCancelReadyTimer = 1u << 2,
  kActEmitReady = 1u << 3,         // publish `ready`; mark the slot's run as ready
  kActSendStopSignal = 1u << 4,    // stop_signal to the process group (+ children); `kill` event
  kActArmGraceTimer = 1u << 5,
  kActCancelGraceTimer = 1u << 6,
  kActKillTree = 1u << 7,          // SIGKILL to the process and all descendants; `kill` events
  kActEmitReap = 1u << 8,          // publish `reap`
  kActSpawnFailure = 1u << 9,      // count toward max_retry; respawn after backoff
  kActCrash = 1u << 10,            // unexpected exit: count toward backoff; respawn
  kActRequestedExit = 1u << 11,    // exit the daemon asked for: never counts
};

struct Transition {
  bool valid = false;  // false: the event does not apply in this state (ignore it)
  ProcState next = ProcState::kExited;
  uint32_t actions = kActNone;
};

Transition Step(ProcState state, ProcEvent event);

std::string_view ToString(ProcState state);  // "spawning", "starting", "ready", ...
std::string_view ToString(ProcEvent event);

// The protocol-visible state of §10.3: starting / ready / stopping.
std::string_view ProtocolState(ProcState state);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_PROCESS_FSM_H_
