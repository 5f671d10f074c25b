// FileSink: appends captured child output to one file (FileStream and
// WatchedFileStream of docs/config.md §6.2). Every chunk is written with one
// write(2) on an O_APPEND fd, no stdio buffering. Optional per-line prefix,
// size-based rotation like Python's RotatingFileHandler, and reopening when the
// path is moved away (logrotate). Loop thread only; failures go to the error
// callback once per failure streak and the data is dropped.
#ifndef RINGMASTER_DAEMON_FILE_SINK_H_
#define RINGMASTER_DAEMON_FILE_SINK_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/output_sink.h"

namespace ringmaster {

struct FileSinkOptions {
  std::string path;
  // > 0: before a write that would make the file larger than this, rotate
  // path -> path.1 -> ... -> path.<backup_count>. Ignored when backup_count is 0.
  int64_t max_bytes = 0;
  int backup_count = 0;
  std::string time_format;  // non-empty: prefix every line with "<time> [<pid>] | "
  // Before each write, stat the path and reopen it if it is gone or its
  // device/inode changed (WatchedFileStream).
  bool watch = false;
};

class FileSink : public OutputSink {
 public:
  // Opens the file at once; a failure is reported and retried on each write.
  FileSink(FileSinkOptions options, SinkErrorCallback on_error, SinkTimeSource now = {});
  ~FileSink() override;

  void Write(pid_t pid, std::string_view data) override;
  void Flush(pid_t pid) override;

  bool is_open() const { return fd_ >= 0; }

 private:
  bool Open();
  void Close();
  void ReopenIfMoved();
  bool NeedsRotation(size_t incoming) const;
  void Rotate();
  void Append(std::string_view bytes);
  void ReportError(const std::string& message);

  FileSinkOptions options_;
  SinkErrorCallback on_error_;
  LineFormatter formatter_;
  int fd_ = -1;
  int64_t size_ = 0;  // current file size: fstat at open + bytes written since
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  bool failing_ = false;        // an error was reported and no call succeeded since
  bool error_in_call_ = false;  // the current Write/Flush reported an error
  std::string buffer_;          // reused for the formatted chunk
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_FILE_SINK_H_
