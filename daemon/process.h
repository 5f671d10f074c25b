// One supervised process as the daemon holds it: its pid, slot (wid), place in
// the lifecycle (core/process_fsm.h) and the loop resources tied to it. Owned by
// its Watcher; loop thread only.
#ifndef RINGMASTER_DAEMON_PROCESS_H_
#define RINGMASTER_DAEMON_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/process_fsm.h"
#include "daemon/clock.h"
#include "daemon/event_loop.h"
#include "daemon/output_pipe.h"
#include "daemon/unique_fd.h"

namespace ringmaster {

struct Process {
  pid_t pid = -1;
  int wid = 0;
  uint64_t serial = 0;        // spawn order within the daemon
  ProcState state = ProcState::kSpawning;
  double started = 0;         // wall clock, epoch seconds
  double started_mono = 0;
  double ready_at = 0;        // wall clock; 0 until ready
  bool became_ready = false;
  bool readiness_failed = false;  // stopped because readiness failed: counts as a crash
  bool in_start_batch = false;    // part of the spawn that gates `start`
  bool in_reload_batch = false;   // a replacement spawned by a graceful reload
  bool in_roll_batch = false;     // a replacement spawned by a rolling step
  double rotate_at = 0;           // monotonic max_age deadline (0: none), drawn once
  double ready_deadline = 0;      // monotonic deadline of ready_timer (0: none)
  std::optional<int> stop_signal;         // `kill` command override
  std::optional<double> graceful_timeout;  // `kill` command override
  std::string exec_error;         // "STAGE: strerror" from the child
  std::string status_text;        // last NOTIFY_SOCKET STATUS=

  std::unique_ptr<OneShotTimer> ready_timer;
  std::unique_ptr<OneShotTimer> grace_timer;
  UniqueFd status_fd;
  std::string status_buf;
  std::unique_ptr<FdWatch> status_watch;
  UniqueFd ready_fd;
  std::unique_ptr<FdWatch> ready_watch;
  std::unique_ptr<OutputPipe> out;
  std::unique_ptr<OutputPipe> err;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_PROCESS_H_
