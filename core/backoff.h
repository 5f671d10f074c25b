// Restart backoff (docs/config.md §10.2) with a burst allowance: a slot's
// first `burst` failures within `window` are respawned at once; past that,
// and until a stable run, delay(b) = min(max, initial * factor^(b-1)) times a
// jitter factor in [1-j, 1+j], b being the failures past the burst. Pure: the caller supplies
// the time and the random sample.
#ifndef RINGMASTER_CORE_BACKOFF_H_
#define RINGMASTER_CORE_BACKOFF_H_

#include <vector>

#include "core/config.h"

namespace ringmaster {

// The delay for the `past_burst`-th failure beyond the burst allowance
// (>= 1); 0 for past_burst <= 0 or a disabled backoff.
double BackoffDelay(const BackoffPolicy& policy, int past_burst, double uniform01);

struct FailureVerdict {
  double delay = 0;         // seconds before the respawn (0: at once)
  bool past_burst = false;  // beyond the burst allowance (counts for flapping)
};

// Per-slot (wid) bookkeeping.
struct SlotBackoff {
  int failures = 0;        // consecutive crashes / spawn failures
  int spawn_failures = 0;  // consecutive spawn failures (max_retry); reset by a good exec
  int past_burst = 0;      // failures since the burst allowance ran out
  // Monotonic times of the failures within the window (at most burst + 1).
  // A vector: an empty std::deque already holds ~600 bytes, once per slot.
  std::vector<double> recent;

  // Records a crash or a spawn failure at monotonic time `now`.
  FailureVerdict OnFailure(const BackoffPolicy& policy, double now, double uniform01);
  // A stable run ends the sequence: the next failure is replaced at once.
  void OnStableRun() {
    failures = 0;
    past_burst = 0;
    recent.clear();
  }

  // A run is stable if it lived >= policy.reset seconds and, when the watcher
  // has a readiness protocol, had become ready.
  static bool IsStableRun(const BackoffPolicy& policy, double lived_seconds, bool became_ready,
                          bool has_ready_protocol);
};

// max_retry: -1 never gives up; 0 means a single attempt; N allows N retries
// after the first failure. Returns true when the slot must give up.
bool SpawnRetriesExhausted(int max_retry, int spawn_failures);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_BACKOFF_H_
