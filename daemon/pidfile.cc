#include "daemon/pidfile.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ringmaster {

Pidfile::~Pidfile() { Remove(); }

Status Pidfile::Create(const std::string& path) {
  std::ifstream in(path);
  if (in) {
    long other = 0;
    in >> other;
    if (other > 0 && other != getpid() && (::kill(static_cast<pid_t>(other), 0) == 0 || errno == EPERM)) {
      return Status::Error("pidfile " + path + " names process " + std::to_string(other) +
                           ", which is running; is another ringmasterd using it?");
    }
  }
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("cannot write pidfile " + path, errno);
  std::string text = std::to_string(getpid()) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::fchmod(fd, 0644);
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) < 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Status::FromErrno("cannot write pidfile " + path, err);
  }
  path_ = path;
  return Status::Ok();
}

void Pidfile::Remove() {
  if (path_.empty()) return;
  ::unlink(path_.c_str());
  path_.clear();
}

}  // namespace ringmaster
