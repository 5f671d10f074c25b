// Thin RAII wrappers over libevent: the loop, one-shot/periodic timers, fd
// watches and signal watches. Everything here runs on the loop thread only.
// A callback may destroy the object that owns it (the callable is kept alive
// for the duration of the call).
#ifndef RINGMASTER_DAEMON_EVENT_LOOP_H_
#define RINGMASTER_DAEMON_EVENT_LOOP_H_

#include <functional>
#include <memory>

struct event_base;
struct event;

namespace ringmaster {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  event_base* base() const { return base_; }
  void Run();   // until Break() or no events left
  void Break();

  // Monotonic seconds (cached per loop iteration by libevent; cheap).
  double MonotonicNow() const;
  static double WallNow();  // epoch seconds with sub-second precision

 private:
  event_base* base_;
};

using Callback = std::function<void()>;

// libevent runs the active events of a higher priority before any of a lower
// one, so reaping, respawn timers and stop signals never wait behind control
// work (the way systemd's sd-event orders its sources).
enum class Priority {
  kUrgent = 0,       // SIGCHLD and the stop signals
  kSupervision = 1,  // timers (respawn, backoff, grace, readiness), exec-status pipes, SIGHUP
  kDefault = 2,      // notify datagrams
  kControl = 3,      // ZeroMQ, the HTTP bridge, captured output, snapshots
};
inline constexpr int kPriorities = 4;

class Timer {
 public:
  Timer(EventLoop& loop, Callback cb, Priority priority = Priority::kSupervision);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void Start(double seconds);  // (re)arms as a one-shot
  void Cancel();
  bool pending() const;

 private:
  static void Trampoline(int, short, void* arg);
  event* ev_;
  std::shared_ptr<Callback> cb_;
};

// Calls cb whenever fd is readable (level-triggered, persistent).
class FdWatch {
 public:
  enum Mode { kRead = 1, kWrite = 2 };
  FdWatch(EventLoop& loop, int fd, int mode, Callback cb, Priority priority = Priority::kDefault);
  ~FdWatch();
  FdWatch(const FdWatch&) = delete;
  FdWatch& operator=(const FdWatch&) = delete;
  void Disable();
  void Enable();  // after Disable

 private:
  static void Trampoline(int, short, void* arg);
  event* ev_;
  std::shared_ptr<Callback> cb_;
};

// Delivers a POSIX signal as a loop event (libevent's self-pipe). An urgent
// watch (stop signals) runs before every ordinary event that is ready, and
// within ~20 ms even while a long batch of ordinary callbacks runs.
class SignalWatch {
 public:
  SignalWatch(EventLoop& loop, int signo, Callback cb, bool urgent = false);
  ~SignalWatch();
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

 private:
  static void Trampoline(int, short, void* arg);
  event* ev_;
  std::shared_ptr<Callback> cb_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_EVENT_LOOP_H_
