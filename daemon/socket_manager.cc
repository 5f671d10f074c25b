#include "daemon/socket_manager.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "daemon/log.h"

namespace ringmaster {
namespace {

bool IsUnix(const SocketConfig& c) { return c.family == SocketFamily::kUnix; }

int FamilyOf(const SocketConfig& c) {
  switch (c.family) {
    case SocketFamily::kInet6:
      return AF_INET6;
    case SocketFamily::kUnix:
      return AF_UNIX;
    default:
      return AF_INET;
  }
}

int TypeOf(const SocketConfig& c) {
  switch (c.type) {
    case SocketType::kDgram:
      return SOCK_DGRAM;
    case SocketType::kSeqpacket:
      return SOCK_SEQPACKET;
    case SocketType::kRaw:
      return SOCK_RAW;
    case SocketType::kRdm:
      return SOCK_RDM;
    default:
      return SOCK_STREAM;
  }
}

bool Listens(const SocketConfig& c) {
  return c.type == SocketType::kStream || c.type == SocketType::kSeqpacket;
}

// "127.0.0.1:8000", "[::1]:8000" or the unix path, as the user wrote it.
std::string Describe(const SocketConfig& c) {
  if (IsUnix(c)) return c.path;
  const std::string port = std::to_string(c.port);
  if (c.family == SocketFamily::kInet6) return "[" + c.host + "]:" + port;
  return c.host + ":" + port;
}

Status BindError(const SocketConfig& c, const std::string& why) {
  std::string where =
      c.loc.file.empty() ? "" : c.loc.file + ":" + std::to_string(c.loc.line) + ": ";
  return Status::Error(where + "cannot bind socket '" + c.name + "' (" + Describe(c) + "): " + why);
}

// What identifies the kernel socket: if only other keys change, the bound
// socket is kept and updated in place. Rebinding the same address would fail
// anyway while running children still hold the old socket.
bool SameAddress(const SocketConfig& a, const SocketConfig& b) {
  if (a.family != b.family || a.type != b.type || a.interface != b.interface) return false;
  if (IsUnix(a)) return a.path == b.path;
  return a.host == b.host && a.port == b.port;
}

bool SameSettings(SocketConfig a, const SocketConfig& b) {
  a.loc = b.loc;
  return a == b;
}

Status SetNonBlocking(int fd, bool on) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return Status::FromErrno("fcntl(F_GETFL)", errno);
  flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (fcntl(fd, F_SETFL, flags) < 0) return Status::FromErrno("fcntl(F_SETFL)", errno);
  return Status::Ok();
}

mode_t SocketFileMode(int umask_bits) { return static_cast<mode_t>(0777 & ~umask_bits); }

// Resolves host:port to the first address of the configured family.
Status Resolve(const SocketConfig& c, sockaddr_storage* addr, socklen_t* len) {
  addrinfo hints{};
  hints.ai_family = FamilyOf(c);
  // getaddrinfo knows only stream and datagram services; the address is the
  // same for the other types.
  hints.ai_socktype = c.type == SocketType::kDgram ? SOCK_DGRAM : SOCK_STREAM;
  hints.ai_flags = c.host.empty() ? AI_PASSIVE : 0;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(c.port);
  int rc = getaddrinfo(c.host.empty() ? nullptr : c.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    std::string why = rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc);
    return BindError(c, "cannot resolve host '" + c.host + "': " + why);
  }
  std::memcpy(addr, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  return Status::Ok();
}

// Prepares the unix address; an existing file is an error unless `replace`,
// and even then only a socket file is removed (a typo must not delete data).
Status UnixAddress(const SocketConfig& c, sockaddr_storage* addr, socklen_t* len) {
  sockaddr_un un{};
  if (c.path.size() >= sizeof(un.sun_path)) {
    return BindError(c, "the path is longer than " + std::to_string(sizeof(un.sun_path) - 1) +
                            " bytes; use a shorter one");
  }
  struct stat st;
  if (lstat(c.path.c_str(), &st) == 0) {
    if (!c.replace) {
      return BindError(c, "the file already exists; remove it or set replace = true");
    }
    if (!S_ISSOCK(st.st_mode)) {
      return BindError(c, "the file exists and is not a socket; not removing it");
    }
    if (unlink(c.path.c_str()) != 0 && errno != ENOENT) {
      return BindError(c,
                       std::string("cannot remove the old socket file: ") + std::strerror(errno));
    }
  }
  un.sun_family = AF_UNIX;
  std::memcpy(un.sun_path, c.path.data(), c.path.size());
  std::memcpy(addr, &un, sizeof(un));
  *len = static_cast<socklen_t>(sizeof(un));
  return Status::Ok();
}

// host and port as bound (getsockname), so port 0 shows the real port.
std::pair<std::string, int> BoundHostPort(int fd, const SocketConfig& c) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  char text[INET6_ADDRSTRLEN] = {};
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    if (addr.ss_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
      if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text))) {
        return {text, ntohs(in->sin_port)};
      }
    } else if (addr.ss_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
      if (inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text))) {
        return {text, ntohs(in6->sin6_port)};
      }
    }
  }
  return {c.host, c.port};
}

}  // namespace

