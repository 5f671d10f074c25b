#include "daemon/real_config_env.h"

#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace ringmaster {
namespace {

// A decimal id ("1000"), or nullopt for a name.
std::optional<unsigned long> NumericId(const std::string& s) {
  if (s.empty() || s.size() > 10 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoul(s);
}

// Buffer size for the *_r functions.
size_t BufferSize(int name) {
  const long n = sysconf(name);
  return n > 0 ? static_cast<size_t>(n) : 16384;
}

}  // namespace

RealConfigEnv::RealConfigEnv() {
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq == nullptr) continue;
    environment_.emplace(std::string(*e, static_cast<size_t>(eq - *e)), std::string(eq + 1));
  }
}

Result<std::string> RealConfigEnv::ReadFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("cannot read", errno);
  std::string content;
  char buf[65536];
  // Bounded: a huge or endless file (/dev/zero) must not fill memory.
  while (content.size() < kMaxConfigRead) {
    const ssize_t n = ::read(fd, buf, std::min(sizeof(buf), kMaxConfigRead - content.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return Status::FromErrno("cannot read", err);
    }
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return content;
}

std::vector<std::string> RealConfigEnv::Glob(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<UserInfo> RealConfigEnv::LookupUser(const std::string& name_or_id) {
  std::vector<char> buf(BufferSize(_SC_GETPW_R_SIZE_MAX));
  passwd pw{};
  passwd* found = nullptr;
  const std::optional<unsigned long> id = NumericId(name_or_id);
  for (;;) {
    const int rc = id ? ::getpwuid_r(static_cast<uid_t>(*id), &pw, buf.data(), buf.size(), &found)
                      : ::getpwnam_r(name_or_id.c_str(), &pw, buf.data(), buf.size(), &found);
    if (rc == ERANGE && buf.size() < (1u << 20)) {
      buf.resize(buf.size() * 2);
      continue;
    }
    break;
  }
  if (found == nullptr) return std::nullopt;
  return UserInfo{pw.pw_uid, pw.pw_gid, pw.pw_name};
}

std::optional<gid_t> RealConfigEnv::LookupGroup(const std::string& name_or_id) {
  std::vector<char> buf(BufferSize(_SC_GETGR_R_SIZE_MAX));
  group gr{};
  group* found = nullptr;
  const std::optional<unsigned long> id = NumericId(name_or_id);
  for (;;) {
    const int rc = id ? ::getgrgid_r(static_cast<gid_t>(*id), &gr, buf.data(), buf.size(), &found)
                      : ::getgrnam_r(name_or_id.c_str(), &gr, buf.data(), buf.size(), &found);
    if (rc == ERANGE && buf.size() < (1u << 20)) {
      buf.resize(buf.size() * 2);
      continue;
    }
    break;
  }
  if (found == nullptr) return std::nullopt;
  return gr.gr_gid;
}

std::string RealConfigEnv::Cwd() {
  char buf[PATH_MAX];
  if (::getcwd(buf, sizeof(buf)) == nullptr) return "/";
  return buf;
}

bool RealConfigEnv::IsGroupOrOtherReadable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  return (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
}

}  // namespace ringmaster
