#include "daemon/output_sink.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "daemon/file_sink.h"
#include "daemon/stdio_writer.h"

namespace ringmaster {

namespace {

// Circus's FancyStdoutStream default.
constexpr char kFancyTimeFormat[] = "%Y-%m-%d %H:%M:%S";

std::string FormatLocalTime(const std::string& format, std::time_t t) {
  struct tm tm {};
  localtime_r(&t, &tm);
  // strftime returns 0 both for "too small" and for an empty expansion, so grow
  // a few times and then accept empty.
  for (size_t capacity = 64; capacity <= 4096; capacity *= 4) {
    std::string buf(capacity, '\0');
    size_t n = std::strftime(buf.data(), capacity, format.c_str(), &tm);
    if (n > 0) {
      buf.resize(n);
      return buf;
    }
  }
  return std::string();
}

// StdoutStream: writes to a fd the sink does not own (the daemon's stdout).
class StdoutSink : public OutputSink {
 public:
  StdoutSink(int fd, std::string time_format, SinkErrorCallback on_error, SinkTimeSource now)
      : fd_(fd),
        on_error_(std::move(on_error)),
        formatter_(std::move(time_format), std::move(now)) {}

  void Write(pid_t pid, std::string_view data) override {
    buffer_.clear();
    formatter_.Format(pid, data, &buffer_);
    Emit();
  }

  void Flush(pid_t pid) override {
    buffer_.clear();
    formatter_.Terminate(pid, &buffer_);
    Emit();
  }

 private:
  void Emit() {
    if (buffer_.empty()) return;
    // The daemon's own stdout/stderr may be a pipe nobody reads: never block
    // the loop on it (the shared writer queues a bounded amount, then drops).
    Status status = Status::Ok();
    if (fd_ == STDOUT_FILENO || fd_ == STDERR_FILENO) {
      if (!StdioWriter::For(fd_).Write(buffer_)) status = Status::FromErrno("write", errno);
    } else {
      status = WriteAll(fd_, buffer_);
    }
    if (status.ok()) {
      failing_ = false;
      return;
    }
    if (!failing_ && on_error_) {
      on_error_("cannot write child output to the daemon's stdout (fd " + std::to_string(fd_) +
                "): " + status.message() + "; output is dropped until writes succeed");
    }
    failing_ = true;
  }

  int fd_;
  SinkErrorCallback on_error_;
  LineFormatter formatter_;
  bool failing_ = false;
  std::string buffer_;
};

}  // namespace

OutputSink::~OutputSink() = default;

std::unique_ptr<OutputSink> MakeOutputSink(const StreamConfig& cfg, int stdout_fd,
                                           SinkErrorCallback on_error, SinkTimeSource now) {
  FileSinkOptions options;
  options.path = cfg.filename;
  options.time_format = cfg.time_format;
  switch (cfg.cls) {
    case StreamClass::kNone:
      return nullptr;
    case StreamClass::kStdout:
      return std::make_unique<StdoutSink>(stdout_fd, cfg.time_format, std::move(on_error),
                                          std::move(now));
    case StreamClass::kFancyStdout:
      // "b" feature: no colours yet. Falls back to StdoutStream with the prefix
      // FancyStdoutStream would print (the config loader warns about it).
      return std::make_unique<StdoutSink>(
          stdout_fd, cfg.time_format.empty() ? kFancyTimeFormat : cfg.time_format,
          std::move(on_error), std::move(now));
    case StreamClass::kFile:
      options.max_bytes = cfg.max_bytes;
      options.backup_count = cfg.backup_count;
      break;
    case StreamClass::kWatchedFile:
      options.watch = true;
      break;
    case StreamClass::kTimedRotatingFile:
      // "b" feature: time-based rotation is not implemented; it behaves as a
      // FileStream that never rotates (the config loader warns about it).
      break;
  }
  return std::make_unique<FileSink>(std::move(options), std::move(on_error), std::move(now));
}

LineFormatter::LineFormatter(std::string time_format, SinkTimeSource now)
    : time_format_(std::move(time_format)), now_(std::move(now)) {}

void LineFormatter::Format(pid_t pid, std::string_view data, std::string* out) {
  if (data.empty()) return;
  if (time_format_.empty()) {
    // Raw bytes, unchanged; only remember who left a line open for Terminate.
    out->append(data);
    if (data.back() == '\n') {
      open_line_pid_.reset();
    } else {
      open_line_pid_ = pid;
    }
    return;
  }
  // One time per chunk: its lines were read at the same moment.
  time_text_ = FormatLocalTime(time_format_, now_ ? now_() : std::time(nullptr));
  bool at_line_start = open_line_pid_ != pid;
  if (open_line_pid_.has_value() && *open_line_pid_ != pid) out->push_back('\n');
  size_t pos = 0;
  while (pos < data.size()) {
    if (at_line_start) AppendPrefix(pid, out);
    size_t newline = data.find('\n', pos);
    size_t end = newline == std::string_view::npos ? data.size() : newline + 1;
    out->append(data.substr(pos, end - pos));
    at_line_start = newline != std::string_view::npos;
    pos = end;
  }
  if (at_line_start) {
    open_line_pid_.reset();
  } else {
    open_line_pid_ = pid;
  }
}

void LineFormatter::Terminate(pid_t pid, std::string* out) {
  if (open_line_pid_ != pid) return;
  out->push_back('\n');
  open_line_pid_.reset();
}

void LineFormatter::AppendPrefix(pid_t pid, std::string* out) {
  out->append(time_text_);
  out->append(" [");
  out->append(std::to_string(pid));
  out->append("] | ");
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return Status::Error("write: wrote 0 bytes");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      // A non-blocking fd (e.g. a shared terminal pipe): stay synchronous.
      pollfd pfd{fd, POLLOUT, 0};
      if (::poll(&pfd, 1, -1) < 0 && errno != EINTR) return Status::FromErrno("poll", errno);
      continue;
    }
    return Status::FromErrno("write", errno);
  }
  return Status::Ok();
}

}  // namespace ringmaster