Result<SocketManager::Bound> SocketManager::BindOne(const SocketConfig& c, int min_fd) {
  if (c.so_reuseport) {
    LOG_WARN(
        "socket '%s': so_reuseport is not implemented yet; bound once and shared like a "
        "normal socket",
        c.name.c_str());
  }
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  Status s = IsUnix(c) ? UnixAddress(c, &addr, &addr_len) : Resolve(c, &addr, &addr_len);
  if (!s.ok()) return s;

  Bound b;
  b.config = c;
  int raw = socket(FamilyOf(c), TypeOf(c) | SOCK_CLOEXEC, 0);
  if (raw < 0) return BindError(c, std::strerror(errno));
  // Move it above every ready_fd. F_DUPFD (not _CLOEXEC): children inherit it.
  int moved = fcntl(raw, F_DUPFD, min_fd);
  int dup_errno = errno;
  close(raw);
  if (moved < 0) return BindError(c, std::string("fcntl(F_DUPFD): ") + std::strerror(dup_errno));
  b.fd.Reset(moved);
  const int fd = b.fd.get();
  auto fail = [&](const std::string& what) {
    Status e =
        BindError(c, what.empty() ? std::strerror(errno) : what + ": " + std::strerror(errno));
    Close(b);
    return e;
  };

  const int one = 1;
  if (!IsUnix(c) && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
    return fail("SO_REUSEADDR");
  }
  if (!c.interface.empty() && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, c.interface.c_str(),
                                         static_cast<socklen_t>(c.interface.size())) != 0) {
    return fail("SO_BINDTODEVICE " + c.interface);
  }
  if (IsUnix(c)) {
    // umask is process-wide; this runs on the loop thread at startup/reload.
    mode_t old = umask(static_cast<mode_t>(c.umask));
    int rc = bind(fd, reinterpret_cast<sockaddr*>(&addr), addr_len);
    int bind_errno = errno;
    umask(old);
    errno = bind_errno;
    if (rc != 0) return fail("");
    struct stat st;
    if (stat(c.path.c_str(), &st) == 0) {
      b.owns_file = true;
      b.dev = st.st_dev;
      b.ino = st.st_ino;
    }
  } else if (bind(fd, reinterpret_cast<sockaddr*>(&addr), addr_len) != 0) {
    return fail("");
  }
  if (Listens(c) && listen(fd, c.backlog) != 0) return fail("listen");
  if (!c.blocking) {
    Status nb = SetNonBlocking(fd, true);
    if (!nb.ok()) {
      Status e = BindError(c, nb.message());
      Close(b);
      return e;
    }
  }
  if (IsUnix(c)) {
    LOG_INFO("socket '%s' bound to %s (fd %d)", c.name.c_str(), c.path.c_str(), fd);
  } else {
    auto [host, port] = BoundHostPort(fd, c);
    LOG_INFO("socket '%s' bound to %s port %d (fd %d)", c.name.c_str(), host.c_str(), port, fd);
  }
  return b;
}

void SocketManager::Close(Bound& b) {
  if (b.owns_file) {
    // Only remove the file if it is still the one our bind created.
    struct stat st;
    if (stat(b.config.path.c_str(), &st) == 0 && st.st_dev == b.dev && st.st_ino == b.ino) {
      unlink(b.config.path.c_str());
    }
    b.owns_file = false;
  }
  b.fd.Reset();
}

void SocketManager::UpdateInPlace(Bound& b, const SocketConfig& next) {
  const int fd = b.fd.get();
  // Linux accepts listen() again on a listening socket: it only sets the backlog.
  if (next.backlog != b.config.backlog && Listens(next) && listen(fd, next.backlog) != 0) {
    LOG_WARN("socket '%s': cannot change the backlog to %d: %s", next.name.c_str(), next.backlog,
             strerror(errno));
  }
  // O_NONBLOCK belongs to the open file description, which running children
  // share: they see the change too (the watchers using it are restarted).
  if (next.blocking != b.config.blocking) {
    Status s = SetNonBlocking(fd, !next.blocking);
    if (!s.ok()) LOG_WARN("socket '%s': %s", next.name.c_str(), s.message().c_str());
  }
  if (IsUnix(next) && next.umask != b.config.umask && b.owns_file &&
      chmod(next.path.c_str(), SocketFileMode(next.umask)) != 0) {
    LOG_WARN("socket '%s': cannot chmod %s: %s", next.name.c_str(), next.path.c_str(),
             strerror(errno));
  }
  if (next.so_reuseport && !b.config.so_reuseport) {
    LOG_WARN("socket '%s': so_reuseport is not implemented yet; ignored", next.name.c_str());
  }
  b.config = next;
}

