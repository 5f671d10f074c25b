#include "core/backoff.h"

#include <algorithm>
#include <cmath>

namespace ringmaster {

double BackoffDelay(const BackoffPolicy& policy, int failures, double uniform01) {
  // The first failure after a stable run is replaced at once (§10.2).
  if (!policy.enabled || failures <= 1) return 0.0;
  // pow may overflow to +inf for long crash loops; min() caps it at max.
  const double base = std::min(policy.max, policy.initial * std::pow(policy.factor, failures - 2));
  // Clamp inputs so a bad sample or an unvalidated policy can never make the
  // delay negative.
  const double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  const double u = std::clamp(uniform01, 0.0, 1.0);
  return std::max(0.0, base * (1.0 + jitter * (2.0 * u - 1.0)));
}

bool SlotBackoff::IsStableRun(const BackoffPolicy& policy, double lived_seconds, bool became_ready,
                              bool has_ready_protocol) {
  return lived_seconds >= policy.reset && (!has_ready_protocol || became_ready);
}

bool SpawnRetriesExhausted(int max_retry, int spawn_failures) {
  if (max_retry < 0) return false;
  return spawn_failures > max_retry;
}

}  // namespace ringmaster
