// The time a Watcher runs on: a monotonic and a wall clock, and one-shot
// timers. The daemon's LoopClock reads the system clocks and arms libevent
// timers (Priority::kSupervision); unit tests drive a fake one
// (tests/support/fake_watcher_host.h), so the restart policy runs in virtual
// time and never sleeps. Loop thread only.
//
// An interface beside EventLoop rather than a virtual-time mode of it: the
// Watcher's timers are all one-shots of one priority, so faking them needs
// four calls, while a virtual EventLoop would put a branch into every timer,
// fd and signal watch of the daemon (the ZeroMQ and HTTP fronts included).
#ifndef RINGMASTER_DAEMON_CLOCK_H_
#define RINGMASTER_DAEMON_CLOCK_H_

#include <memory>

#include "daemon/event_loop.h"

namespace ringmaster {

class OneShotTimer {
 public:
  virtual ~OneShotTimer() = default;
  virtual void Start(double seconds) = 0;  // (re)arms
  virtual void Cancel() = 0;
  virtual bool pending() const = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual double MonotonicNow() = 0;
  virtual double WallNow() = 0;  // epoch seconds
  // The callback may destroy the timer (as with Timer).
  virtual std::unique_ptr<OneShotTimer> NewTimer(Callback cb) = 0;
};

// The real clocks and libevent timers of `loop`.
class LoopClock final : public Clock {
 public:
  explicit LoopClock(EventLoop& loop) : loop_(loop) {}
  double MonotonicNow() override { return loop_.MonotonicNow(); }
  double WallNow() override { return EventLoop::WallNow(); }
  std::unique_ptr<OneShotTimer> NewTimer(Callback cb) override;

 private:
  EventLoop& loop_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_CLOCK_H_
