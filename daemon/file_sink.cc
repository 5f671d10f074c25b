#include "daemon/file_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <utility>

namespace ringmaster {

FileSink::FileSink(FileSinkOptions options, SinkErrorCallback on_error, SinkTimeSource now)
    : options_(std::move(options)),
      on_error_(std::move(on_error)),
      formatter_(options_.time_format, std::move(now)) {
  Open();
}

FileSink::~FileSink() { Close(); }

void FileSink::Write(pid_t pid, std::string_view data) {
  if (data.empty()) return;
  error_in_call_ = false;
  if (options_.watch && fd_ >= 0) ReopenIfMoved();
  if (fd_ >= 0 || Open()) {
    buffer_.clear();
    if (options_.max_bytes <= 0 || options_.backup_count <= 0) {
      formatter_.Format(pid, data, &buffer_);
    } else {
      // A chunk from the pipe may hold many lines: split it at line ends so
      // that every file stays within max_bytes whenever its lines do.
      std::string piece;
      size_t pos = 0;
      while (pos < data.size()) {
        size_t nl = data.find('\n', pos);
        size_t end = nl == std::string_view::npos ? data.size() : nl + 1;
        std::string_view line = data.substr(pos, end - pos);
        piece.clear();
        formatter_.Format(pid, line, &piece);
        int64_t pending = size_ + static_cast<int64_t>(buffer_.size());
        if (pending > 0 && pending + static_cast<int64_t>(piece.size()) > options_.max_bytes) {
          Append(buffer_);
          buffer_.clear();
          if (NeedsRotation(piece.size())) {
            Rotate();
            // The new file starts at a line start: format again so that a line
            // continued across the rotation gets its prefix there.
            piece.clear();
            formatter_.Format(pid, line, &piece);
          }
        }
        buffer_ += piece;
        pos = end;
      }
    }
    Append(buffer_);
  }
  // One report per failure streak: a call that failed in any step (a rename
  // that keeps failing, say) must not end the streak.
  if (!error_in_call_) failing_ = false;
}

void FileSink::Flush(pid_t pid) {
  error_in_call_ = false;
  buffer_.clear();
  formatter_.Terminate(pid, &buffer_);
  // Nothing to write proves nothing: a streak of failures goes on (a flush at
  // every pipe's EOF used to end it, so a full disk was reported per process).
  if (buffer_.empty()) return;
  // No reopen check: the '\n' ends a line in the file the line started in, even
  // if that file was just moved away. No rotation for one terminator byte.
  Append(buffer_);
  if (!error_in_call_) failing_ = false;
}

bool FileSink::NeedsRotation(size_t incoming) const {
  // Like RotatingFileHandler, but an empty file is never rotated: a chunk larger
  // than max_bytes is then written whole instead of rotating forever.
  return options_.max_bytes > 0 && options_.backup_count > 0 && size_ > 0 &&
         size_ + static_cast<int64_t>(incoming) > options_.max_bytes;
}

bool FileSink::Open() {
  int fd = ::open(options_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    ReportError(
        Status::FromErrno("cannot open '" + options_.path + "' for appending", errno).message() +
        "; check that its directory exists and is writable (output is dropped until "
        "the file can be opened)");
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ReportError(Status::FromErrno("cannot stat '" + options_.path + "'", errno).message());
    ::close(fd);
    return false;
  }
  fd_ = fd;
  size_ = st.st_size;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  formatter_.Reset();
  return true;
}

void FileSink::Close() {
  if (fd_ < 0) return;
  ::close(fd_);  // nothing is buffered, so a close error loses nothing we can save
  fd_ = -1;
}

void FileSink::ReopenIfMoved() {
  // Same check as Python's WatchedFileHandler: the path is gone or is another
  // file (logrotate moved ours away and maybe created a new one).
  struct stat st {};
  if (::stat(options_.path.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) return;
  Close();
  Open();
}

void FileSink::Rotate() {
  Close();
  const std::string& base = options_.path;
  auto rename_backup = [this](const std::string& from, const std::string& to) {
    // rename(2) replaces `to`, which drops the oldest backup at the top.
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
      ReportError(
          Status::FromErrno("cannot rotate '" + from + "' to '" + to + "'", errno).message() +
          "; check that the directory is writable (the file keeps growing meanwhile)");
    }
  };
  for (int i = options_.backup_count - 1; i >= 1; --i) {
    rename_backup(base + "." + std::to_string(i), base + "." + std::to_string(i + 1));
  }
  rename_backup(base, base + ".1");
  Open();
}

void FileSink::Append(std::string_view bytes) {
  if (bytes.empty() || fd_ < 0) return;
  Status status = WriteAll(fd_, bytes);
  if (status.ok()) {
    size_ += static_cast<int64_t>(bytes.size());
    return;
  }
  ReportError("cannot append to '" + options_.path + "': " + status.message() +
              " (output is dropped until writes succeed)");
  // Part of the chunk may have landed: take the size from the file again.
  struct stat st {};
  if (::fstat(fd_, &st) == 0) size_ = st.st_size;
}

void FileSink::ReportError(const std::string& message) {
  error_in_call_ = true;
  if (!failing_ && on_error_) on_error_(message);
  failing_ = true;
}

}  // namespace ringmaster
