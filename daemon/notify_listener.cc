#include "daemon/notify_listener.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "daemon/log.h"

namespace ringmaster {

NotifyListener::NotifyListener(EventLoop& loop, Handler handler)
    : loop_(loop), handler_(std::move(handler)) {}

Status NotifyListener::Bind() {
  address_ = "@ringmasterd/" + std::to_string(getpid()) + "/notify";
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Status::FromErrno("notify socket", errno);
  fd_.Reset(fd);
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0) {
    return Status::FromErrno("notify socket SO_PASSCRED", errno);
  }
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  // Abstract namespace: a leading NUL instead of '@'.
  memcpy(sa.sun_path + 1, address_.data() + 1, address_.size() - 1);
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), len) < 0) {
    return Status::FromErrno("cannot bind notify socket " + address_, errno);
  }
  watch_ = std::make_unique<FdWatch>(loop_, fd, FdWatch::kRead, [this] { OnReadable(); });
  return Status::Ok();
}

void NotifyListener::Adopt(UniqueFd fd) {
  address_ = "@ringmasterd/" + std::to_string(getpid()) + "/notify";
  fd_ = std::move(fd);
  watch_ = std::make_unique<FdWatch>(loop_, fd_.get(), FdWatch::kRead, [this] { OnReadable(); });
}

std::map<std::string, std::string> NotifyListener::Parse(const std::string& payload) {
  std::map<std::string, std::string> kv;
  size_t pos = 0;
  while (pos < payload.size()) {
    size_t end = payload.find('\n', pos);
    if (end == std::string::npos) end = payload.size();
    std::string line = payload.substr(pos, end - pos);
    size_t eq = line.find('=');
    if (eq != std::string::npos && eq > 0) kv[line.substr(0, eq)] = line.substr(eq + 1);
    pos = end + 1;
  }
  return kv;
}

void NotifyListener::OnReadable() {
  for (int i = 0; i < 64; ++i) {
    char buf[4096];
    iovec iov{buf, sizeof buf - 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * 16)];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(fd_.get(), &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) return;  // EAGAIN: drained
    pid_t pid = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET) continue;
      if (c->cmsg_type == SCM_CREDENTIALS) {
        ucred cred;
        memcpy(&cred, CMSG_DATA(c), sizeof cred);
        pid = cred.pid;
      } else if (c->cmsg_type == SCM_RIGHTS) {
        // Passed fds are not used: close them at once.
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t k = 0; k < count; ++k) {
          int passed;
          memcpy(&passed, CMSG_DATA(c) + k * sizeof(int), sizeof passed);
          close(passed);
        }
      }
    }
    if (pid <= 0) continue;
    handler_(pid, Parse(std::string(buf, static_cast<size_t>(n))));
  }
}

}  // namespace ringmaster
