// Notifications to the service manager that started ringmasterd (systemd's
// sd_notify(3) protocol, README "Running under systemd"), without libsystemd:
// one datagram per message to $NOTIFY_SOCKET, sent non-blocking (a message
// that cannot go at once is dropped; the loop never waits), and WATCHDOG=1
// from a loop timer every WATCHDOG_USEC/2. Send failures are logged once.
// Without NOTIFY_SOCKET every call does nothing. Loop thread only.
#ifndef RINGMASTER_DAEMON_SD_NOTIFY_H_
#define RINGMASTER_DAEMON_SD_NOTIFY_H_

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "daemon/event_loop.h"
#include "daemon/unique_fd.h"

namespace ringmaster {

// What the service manager put in our environment.
struct ServiceManagerEnv {
  std::string notify_socket;  // "": not started by a service manager
  uint64_t watchdog_usec = 0;  // 0: no watchdog (or it is meant for another pid)
};

// Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID, then removes them from
// the environment so no child (or `--check` run) inherits them; a watcher
// with notify_socket gets ringmaster's own listener instead. Call before
// anything copies the environment (RealConfigEnv).
ServiceManagerEnv TakeServiceManagerEnv();

// WATCHDOG_USEC for this process: nullopt when unset, not a positive number,
// or WATCHDOG_PID is set to another pid (sd_watchdog_enabled(3)).
std::optional<uint64_t> ParseWatchdogUsec(const char* usec, const char* pid, pid_t self);

// "/path" or "@abstract" as a unix socket address; anything else (a relative
// path, vsock:, too long) is an error naming the value.
struct NotifyAddress {
  sockaddr_un addr{};
  socklen_t len = 0;
};
Result<NotifyAddress> ParseNotifyAddress(std::string_view text);

class ServiceNotifier {
 public:
  ServiceNotifier(EventLoop& loop, ServiceManagerEnv env);
  ~ServiceNotifier();
  ServiceNotifier(const ServiceNotifier&) = delete;
  ServiceNotifier& operator=(const ServiceNotifier&) = delete;

  bool enabled() const { return fd_.valid(); }
  // The STATUS= text sent with READY=1 (e.g. "3 watchers, 12 processes").
  void set_status(std::function<std::string()> fn) { status_ = std::move(fn); }
  // READY=1 with MAINPID= and STATUS=: startup (or a reload) is done.
  void Ready();
  // RELOADING=1 with MONOTONIC_USEC= (systemd >= 253 requires it).
  void Reloading();
  void Stopping();  // STOPPING=1
  // Newline-separated KEY=VALUE assignments, as one datagram.
  void Send(const std::string& message);

  // In-place upgrade: puts NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID
  // back for the exec of the next image, which takes them again at startup;
  // UnexportAfterFailedExec removes them once more.
  void ExportForExec() const;
  void UnexportAfterFailedExec() const;

 private:
  void Ping();

  ServiceManagerEnv env_;
  std::function<std::string()> status_;
  NotifyAddress address_;
  UniqueFd fd_;
  bool warned_ = false;
  Timer watchdog_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_SD_NOTIFY_H_
