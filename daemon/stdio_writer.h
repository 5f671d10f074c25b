// Non-blocking, bounded writes to the daemon's own stdout/stderr (its log and
// StdoutStream captures), so a pipe that nobody reads never stalls the loop.
// Bytes that cannot be written at once wait in a buffer of at most kLimit
// bytes, flushed by later writes and by Flush() (the loop calls FlushAll() on
// a timer while anything is pending); beyond the bound whole chunks are
// dropped and counted, and one warning line with the count is written once
// output flows again. Thread-safe (the log is written from HTTP threads too).
#ifndef RINGMASTER_DAEMON_STDIO_WRITER_H_
#define RINGMASTER_DAEMON_STDIO_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace ringmaster {

class StdioWriter {
 public:
  static constexpr size_t kLimit = 1 << 20;

  // The shared writer of fd 1 or 2 (created on first use); any other fd gets
  // a writer of its own per call site (tests): use the constructor.
  static StdioWriter& For(int fd);
  // Flushes the writers of fd 1 and 2; true while any still has bytes pending.
  static bool FlushAll();
  // Bytes dropped so far by the writers of fd 1 and 2 together.
  static uint64_t TotalDropped();
  // Called (any thread, no lock held) when a writer starts queueing: the
  // loop then flushes on a timer until nothing is pending, and not at all
  // while nothing is. Set once, before other threads write.
  static void SetOnQueued(std::function<void()> hook);

  // `fd` is not owned (it must outlive the writer); see the .cc for how it
  // is made non-blocking without touching the description children share.
  explicit StdioWriter(int fd, size_t limit = kLimit);
  ~StdioWriter();
  StdioWriter(const StdioWriter&) = delete;
  StdioWriter& operator=(const StdioWriter&) = delete;

  // Writes `data` now, or queues it, or drops it (whole) when the queue is full.
  // Returns false only for a hard error (EBADF, EPIPE...), with errno set.
  bool Write(std::string_view data);
  // Writes what is pending; true while bytes remain.
  bool Flush();
  uint64_t dropped() const;
  size_t pending() const;

 private:
  enum class Mode { kNonBlocking, kSend, kPollGuard };
  // One write(2)/send(2) that never blocks: bytes written, 0 when full, -1 on error.
  ssize_t TryWrite(const char* p, size_t n);
  bool FlushLocked();

  mutable std::mutex mu_;
  int user_fd_;         // as given (named in the warning)
  int fd_;              // what we write to (ours when reopened, else user_fd_)
  int own_fd_ = -1;     // the reopened descriptor, closed on destruction
  Mode mode_ = Mode::kPollGuard;
  size_t limit_;
  std::string pending_;
  uint64_t dropped_ = 0;
  uint64_t dropped_unreported_ = 0;  // since the last warning line
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_STDIO_WRITER_H_
