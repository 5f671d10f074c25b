#include "daemon/sd_notify.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "daemon/log.h"

namespace ringmaster {
namespace {

constexpr char kNotifySocket[] = "NOTIFY_SOCKET";
constexpr char kWatchdogUsec[] = "WATCHDOG_USEC";
constexpr char kWatchdogPid[] = "WATCHDOG_PID";

std::optional<uint64_t> ParseUnsigned(std::string_view text) {
  uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end) return std::nullopt;
  return v;
}

uint64_t MonotonicUsec() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

}  // namespace

std::optional<uint64_t> ParseWatchdogUsec(const char* usec, const char* pid, pid_t self) {
  if (usec == nullptr) return std::nullopt;
  std::optional<uint64_t> v = ParseUnsigned(usec);
  if (!v || *v == 0) return std::nullopt;
  if (pid != nullptr) {
    std::optional<uint64_t> p = ParseUnsigned(pid);
    if (!p || *p != static_cast<uint64_t>(self)) return std::nullopt;
  }
  return v;
}

Result<NotifyAddress> ParseNotifyAddress(std::string_view text) {
  NotifyAddress out;
  out.addr.sun_family = AF_UNIX;
  const std::string quoted = std::string(kNotifySocket) + "='" + std::string(text) + "'";
  if (text.size() < 2 || (text[0] != '/' && text[0] != '@')) {
    return Result<NotifyAddress>(Status::Error(
        quoted + " is not a unix socket path or @abstract name; service notifications are off"));
  }
  if (text.size() > sizeof(out.addr.sun_path) - (text[0] == '/' ? 1 : 0)) {
    return Result<NotifyAddress>(
        Status::Error(quoted + " is too long for a unix socket address; service notifications are off"));
  }
  memcpy(out.addr.sun_path, text.data(), text.size());
  // An abstract name starts with a NUL and is exactly as long as given.
  if (text[0] == '@') out.addr.sun_path[0] = '\0';
  out.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + text.size() +
                                   (text[0] == '/' ? 1 : 0));
  return out;
}

ServiceManagerEnv TakeServiceManagerEnv() {
  ServiceManagerEnv env;
  if (const char* s = getenv(kNotifySocket)) env.notify_socket = s;
  env.watchdog_usec = ParseWatchdogUsec(getenv(kWatchdogUsec), getenv(kWatchdogPid), getpid())
                          .value_or(0);
  unsetenv(kNotifySocket);
  unsetenv(kWatchdogUsec);
  unsetenv(kWatchdogPid);
  return env;
}

ServiceNotifier::ServiceNotifier(EventLoop& loop, ServiceManagerEnv env)
    : env_(std::move(env)), watchdog_(loop, [this] { Ping(); }) {
  if (env_.notify_socket.empty()) return;
  Result<NotifyAddress> addr = ParseNotifyAddress(env_.notify_socket);
  if (!addr.ok()) {
    LOG_ERROR("%s", addr.error().c_str());
    return;
  }
  address_ = addr.value();
  fd_.Reset(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd_.valid()) {
    LOG_ERROR("cannot create the socket for %s=%s: %s; service notifications are off",
              kNotifySocket, env_.notify_socket.c_str(), strerror(errno));
    return;
  }
  LOG_DEBUG("service manager notifications to %s, watchdog every %llu ms (0: none)",
            env_.notify_socket.c_str(),
            static_cast<unsigned long long>(env_.watchdog_usec / 2000));
  if (env_.watchdog_usec) watchdog_.Start(static_cast<double>(env_.watchdog_usec) / 2e6);
}

ServiceNotifier::~ServiceNotifier() = default;

void ServiceNotifier::Send(const std::string& message) {
  if (!fd_.valid()) return;
  ssize_t n = sendto(fd_.get(), message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                     reinterpret_cast<const sockaddr*>(&address_.addr), address_.len);
  if (n >= 0 || warned_) return;
  // Once: a missing socket would otherwise log every watchdog period.
  warned_ = true;
  LOG_WARN("cannot notify the service manager at %s=%s (%s): %s; later failures are not logged",
           kNotifySocket, env_.notify_socket.c_str(), strerror(errno),
           message.substr(0, message.find('\n')).c_str());
}

void ServiceNotifier::Ready() {
  std::string message = "READY=1\nMAINPID=" + std::to_string(getpid());
  if (status_) message += "\nSTATUS=" + status_();
  Send(message);
}

void ServiceNotifier::Reloading() {
  Send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(MonotonicUsec()) +
       "\nSTATUS=reloading");
}

void ServiceNotifier::Stopping() { Send("STOPPING=1\nSTATUS=stopping"); }

void ServiceNotifier::Ping() {
  Send("WATCHDOG=1");
  watchdog_.Start(static_cast<double>(env_.watchdog_usec) / 2e6);
}

void ServiceNotifier::ExportForExec() const {
  if (env_.notify_socket.empty()) return;
  setenv(kNotifySocket, env_.notify_socket.c_str(), 1);
  if (env_.watchdog_usec) {
    setenv(kWatchdogUsec, std::to_string(env_.watchdog_usec).c_str(), 1);
    setenv(kWatchdogPid, std::to_string(getpid()).c_str(), 1);  // the same after exec
  }
}

void ServiceNotifier::UnexportAfterFailedExec() const {
  unsetenv(kNotifySocket);
  unsetenv(kWatchdogUsec);
  unsetenv(kWatchdogPid);
}

}  // namespace ringmaster
