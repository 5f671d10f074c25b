// Reads one child's stdout or stderr pipe on the loop and hands the bytes to an
// OutputSink. Reads at most 64 KiB per wake-up and writes synchronously, so a
// child that writes faster than the disk is held back by its full pipe rather
// than by memory in the daemon. Loop thread only.
#ifndef RINGMASTER_DAEMON_OUTPUT_PIPE_H_
#define RINGMASTER_DAEMON_OUTPUT_PIPE_H_

#include <sys/types.h>

#include <memory>

#include "daemon/event_loop.h"
#include "daemon/output_sink.h"
#include "daemon/unique_fd.h"

namespace ringmaster {

class OutputPipe {
 public:
  // `sink` must outlive this object.
  OutputPipe(EventLoop& loop, UniqueFd fd, pid_t pid, OutputSink* sink);
  ~OutputPipe();

  // Reads what is buffered in the pipe now (up to EOF or EAGAIN) and flushes
  // the sink's partial line; used when the process has been reaped.
  void Drain();
  // The read end, for the handover to the next image (-1 once closed).
  int fd() const { return fd_.get(); }

 private:
  // Returns false at EOF or on error.
  bool ReadOnce();
  void Close();

  UniqueFd fd_;
  pid_t pid_;
  OutputSink* sink_;
  std::unique_ptr<FdWatch> watch_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_OUTPUT_PIPE_H_
