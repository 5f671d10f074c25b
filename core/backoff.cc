#include "core/backoff.h"

#include <algorithm>
#include <cmath>

namespace ringmaster {

double BackoffDelay(const BackoffPolicy& policy, int past_burst, double uniform01) {
  if (!policy.enabled || past_burst <= 0) return 0.0;
  // pow may overflow to +inf for long crash loops; min() caps it at max.
  const double base =
      std::min(policy.max, policy.initial * std::pow(policy.factor, past_burst - 1));
  // Clamp inputs so a bad sample or an unvalidated policy can never make the
  // delay negative.
  const double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  const double u = std::clamp(uniform01, 0.0, 1.0);
  return std::max(0.0, base * (1.0 + jitter * (2.0 * u - 1.0)));
}

FailureVerdict SlotBackoff::OnFailure(const BackoffPolicy& policy, double now, double uniform01) {
  failures += 1;
  size_t old = 0;
  while (old < recent.size() && now - recent[old] > policy.window) ++old;
  recent.erase(recent.begin(), recent.begin() + static_cast<std::ptrdiff_t>(old));
  recent.push_back(now);
  // The window only needs to remember one failure more than the burst.
  const size_t keep = static_cast<size_t>(std::max(policy.burst, 0)) + 1;
  if (recent.size() > keep) {
    recent.erase(recent.begin(), recent.end() - static_cast<std::ptrdiff_t>(keep));
  }
  FailureVerdict v;
  // At once while the sequence is within its burst. The first failure after
  // a stable run is always replaced at once, so a burst of 0 acts like 1.
  // Once past the burst the slot stays in backoff until a stable run, so a
  // tight crash loop's delays keep growing instead of a new burst each window.
  if (past_burst == 0 &&
      (static_cast<int>(recent.size()) <= policy.burst || failures <= 1)) {
    return v;
  }
  past_burst += 1;
  v.past_burst = true;
  v.delay = BackoffDelay(policy, past_burst, uniform01);
  return v;
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
