#include "daemon/output_pipe.h"

#include <unistd.h>

#include <cerrno>

namespace ringmaster {
namespace {
constexpr size_t kChunk = 64 * 1024;
}

OutputPipe::OutputPipe(EventLoop& loop, UniqueFd fd, pid_t pid, OutputSink* sink)
    : fd_(std::move(fd)), pid_(pid), sink_(sink) {
  watch_ = std::make_unique<FdWatch>(loop, fd_.get(), FdWatch::kRead, [this] {
    if (!ReadOnce()) Close();
  }, Priority::kControl);
}

OutputPipe::~OutputPipe() { Close(); }

bool OutputPipe::ReadOnce() {
  static char buf[kChunk];
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n > 0) {
      sink_->Write(pid_, std::string_view(buf, static_cast<size_t>(n)));
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    return false;  // EOF or error
  }
}

void OutputPipe::Drain() {
  if (!fd_.valid()) return;
  // Bounded: a grandchild holding the pipe open and writing must not keep us here.
  for (int i = 0; i < 64; ++i) {
    static char buf[kChunk];
    ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n > 0) {
      sink_->Write(pid_, std::string_view(buf, static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  Close();
}

void OutputPipe::Close() {
  if (!fd_.valid()) return;
  watch_.reset();
  fd_.Reset();
  sink_->Flush(pid_);
}

}  // namespace ringmaster
