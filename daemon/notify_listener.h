// The systemd-style readiness socket (docs/config.md §10.1): one SOCK_DGRAM
// unix socket in the abstract namespace, "@ringmasterd/<pid>/notify", with
// SO_PASSCRED so every datagram is attributed to its sender's pid. Payloads
// are newline-separated KEY=VALUE lines. Loop thread only.
#ifndef RINGMASTER_DAEMON_NOTIFY_LISTENER_H_
#define RINGMASTER_DAEMON_NOTIFY_LISTENER_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/status.h"
#include "daemon/event_loop.h"
#include "daemon/unique_fd.h"

namespace ringmaster {

class NotifyListener {
 public:
  // Called with the sender's pid and the parsed KEY=VALUE pairs.
  using Handler = std::function<void(pid_t pid, const std::map<std::string, std::string>& kv)>;

  NotifyListener(EventLoop& loop, Handler handler);
  Status Bind();
  // Takes over the socket an earlier image of this process bound (in-place
  // upgrade): same pid, so the same address.
  void Adopt(UniqueFd fd);
  int fd() const { return fd_.get(); }
  // The NOTIFY_SOCKET value children get ("@ringmasterd/<pid>/notify").
  const std::string& address() const { return address_; }

  // Parses "READY=1\nSTATUS=x" (exposed for tests).
  static std::map<std::string, std::string> Parse(const std::string& payload);

 private:
  void OnReadable();

  EventLoop& loop_;
  Handler handler_;
  std::string address_;
  UniqueFd fd_;
  std::unique_ptr<FdWatch> watch_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_NOTIFY_LISTENER_H_
