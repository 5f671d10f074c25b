#include "core/flapping.h"

#include <algorithm>

namespace ringmaster {

bool FlapDetector::OnCrash(const FlappingPolicy& policy, double now) {
  if (!policy.enabled) return false;
  while (!crashes_.empty() && now - crashes_.front() > policy.window) crashes_.pop_front();
  crashes_.push_back(now);
  const size_t keep = static_cast<size_t>(std::max(policy.attempts, 0)) + 1;
  while (crashes_.size() > keep) crashes_.pop_front();
  return static_cast<int>(crashes_.size()) > policy.attempts;
}

FlapDetector::Decision FlapDetector::OnFlap(const FlappingPolicy& policy, double now) {
  crashes_.clear();
  // A retry that ran for retry_in seconds before flapping again was a fresh
  // start: the count of flaps in a row begins again.
  if (retry_started_ >= 0 && now - retry_started_ >= policy.retry_in) tries_ = 0;
  retry_started_ = -1;
  tries_ += 1;
  Decision d;
  d.tries = tries_;
  d.give_up = policy.max_retry >= 0 && tries_ > policy.max_retry;
  d.retry_at = d.give_up ? 0 : now + policy.retry_in;
  return d;
}

void FlapDetector::Reset() {
  crashes_.clear();
  tries_ = 0;
  retry_started_ = -1;
}

}  // namespace ringmaster
