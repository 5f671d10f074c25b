// Restart backoff (config-reference §10.2): delay(1) = 0; for n >= 2,
// min(max, initial * factor^(n-2)) times a jitter factor in [1-j, 1+j].
// Pure: the caller supplies the random sample.
#ifndef RINGMASTER_CORE_BACKOFF_H_
#define RINGMASTER_CORE_BACKOFF_H_

#include "core/config.h"

namespace ringmaster {

// `failures` is the slot's consecutive failure count after incrementing (>= 1).
// `uniform01` is a sample from [0, 1) used for the jitter. Disabled backoff -> 0.
double BackoffDelay(const BackoffPolicy& policy, int failures, double uniform01);

// Per-slot (wid) bookkeeping.
struct SlotBackoff {
  int failures = 0;        // consecutive crashes / spawn failures
  int spawn_failures = 0;  // consecutive spawn failures (max_retry); reset by a good exec

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
