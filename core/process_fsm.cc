#include "core/process_fsm.h"

#include <array>
#include <cstddef>

namespace ringmaster {
namespace {

constexpr size_t kNumStates = static_cast<size_t>(ProcState::kExited) + 1;
constexpr size_t kNumEvents = static_cast<size_t>(ProcEvent::kExited) + 1;

constexpr Transition Go(ProcState next, uint32_t actions) { return {true, next, actions}; }
// The event is expected in this state but changes nothing (e.g. a second stop
// request joins the one in progress).
constexpr Transition Stay(ProcState state) { return {true, state, kActNone}; }
// The event cannot or should not apply here; the caller ignores it.
constexpr Transition kNo{};
// The polite half of a stop: stop_signal now, SIGKILL when the grace timer fires.
constexpr uint32_t kBeginStop = kActSendStopSignal | kActArmGraceTimer;

using S = ProcState;

// The whole lifecycle: every valid cell; every other cell is invalid.
//
//   state     event          next      actions
//   Spawning  ExecOk         Starting  EmitSpawn ArmReadyTimer
//   Spawning  ExecFailed     Exited    SpawnFailure
//   Spawning  StopRequested  Killing   KillTree
//   Spawning  Exited         Exited    SpawnFailure
//   Starting  Ready          Ready     CancelReadyTimer EmitReady
//   Starting  ReadyFailed    Stopping  CancelReadyTimer SendStopSignal ArmGraceTimer
//   Starting  StopRequested  Stopping  CancelReadyTimer SendStopSignal ArmGraceTimer
//   Starting  Exited         Exited    CancelReadyTimer EmitReap Crash
//   Ready     StopRequested  Stopping  SendStopSignal ArmGraceTimer
//   Ready     Exited         Exited    EmitReap Crash
//   Stopping  Ready          Stopping  -
//   Stopping  ReadyFailed    Stopping  -
//   Stopping  StopRequested  Stopping  -
//   Stopping  GraceExpired   Killing   KillTree
//   Stopping  Exited         Exited    CancelGraceTimer EmitReap RequestedExit
//   Killing   ExecOk         Killing   -
//   Killing   ExecFailed     Killing   -
//   Killing   Ready          Killing   -
//   Killing   ReadyFailed    Killing   -
//   Killing   StopRequested  Killing   -
//   Killing   Exited         Exited    EmitReap RequestedExit
//
// Why the less obvious cells are what they are:
// - Spawning x Ready/ReadyFailed: the exec-status pipe and the readiness
//   channel are separate loop events. A ready_fd EOF here usually means a
//   failed exec whose report is still queued, so it must not count. The daemon
//   should read the exec-status pipe before dispatching readiness for a
//   process in kSpawning (the same applies to Exited, below).
// - Spawning x Exited: the exit came before the exec was confirmed, so it is a
//   spawn failure. No `spawn` was published, so no `reap` is either (same as
//   ExecFailed).
// - Spawning x StopRequested: the child may not have exec'd yet, so a polite
//   stop_signal might reach our own pre-exec code; SIGKILL it.
// - Starting x ReadyFailed: the process is stopped politely; the daemon records
//   that the stop was a readiness failure so the exit counts as a short run,
//   because here the FSM reports every exit in kStopping as RequestedExit.
// - Ready x Ready/ReadyFailed: the first readiness signal wins (§10.1); the
//   ready timer is already cancelled, and EOF after the newline is normal.
// - Stopping/Killing x Ready/ReadyFailed: a process being stopped may still
//   report readiness or close its ready_fd; expected, nothing to do.
// - Killing x ExecOk/ExecFailed: a stop during kSpawning leaves the exec
//   report in flight. The slot is going away, so a failed exec does not count
//   toward max_retry. If the exec report never arrived, the daemon should not
//   publish the `reap` that Killing x Exited asks for (no `spawn` was).
// - GraceExpired outside kStopping: the grace timer is armed only on entry to
//   kStopping and cancelled on leaving it, so a late expiry is stale.
// - kExited is terminal: the reap of a failed spawn arrives here and is
//   handled by the daemon without an FSM transition.
constexpr std::array<std::array<Transition, kNumEvents>, kNumStates> kTable = {{
    // kSpawning
    {{
        Go(S::kStarting, kActEmitSpawn | kActArmReadyTimer),  // ExecOk
        Go(S::kExited, kActSpawnFailure),                     // ExecFailed
        kNo,                                                  // Ready
        kNo,                                                  // ReadyFailed
        Go(S::kKilling, kActKillTree),                        // StopRequested
        kNo,                                                  // GraceExpired
        Go(S::kExited, kActSpawnFailure),                     // Exited
    }},
    // kStarting
    {{
        kNo,                                                              // ExecOk
        kNo,                                                              // ExecFailed
        Go(S::kReady, kActCancelReadyTimer | kActEmitReady),              // Ready
        Go(S::kStopping, kActCancelReadyTimer | kBeginStop),              // ReadyFailed
        Go(S::kStopping, kActCancelReadyTimer | kBeginStop),              // StopRequested
        kNo,                                                              // GraceExpired
        Go(S::kExited, kActCancelReadyTimer | kActEmitReap | kActCrash),  // Exited
    }},
    // kReady
    {{
        kNo,                                       // ExecOk
        kNo,                                       // ExecFailed
        kNo,                                       // Ready
        kNo,                                       // ReadyFailed
        Go(S::kStopping, kBeginStop),              // StopRequested
        kNo,                                       // GraceExpired
        Go(S::kExited, kActEmitReap | kActCrash),  // Exited
    }},
    // kStopping
    {{
        kNo,                                                                      // ExecOk
        kNo,                                                                      // ExecFailed
        Stay(S::kStopping),                                                       // Ready
        Stay(S::kStopping),                                                       // ReadyFailed
        Stay(S::kStopping),                                                       // StopRequested
        Go(S::kKilling, kActKillTree),                                            // GraceExpired
        Go(S::kExited, kActCancelGraceTimer | kActEmitReap | kActRequestedExit),  // Exited
    }},
    // kKilling
    {{
        Stay(S::kKilling),                                 // ExecOk
        Stay(S::kKilling),                                 // ExecFailed
        Stay(S::kKilling),                                 // Ready
        Stay(S::kKilling),                                 // ReadyFailed
        Stay(S::kKilling),                                 // StopRequested
        kNo,                                               // GraceExpired
        Go(S::kExited, kActEmitReap | kActRequestedExit),  // Exited
    }},
    // kExited
    {{kNo, kNo, kNo, kNo, kNo, kNo, kNo}},
}};

}  // namespace

Transition Step(ProcState state, ProcEvent event) {
  const auto s = static_cast<size_t>(state);
  const auto e = static_cast<size_t>(event);
  if (s >= kNumStates || e >= kNumEvents) return kNo;
  return kTable[s][e];
}

std::string_view ToString(ProcState state) {
  switch (state) {
    case ProcState::kSpawning:
      return "spawning";
    case ProcState::kStarting:
      return "starting";
    case ProcState::kReady:
      return "ready";
    case ProcState::kStopping:
      return "stopping";
    case ProcState::kKilling:
      return "killing";
    case ProcState::kExited:
      return "exited";
  }
  return "unknown";
}

std::string_view ToString(ProcEvent event) {
  switch (event) {
    case ProcEvent::kExecOk:
      return "exec_ok";
    case ProcEvent::kExecFailed:
      return "exec_failed";
    case ProcEvent::kReady:
      return "ready";
    case ProcEvent::kReadyFailed:
      return "ready_failed";
    case ProcEvent::kStopRequested:
      return "stop_requested";
    case ProcEvent::kGraceExpired:
      return "grace_expired";
    case ProcEvent::kExited:
      return "exited";
  }
  return "unknown";
}

std::string_view ProtocolState(ProcState state) {
  switch (state) {
    case ProcState::kSpawning:
    case ProcState::kStarting:
      return "starting";
    case ProcState::kReady:
      return "ready";
    case ProcState::kStopping:
    case ProcState::kKilling:
      return "stopping";
    case ProcState::kExited:
      return "exited";
  }
  return "unknown";
}

}  // namespace ringmaster
