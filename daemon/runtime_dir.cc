#include "daemon/runtime_dir.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "daemon/log.h"
#include "daemon/unique_fd.h"

namespace ringmaster {
namespace {

std::string OctalMode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

const char* TypeName(mode_t mode) {
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISFIFO(mode)) return "a FIFO";
  return "not a directory";
}

}  // namespace

Status EnsurePrivateDir(const std::string& dir) {
  const uid_t uid = geteuid();
  bool created = false;
  if (mkdir(dir.c_str(), 0700) == 0) {
    created = true;
  } else if (errno != EEXIST) {
    int err = errno;
    std::string msg = "cannot create runtime directory " + dir + ": " + std::strerror(err);
    if (err == ENOENT) msg += " (its parent directory must exist)";
    msg += "; create it with mode 0700 or configure an explicit endpoint";
    return Status::Error(msg);
  }
  // lstat: a symlink planted in a shared directory such as /tmp must not be
  // followed to a directory someone else controls.
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0) {
    return Status::FromErrno("cannot inspect runtime directory " + dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::Error("runtime directory " + dir + " is " + TypeName(st.st_mode) +
                         ", not a directory owned by uid " + std::to_string(uid) +
                         "; remove it, or configure an explicit endpoint");
  }
  if (st.st_uid != uid) {
    return Status::Error("runtime directory " + dir + " is owned by uid " +
                         std::to_string(st.st_uid) + " (mode " + OctalMode(st.st_mode) +
                         "), not by uid " + std::to_string(uid) +
                         " that runs ringmasterd; another user may control it: remove it, or "
                         "configure an explicit endpoint");
  }
  // The umask may have narrowed 0700 further; the daemon needs rwx itself.
  if (created && (st.st_mode & 07777) != 0700) {
    if (chmod(dir.c_str(), 0700) != 0) {
      return Status::FromErrno("cannot set mode 0700 on runtime directory " + dir, errno);
    }
    return Status::Ok();
  }
  if ((st.st_mode & 077) != 0) {
    return Status::Error("runtime directory " + dir + " (owner uid " + std::to_string(st.st_uid) +
                         ") has mode " + OctalMode(st.st_mode) +
                         ", which lets other users reach the control socket; run 'chmod 700 " +
                         dir + "' or remove it");
  }
  return Status::Ok();
}

Status ClaimIpcSocketPath(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return Status::FromErrno("cannot inspect ipc socket path " + path, errno);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Status::Error(path + " exists and is " + TypeName(st.st_mode) +
                         ", not a socket; remove it or choose another endpoint");
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return Status::Error("ipc socket path " + path + " is longer than " +
                         std::to_string(sizeof(addr.sun_path) - 1) + " bytes");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  // Non-blocking: a listener with a full backlog makes a blocking connect wait;
  // EAGAIN then means someone is there.
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return Status::FromErrno("socket", errno);
  if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0 ||
      errno == EAGAIN || errno == EINPROGRESS) {
    return Status::Error("address in use: " + path +
                         " is accepting connections (another ringmasterd?); stop it or choose "
                         "another endpoint");
  }
  int err = errno;
  if (err != ECONNREFUSED) {
    return Status::FromErrno("cannot probe ipc socket " + path, err);
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno("cannot remove stale ipc socket " + path, errno);
  }
  LOG_INFO("removed stale socket %s (nothing was listening)", path.c_str());
  return Status::Ok();
}

}  // namespace ringmaster
