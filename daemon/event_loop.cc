#include "daemon/event_loop.h"

#include <event2/event.h>
#include <sys/time.h>

#include <cmath>
#include <cstdlib>
#include <ctime>

namespace ringmaster {
namespace {

timeval ToTimeval(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // also NaN
  // Config durations are only checked to be finite: 1e300 seconds would
  // overflow time_t (undefined behaviour). 1e9 s (31 years) is "never".
  if (seconds > 1e9) seconds = 1e9;
  timeval tv;
  tv.tv_sec = static_cast<time_t>(seconds);
  tv.tv_usec = static_cast<suseconds_t>((seconds - static_cast<double>(tv.tv_sec)) * 1e6);
  return tv;
}

// Keeps the callable alive while it runs, so a callback may destroy its owner.
void Invoke(void* arg) {
  std::shared_ptr<Callback> keep = *static_cast<std::shared_ptr<Callback>*>(arg);
  (*keep)();
}

}  // namespace

EventLoop::EventLoop() {
  event_config* cfg = event_config_new();
  // Monotonic time so timers are immune to wall-clock jumps.
  event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
  // Priorities (event_loop.h). Without a dispatch limit, 2000 backoff timers
  // expiring together ran as one batch of spawns (seconds) before libevent
  // polled again and saw SIGTERM; now it polls again after 20 ms of
  // callbacks below kUrgent.
  const timeval slice{0, 20000};
  event_config_set_max_dispatch_interval(cfg, &slice, -1, 1);
  base_ = event_base_new_with_config(cfg);
  event_config_free(cfg);
  if (base_ == nullptr) std::abort();
  if (event_base_priority_init(base_, kPriorities) != 0) std::abort();
}

EventLoop::~EventLoop() { event_base_free(base_); }

void EventLoop::Run() { event_base_dispatch(base_); }

void EventLoop::Break() { event_base_loopbreak(base_); }

double EventLoop::MonotonicNow() const {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double EventLoop::WallNow() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The event's callback argument points at the shared_ptr member; Invoke copies
// it before calling.
Timer::Timer(EventLoop& loop, Callback cb, Priority priority)
    : cb_(std::make_shared<Callback>(std::move(cb))) {
  ev_ = evtimer_new(loop.base(), &Timer::Trampoline, &cb_);
  event_priority_set(ev_, static_cast<int>(priority));
}

Timer::~Timer() { event_free(ev_); }

void Timer::Start(double seconds) {
  timeval tv = ToTimeval(seconds);
  evtimer_add(ev_, &tv);
}

void Timer::Cancel() { evtimer_del(ev_); }

bool Timer::pending() const { return evtimer_pending(ev_, nullptr) != 0; }

void Timer::Trampoline(int, short, void* arg) { Invoke(arg); }

FdWatch::FdWatch(EventLoop& loop, int fd, int mode, Callback cb, Priority priority)
    : cb_(std::make_shared<Callback>(std::move(cb))) {
  short what = EV_PERSIST;
  if (mode & kRead) what |= EV_READ;
  if (mode & kWrite) what |= EV_WRITE;
  ev_ = event_new(loop.base(), fd, what, &FdWatch::Trampoline, &cb_);
  event_priority_set(ev_, static_cast<int>(priority));
  event_add(ev_, nullptr);
}

FdWatch::~FdWatch() { event_free(ev_); }

void FdWatch::Disable() { event_del(ev_); }

void FdWatch::Enable() { event_add(ev_, nullptr); }

void FdWatch::Trampoline(int, short, void* arg) { Invoke(arg); }

SignalWatch::SignalWatch(EventLoop& loop, int signo, Callback cb, bool urgent)
    : cb_(std::make_shared<Callback>(std::move(cb))) {
  ev_ = evsignal_new(loop.base(), signo, &SignalWatch::Trampoline, &cb_);
  event_priority_set(ev_, static_cast<int>(urgent ? Priority::kUrgent : Priority::kSupervision));
  event_add(ev_, nullptr);
}

SignalWatch::~SignalWatch() { event_free(ev_); }

void SignalWatch::Trampoline(int, short, void* arg) { Invoke(arg); }

}  // namespace ringmaster
