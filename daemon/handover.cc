#include "daemon/handover.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace ringmaster {

std::string ResolveStartPath(const char* argv0) {
  std::string a = argv0 ? argv0 : "";
  if (a.empty()) return "/proc/self/exe";
  if (a[0] == '/') return a;
  if (a.find('/') != std::string::npos) {
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) == nullptr) return a;
    while (a.rfind("./", 0) == 0) a.erase(0, 2);
    return std::string(cwd) + "/" + a;
  }
  const char* path = getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t at = 0;
  while (at <= p.size()) {
    size_t colon = p.find(':', at);
    std::string dir = p.substr(at, colon == std::string::npos ? std::string::npos : colon - at);
    at = colon == std::string::npos ? p.size() + 1 : colon + 1;
    std::string candidate = (dir.empty() ? "." : dir) + "/" + a;
    if (access(candidate.c_str(), X_OK) == 0) return ResolveStartPath(candidate.c_str());
  }
  return "/proc/self/exe";  // not found: at least the running binary
}

Status InheritForExec::Clear(const std::vector<int>& fds) {
  for (int fd : fds) {
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0) return Status::FromErrno("fd " + std::to_string(fd) + " of the handover", errno);
    if (!(flags & FD_CLOEXEC)) continue;
    if (fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) {
      return Status::FromErrno("fd " + std::to_string(fd) + " of the handover", errno);
    }
    changed_.push_back(fd);
  }
  return Status::Ok();
}

void InheritForExec::Restore() {
  for (int fd : changed_) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
  changed_.clear();
}

Result<UniqueFd> WriteHandoverMemfd(const std::string& blob) {
  UniqueFd fd(memfd_create("ringmaster-handover", 0));
  if (!fd.valid()) return Status::FromErrno("memfd_create", errno);
  size_t done = 0;
  while (done < blob.size()) {
    ssize_t n = write(fd.get(), blob.data() + done, blob.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::FromErrno("writing the handover state", errno);
    done += static_cast<size_t>(n);
  }
  if (lseek(fd.get(), 0, SEEK_SET) < 0) return Status::FromErrno("lseek", errno);
  return fd;
}

Status ExecWithHandover(const std::string& exe, const std::vector<std::string>& argv, int memfd) {
  std::vector<char*> args;
  args.push_back(const_cast<char*>(exe.c_str()));
  for (size_t i = 1; i < argv.size(); ++i) args.push_back(const_cast<char*>(argv[i].c_str()));
  args.push_back(nullptr);
  setenv(kHandoverEnv, std::to_string(memfd).c_str(), 1);
  execv(exe.c_str(), args.data());
  int err = errno;
  unsetenv(kHandoverEnv);
  return Status::FromErrno("cannot exec " + exe, err);
}

std::optional<Result<HandoverState>> TakeHandover() {
  const char* v = getenv(kHandoverEnv);
  if (v == nullptr) return std::nullopt;
  std::string value = v;
  unsetenv(kHandoverEnv);
  char* end = nullptr;
  long n = strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || n < 0 || n > 1 << 20) {
    return Result<HandoverState>(
        Status::Error(std::string(kHandoverEnv) + "='" + value + "' is not an fd number"));
  }
  UniqueFd fd(static_cast<int>(n));
  struct stat st;
  if (fstat(fd.get(), &st) != 0) {
    int err = errno;
    fd.Release();  // not ours to close: it was not open
    return Result<HandoverState>(Status::FromErrno("handover fd " + value, err));
  }
  std::string blob;
  char buf[65536];
  for (;;) {
    ssize_t r = pread(fd.get(), buf, sizeof buf, static_cast<off_t>(blob.size()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Result<HandoverState>(Status::FromErrno("reading the handover state", errno));
    if (r == 0) break;
    blob.append(buf, static_cast<size_t>(r));
  }
  return DecodeHandover(blob);
}

std::string BootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

}  // namespace ringmaster
