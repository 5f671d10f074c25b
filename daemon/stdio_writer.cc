#include "daemon/stdio_writer.h"

#include <atomic>

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <mutex>
#include <vector>

namespace ringmaster {
namespace {

std::mutex g_shared_mu;
std::unique_ptr<StdioWriter> g_shared[3];  // index by fd; 0 unused

}  // namespace

StdioWriter& StdioWriter::For(int fd) {
  std::lock_guard<std::mutex> lock(g_shared_mu);
  std::unique_ptr<StdioWriter>& w = g_shared[fd == 2 ? 2 : 1];
  if (!w) w = std::make_unique<StdioWriter>(fd == 2 ? 2 : 1);
  return *w;
}

bool StdioWriter::FlushAll() {
  StdioWriter* writers[2];
  {
    std::lock_guard<std::mutex> lock(g_shared_mu);
    writers[0] = g_shared[1].get();
    writers[1] = g_shared[2].get();
  }
  bool left = false;
  for (StdioWriter* w : writers) {
    if (w != nullptr && w->Flush()) left = true;
  }
  return left;
}

uint64_t StdioWriter::TotalDropped() {
  std::lock_guard<std::mutex> lock(g_shared_mu);
  uint64_t n = 0;
  for (int fd : {1, 2}) {
    if (g_shared[fd]) n += g_shared[fd]->dropped();
  }
  return n;
}

// Why not fcntl(fd, F_SETFL, O_NONBLOCK): the flag lives on the open file
// description, which children inherit when a watcher has no stream (and
// which the process that started us may share). They would get EAGAIN on a
// full pipe and most programs treat that as a fatal write error. So:
// * a socket: send(MSG_DONTWAIT), non-blocking per call;
// * a pipe, FIFO or terminal: open /proc/self/fd/N again, which gives a new
//   description of the same pipe or tty, and make only that one non-blocking;
// * otherwise (a regular file, or the reopen failed): poll with a zero
//   timeout first and write at most PIPE_BUF bytes, which POLLOUT guarantees
//   to fit in a pipe. Regular files never block for long.
StdioWriter::StdioWriter(int fd, size_t limit) : user_fd_(fd), fd_(fd), limit_(limit) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) return;
  if (S_ISSOCK(st.st_mode)) {
    mode_ = Mode::kSend;
    return;
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK) != 0) {
    mode_ = Mode::kNonBlocking;  // someone already chose this for the description
    return;
  }
  if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    const int own = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (own >= 0) {
      own_fd_ = own;
      fd_ = own;
      mode_ = Mode::kNonBlocking;
    }
  }
}

StdioWriter::~StdioWriter() {
  if (own_fd_ >= 0) ::close(own_fd_);
}

ssize_t StdioWriter::TryWrite(const char* p, size_t n) {
  for (;;) {
    ssize_t w = -1;
    switch (mode_) {
      case Mode::kSend:
        w = ::send(fd_, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        break;
      case Mode::kNonBlocking:
        w = ::write(fd_, p, n);
        break;
      case Mode::kPollGuard: {
        pollfd pfd{fd_, POLLOUT, 0};
        const int ready = ::poll(&pfd, 1, 0);
        if (ready == 0) return 0;
        if (ready < 0) {
          if (errno == EINTR) continue;
          return -1;
        }
        w = ::write(fd_, p, n < PIPE_BUF ? n : PIPE_BUF);
        break;
      }
    }
    if (w >= 0) return w;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return -1;
  }
}

bool StdioWriter::FlushLocked() {
  size_t done = 0;
  while (done < pending_.size()) {
    const ssize_t w = TryWrite(pending_.data() + done, pending_.size() - done);
    if (w <= 0) break;
    done += static_cast<size_t>(w);
  }
  pending_.erase(0, done);
  if (pending_.empty() && dropped_unreported_ > 0) {
    // The one warning per episode, once there is room for it: logging it
    // when the drop starts would only queue it behind the blocked bytes.
    pending_ = "ringmasterd: WARNING: nobody read fd " + std::to_string(user_fd_) +
               " for a while; dropped " + std::to_string(dropped_unreported_) +
               " bytes of output (" + std::to_string(dropped_) + " in total)\n";
    dropped_unreported_ = 0;
    return FlushLocked();
  }
  return !pending_.empty();
}

bool StdioWriter::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  return FlushLocked();
}

namespace {
// Replaced, never freed: a thread may be calling the previous hook. The
// replaced ones stay reachable from g_retired (a handful per run), so
// LeakSanitizer does not report them at exit.
std::atomic<std::function<void()>*> g_on_queued{nullptr};
std::mutex g_retired_mu;
std::vector<std::unique_ptr<std::function<void()>>> g_retired;
}  // namespace

void StdioWriter::SetOnQueued(std::function<void()> hook) {
  auto* next = hook ? new std::function<void()>(std::move(hook)) : nullptr;
  std::function<void()>* old = g_on_queued.exchange(next);
  if (old != nullptr) {
    std::lock_guard<std::mutex> lock(g_retired_mu);
    g_retired.emplace_back(old);
  }
}

bool StdioWriter::Write(std::string_view data) {
  bool started_queueing = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    FlushLocked();
    if (pending_.empty()) {
      const ssize_t w = TryWrite(data.data(), data.size());
      if (w < 0) return false;
      data.remove_prefix(static_cast<size_t>(w));
      if (data.empty()) return true;
    }
    if (pending_.size() + data.size() > limit_) {
      dropped_ += data.size();
      dropped_unreported_ += data.size();
      return true;
    }
    started_queueing = pending_.empty();
    pending_.append(data);
  }
  if (started_queueing) {
    if (std::function<void()>* hook = g_on_queued.load()) (*hook)();
  }
  return true;
}

uint64_t StdioWriter::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

size_t StdioWriter::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

}  // namespace ringmaster