Status SocketManager::BindAll(const std::vector<SocketConfig>& sockets, int min_fd) {
  min_fd_ = std::max(min_fd, kMinFdFloor);
  std::map<std::string, Bound> bound;
  for (const SocketConfig& c : sockets) {
    Result<Bound> b = BindOne(c, min_fd_);
    if (!b.ok()) {
      for (auto& [name, done] : bound) Close(done);
      return b.status();
    }
    bound.emplace(c.name, std::move(b).value());
  }
  for (auto& [name, b] : bound) {
    auto old = sockets_.find(name);
    if (old != sockets_.end()) Close(old->second);
    sockets_.insert_or_assign(name, std::move(b));
  }
  return Status::Ok();
}

Status SocketManager::AdoptAll(const std::vector<SocketConfig>& sockets,
                               const std::map<std::string, int>& fds, int min_fd) {
  std::map<std::string, int> handed = fds;
  std::vector<SocketConfig> rest;
  for (const SocketConfig& c : sockets) {
    auto it = handed.find(c.name);
    struct stat st;
    if (it == handed.end() || fstat(it->second, &st) != 0 || !S_ISSOCK(st.st_mode)) {
      rest.push_back(c);
      continue;
    }
    Bound b;
    b.config = c;
    b.fd = UniqueFd(it->second);
    handed.erase(it);
    // The socket file is still the one the earlier image created (same pid,
    // same bind): it is ours to remove on close.
    if (IsUnix(c) && stat(c.path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
      b.owns_file = true;
      b.dev = st.st_dev;
      b.ino = st.st_ino;
    }
    sockets_.insert_or_assign(c.name, std::move(b));
  }
  for (const auto& [name, fd] : handed) close(fd);
  min_fd_ = std::max(min_fd, kMinFdFloor);
  std::map<std::string, Bound> kept = std::move(sockets_);
  sockets_.clear();
  Status s = BindAll(rest, min_fd);
  for (auto& [name, b] : kept) sockets_.insert_or_assign(name, std::move(b));
  return s;
}

Status SocketManager::ApplyDiff(const std::vector<SocketConfig>& next, nlohmann::json* changes,
                                int min_fd) {
  if (min_fd > 0) min_fd_ = std::max(min_fd, kMinFdFloor);
  // Phase 1, fallible: bind every new address while the old sockets still run.
  std::map<std::string, Bound> fresh;
  for (const SocketConfig& c : next) {
    auto it = sockets_.find(c.name);
    if (it != sockets_.end() && SameAddress(it->second.config, c)) continue;
    Result<Bound> b = BindOne(c, min_fd_);
    if (!b.ok()) {
      for (auto& [name, done] : fresh) Close(done);
      return b.status();
    }
    fresh.emplace(c.name, std::move(b).value());
  }

  // Phase 2 cannot fail.
  nlohmann::json added = nlohmann::json::array(), removed = nlohmann::json::array(),
                 rebound = nlohmann::json::array();
  std::map<std::string, const SocketConfig*> wanted;
  for (const SocketConfig& c : next) wanted[c.name] = &c;
  for (auto it = sockets_.begin(); it != sockets_.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    LOG_INFO("socket '%s' closed (removed from the config)", it->first.c_str());
    removed.push_back(it->first);
    Close(it->second);
    it = sockets_.erase(it);
  }
  for (const auto& [name, c] : wanted) {
    auto it = sockets_.find(name);
    auto f = fresh.find(name);
    if (f != fresh.end()) {
      if (it != sockets_.end()) {
        rebound.push_back(name);
        Close(it->second);
        it->second = std::move(f->second);
      } else {
        added.push_back(name);
        sockets_.emplace(name, std::move(f->second));
      }
    } else if (!SameSettings(it->second.config, *c)) {
      rebound.push_back(name);
      UpdateInPlace(it->second, *c);
    } else {
      it->second.config.loc = c->loc;
    }
  }
  if (changes != nullptr) {
    *changes = {{"added", added}, {"removed", removed}, {"rebound", rebound}};
  }
  return Status::Ok();
}

std::map<std::string, int> SocketManager::Fds() const {
  std::map<std::string, int> out;
  for (const auto& [name, b] : sockets_) out[name] = b.fd.get();
  return out;
}

std::optional<std::string> SocketManager::NameAtFd(int fd) const {
  for (const auto& [name, b] : sockets_) {
    if (b.fd.get() == fd) return name;
  }
  return std::nullopt;
}

nlohmann::json SocketManager::ListJson() const {
  std::vector<const Bound*> order;
  for (const auto& [name, b] : sockets_) order.push_back(&b);
  std::sort(order.begin(), order.end(),
            [](const Bound* a, const Bound* b) { return a->fd.get() < b->fd.get(); });
  nlohmann::json out = nlohmann::json::array();
  for (const Bound* b : order) {
    const SocketConfig& c = b->config;
    nlohmann::json e = {{"fd", b->fd.get()}, {"name", c.name}, {"backlog", c.backlog}};
    if (IsUnix(c)) {
      e["path"] = c.path;
      out.push_back(std::move(e));
      continue;
    }
    auto [host, port] = BoundHostPort(b->fd.get(), c);
    e["host"] = host;
    e["port"] = port;
    out.push_back(std::move(e));
  }
  return out;
}

void SocketManager::CloseAll() {
  for (auto& [name, b] : sockets_) Close(b);
  sockets_.clear();
}

}  // namespace ringmaster
