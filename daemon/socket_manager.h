// SocketManager: owns the [socket:NAME] listening sockets (docs/config.md §7).
// Binds them at startup and on reloadconfig, places each fd at a number >=
// min_fd so none sits where a child's ready_fd goes, and leaves it inheritable
// (the spawner closes in the child every fd it should not get). Reports them for
// listsockets (docs/protocol.md §7.9). Loop thread only. Failures leave the set as it was.
#ifndef RINGMASTER_DAEMON_SOCKET_MANAGER_H_
#define RINGMASTER_DAEMON_SOCKET_MANAGER_H_

#include <sys/types.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "daemon/unique_fd.h"

namespace ringmaster {

class SocketManager {
 public:
  // The lowest fd a socket may get when the caller asks for less.
  static constexpr int kMinFdFloor = 10;

  SocketManager() = default;
  ~SocketManager() { CloseAll(); }
  SocketManager(const SocketManager&) = delete;
  SocketManager& operator=(const SocketManager&) = delete;

  // Binds every socket (startup, before watchers start). Each fd ends up >=
  // max(min_fd, kMinFdFloor), not close-on-exec. On the first failure every
  // socket bound by this call is closed again and the error names the socket:
  // "cannot bind socket 'web' (127.0.0.1:8000): Address already in use".
  Status BindAll(const std::vector<SocketConfig>& sockets, int min_fd);

  // reloadconfig (docs/config.md §11.4, §12). First binds every added socket
  // and every changed one whose address changed; if one fails, closes those and
  // returns the error with nothing changed (reply errno 4). Then, infallibly:
  // unchanged sockets keep their fd; changed sockets with the same address are
  // updated in place (backlog, blocking, unix file mode) and keep their fd; the
  // others switch to their new fd; removed sockets are closed. `changes` gets
  // {"added", "removed", "rebound"}: lists of names; "rebound" holds every
  // changed socket (new fd or updated in place): restart the watchers using it.
  // `min_fd` (0: the one BindAll got) applies to the sockets bound now.
  Status ApplyDiff(const std::vector<SocketConfig>& next, nlohmann::json* changes, int min_fd = 0);

  // In-place upgrade: takes over the sockets an earlier image bound (fds by
  // name) for every configured socket, binding only those it was not handed;
  // handed fds no socket is configured for are closed. Fails like BindAll.
  Status AdoptAll(const std::vector<SocketConfig>& sockets, const std::map<std::string, int>& fds,
                  int min_fd);

  // Lowercase name -> fd, for $(circus.sockets.NAME) and the spawner's keep_fds.
  std::map<std::string, int> Fds() const;
  // The name of the socket at `fd`, if any (a reloaded ready_fd must not be one).
  std::optional<std::string> NameAtFd(int fd) const;
  // listsockets: [{"fd","name","backlog","host","port"}] or, for unix sockets,
  // [{"fd","name","backlog","path"}], sorted by fd; host/port read back by
  // getsockname, so port 0 shows the real port.
  nlohmann::json ListJson() const;
  // Closes every socket and removes the unix socket files it created (if they
  // were not replaced by someone else since).
  void CloseAll();

 private:
  struct Bound {
    SocketConfig config;
    UniqueFd fd;
    // The socket file created by bind (unix only), removed on close if it is
    // still the same file.
    bool owns_file = false;
    dev_t dev = 0;
    ino_t ino = 0;
  };
  static Result<Bound> BindOne(const SocketConfig& config, int min_fd);
  static void Close(Bound& b);
  // Applies what can change on a bound socket without rebinding it.
  static void UpdateInPlace(Bound& b, const SocketConfig& next);

  std::map<std::string, Bound> sockets_;  // by lowercase name
  int min_fd_ = kMinFdFloor;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_SOCKET_MANAGER_H_
