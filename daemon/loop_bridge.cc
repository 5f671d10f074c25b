#include "daemon/loop_bridge.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace ringmaster {

LoopBridge::LoopBridge(EventLoop& loop)
    : wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!wake_fd_.valid()) throw std::system_error(errno, std::generic_category(), "eventfd");
  watch_ = std::make_unique<FdWatch>(loop, wake_fd_.get(), FdWatch::kRead, [this] { Drain(); },
                                     Priority::kControl);
}

LoopBridge::~LoopBridge() {
  Close();
  watch_.reset();
}

bool LoopBridge::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return false;
    queue_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  // EAGAIN means the counter is already non-zero: the loop will wake anyway.
  ssize_t n = ::write(wake_fd_.get(), &one, sizeof one);
  (void)n;
  return true;
}

void LoopBridge::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  queue_.clear();
}

void LoopBridge::Drain() {
  uint64_t count;
  ssize_t n = ::read(wake_fd_.get(), &count, sizeof count);
  (void)n;
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(queue_);
  }
  for (auto& fn : batch) fn();
}

}  // namespace ringmaster
