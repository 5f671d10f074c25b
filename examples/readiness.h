// Readiness and status reports from a worker to its supervisor (ringmaster
// docs/config.md §10.1): s6-style "\n" on an inherited fd, and systemd-style
// datagrams to $NOTIFY_SOCKET. Failures are logged to stderr and otherwise
// ignored: the supervisor's ready_timeout acts on a worker that never reports.
#ifndef RINGMASTER_EXAMPLES_READINESS_H_
#define RINGMASTER_EXAMPLES_READINESS_H_

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "examples/spool_util.h"

namespace ringmaster::spool {

// Writes the readiness newline to `fd`, then closes it: nothing else is ever
// sent there, and the supervisor drains the pipe until EOF anyway.
inline void SignalReadyFd(int fd, const std::string& tag) {
  if (!WriteAll(fd, "\n", 1)) {
    std::fprintf(stderr, "%s: --ready-fd %d: %s\n", tag.c_str(), fd, ErrnoText().c_str());
  }
  close(fd);
}

// Sends datagrams to the unix socket named by $NOTIFY_SOCKET; a leading '@'
// names the Linux abstract namespace. Disabled (Send does nothing) unless
// `enabled` and the variable is set. Not thread-safe; one per process.
class Notifier {
 public:
  Notifier(bool enabled, std::string tag) : tag_(std::move(tag)) {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (!enabled) return;
    if (path == nullptr || path[0] == '\0') {
      std::fprintf(stderr, "%s: --notify but NOTIFY_SOCKET is not set\n", tag_.c_str());
      return;
    }
    const size_t len = std::strlen(path);
    if (len >= sizeof(addr_.sun_path)) {
      std::fprintf(stderr, "%s: NOTIFY_SOCKET is too long\n", tag_.c_str());
      return;
    }
    addr_.sun_family = AF_UNIX;
    std::memcpy(addr_.sun_path, path, len);
    if (path[0] == '@') addr_.sun_path[0] = '\0';
    // Abstract names are length-delimited, so the length excludes any NUL.
    addr_len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
    fd_ = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (fd_ >= 0) fcntl(fd_, F_SETFD, FD_CLOEXEC);
  }
  ~Notifier() {
    if (fd_ >= 0) close(fd_);
  }
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // `msg` is newline-separated KEY=VALUE lines, e.g. "READY=1\nSTATUS=idle".
  void Send(const std::string& msg) {
    if (fd_ < 0) return;
    if (sendto(fd_, msg.data(), msg.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr_),
               addr_len_) < 0) {
      std::fprintf(stderr, "%s: NOTIFY_SOCKET: %s\n", tag_.c_str(), ErrnoText().c_str());
    }
  }

 private:
  const std::string tag_;
  sockaddr_un addr_{};
  socklen_t addr_len_ = 0;
  int fd_ = -1;
};

}  // namespace ringmaster::spool

#endif  // RINGMASTER_EXAMPLES_READINESS_H_
