// Output sinks: where the captured stdout/stderr of child processes goes
// (docs/config.md §6.2). The loop thread reads a child's pipe when readable and
// hands each chunk to the sink of its watcher and stream; the sink writes it
// synchronously with write(2), so a child that outpaces the disk is slowed by its
// full pipe, never buffered in the daemon. The daemon's own stdout/stderr are
// the exception: they go through StdioWriter, which never blocks (bounded
// buffer, then drops), as a pipe nobody reads must not stall the loop. One sink is shared by all processes of
// a watcher's stream, so per-line state is kept per pid. Loop thread only.
#ifndef RINGMASTER_DAEMON_OUTPUT_SINK_H_
#define RINGMASTER_DAEMON_OUTPUT_SINK_H_

#include <sys/types.h>

#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/status.h"

namespace ringmaster {

// Receives a sink's failures (open, write, rotate), one message per failure
// streak: after a report the sink stays quiet until an operation succeeds again.
// Messages name the path and errno text; the caller adds the watcher and stream.
using SinkErrorCallback = std::function<void(const std::string& message)>;

// Wall-clock seconds used for the time_format prefix; empty means std::time().
using SinkTimeSource = std::function<std::time_t()>;

class OutputSink {
 public:
  OutputSink() = default;
  OutputSink(const OutputSink&) = delete;
  OutputSink& operator=(const OutputSink&) = delete;
  virtual ~OutputSink();

  // Writes one chunk read from `pid`'s pipe, whole, before returning. Failures go
  // to the error callback and the chunk is dropped (the pipe must still drain).
  virtual void Write(pid_t pid, std::string_view data) = 0;
  // `pid`'s pipe reached EOF: end its unterminated last line, if any, with '\n'
  // and forget the pid (pids are reused).
  virtual void Flush(pid_t /*pid*/) {}
};

// Returns the sink for one stream, or nullptr for StreamClass::kNone (the child
// then inherits the daemon's own stdout/stderr). kStdout and kFancyStdout write
// to `stdout_fd` (the daemon passes STDOUT_FILENO; the fd is not owned). A file
// that cannot be opened is reported through `on_error`; the sink is still
// returned and retries the open on each write.
std::unique_ptr<OutputSink> MakeOutputSink(const StreamConfig& cfg, int stdout_fd,
                                           SinkErrorCallback on_error, SinkTimeSource now = {});

// Building blocks shared by the sinks.

// Adds "<strftime(local time)> [<pid>] | " at the start of every line of one
// output that several pids write to. With an empty time_format it adds nothing
// and only tracks line ends. The output's open (unterminated) last line belongs
// to one pid; when another pid writes, a prefixing formatter ends that line with
// '\n' first, so every line carries the prefix of the pid that wrote it.
class LineFormatter {
 public:
  LineFormatter(std::string time_format, SinkTimeSource now);

  // Appends to `out` the bytes to write for `data` from `pid`.
  void Format(pid_t pid, std::string_view data, std::string* out);
  // Appends "\n" to `out` if `pid` owns the open line. Either way `pid` no
  // longer owns anything.
  void Terminate(pid_t pid, std::string* out);
  // The output was reopened (rotation, logrotate): it starts at a line start.
  void Reset() { open_line_pid_.reset(); }

 private:
  void AppendPrefix(pid_t pid, std::string* out);

  std::string time_format_;
  SinkTimeSource now_;
  std::string time_text_;  // the time part of the prefix for the current Format
  std::optional<pid_t> open_line_pid_;
};

// write(2) until all of `data` is written: retries EINTR and partial writes,
// and waits with poll() if the fd is non-blocking and full.
Status WriteAll(int fd, std::string_view data);

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_OUTPUT_SINK_H_
