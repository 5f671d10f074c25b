// Runs closures on the event loop thread on behalf of other threads (the HTTP
// workers): Post() queues a closure and wakes the loop through an eventfd that
// an FdWatch drains. Post is thread-safe; the bridge itself is created and
// destroyed on the loop thread. After Close() (or destruction) Post refuses.
#ifndef RINGMASTER_DAEMON_LOOP_BRIDGE_H_
#define RINGMASTER_DAEMON_LOOP_BRIDGE_H_

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "daemon/event_loop.h"
#include "daemon/unique_fd.h"

namespace ringmaster {

class LoopBridge {
 public:
  // Aborts (throws std::system_error) if the eventfd cannot be created.
  explicit LoopBridge(EventLoop& loop);
  ~LoopBridge();
  LoopBridge(const LoopBridge&) = delete;
  LoopBridge& operator=(const LoopBridge&) = delete;

  // Any thread. False once closed: the closure will never run.
  bool Post(std::function<void()> fn);
  // Any thread. Closures still queued are dropped without running.
  void Close();

 private:
  void Drain();  // loop thread

  UniqueFd wake_fd_;
  std::unique_ptr<FdWatch> watch_;
  std::mutex mu_;
  std::vector<std::function<void()>> queue_;
  bool closed_ = false;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_LOOP_BRIDGE_H_
