// Flapping detection per watcher (Circus's flapping plugin,
// docs/config.md §10.2). Counts the crashes of the whole watcher that are past their slot's
// burst allowance; more than `attempts` of them within `window` seconds is a
// flap: the watcher is stopped and tried again after `retry_in`, at most
// `max_retry` times in a row (-1: for ever). Exits the daemon caused are
// never fed in. Pure: the caller supplies monotonic times.
#ifndef RINGMASTER_CORE_FLAPPING_H_
#define RINGMASTER_CORE_FLAPPING_H_

#include <deque>

#include "core/config.h"

namespace ringmaster {

class FlapDetector {
 public:
  struct Decision {
    bool give_up = false;  // stay stopped until `start`
    int tries = 0;         // flaps in a row, this one included
    double retry_at = 0;   // monotonic time of the next start (unless give_up)
  };

  // A crash past its slot's burst at `now`. Returns true when the watcher
  // flaps; call OnFlap then.
  bool OnCrash(const FlappingPolicy& policy, double now);
  // The watcher flapped at `now`: retry or give up.
  Decision OnFlap(const FlappingPolicy& policy, double now);
  // The retry after a flap started the watcher again at `now`.
  void OnRetryStarted(double now) { retry_started_ = now; }
  // An explicit start (or a config change) forgets everything.
  void Reset();

  int tries() const { return tries_; }

  // The counters, to carry across an in-place upgrade (core/handover_state.h).
  struct Saved {
    std::deque<double> crashes;  // monotonic s
    int tries = 0;
    double retry_started = -1;
  };
  Saved Save() const { return {crashes_, tries_, retry_started_}; }
  void Restore(const Saved& s) {
    crashes_ = s.crashes;
    tries_ = s.tries;
    retry_started_ = s.retry_started;
  }

 private:
  std::deque<double> crashes_;
  int tries_ = 0;
  double retry_started_ = -1;
};

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_FLAPPING_H_
