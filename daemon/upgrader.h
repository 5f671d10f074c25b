// The in-place upgrade (README "In-place upgrade"): `upgrade` and SIGUSR2 run
// the binary the daemon was started from with --check on the running config
// (UpgradeCheck, bounded, on the loop), wait until every watcher is at rest,
// write the handover state into a memfd, keep the fds it names across exec
// and exec that binary with the same pid. A refusal or a failed exec changes
// nothing and is the error reply. In the next image, Resume() answers the
// `upgrade` request the old image could not. Loop thread only.
#ifndef RINGMASTER_DAEMON_UPGRADER_H_
#define RINGMASTER_DAEMON_UPGRADER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config_env.h"
#include "core/handover_state.h"
#include "core/protocol.h"
#include "daemon/arbiter.h"
#include "daemon/dispatcher.h"
#include "daemon/event_loop.h"
#include "daemon/sd_notify.h"
#include "daemon/upgrade_check.h"
#include "daemon/zmq_controller.h"

namespace ringmaster {

class Upgrader {
 public:
  static constexpr double kCheckTimeout = 10;  // s for `--check`
  static constexpr double kRestTimeout = 10;   // s for the watchers to come to rest
  static constexpr double kReplyTimeout = 10;  // s for the client to reconnect after the exec

  struct Launch {
    std::string exe;                // ResolveStartPath(argv[0]) at startup
    std::vector<std::string> argv;  // as the daemon was started
  };
  Upgrader(EventLoop& loop, Arbiter& arbiter, ZmqController& controller, ConfigEnv& env,
           Launch launch, std::string endpoint, std::string pubsub);
  ~Upgrader();
  // The HTTP listener to hand over (-1: none); called at exec time.
  void set_http_fd(std::function<int()> fn) { http_fd_ = std::move(fn); }
  // The exec is a reload to the service manager: RELOADING=1 before it,
  // READY=1 from the next image once it serves (or from this one if the
  // exec fails); the next image finds NOTIFY_SOCKET in its environment.
  void set_service_notifier(ServiceNotifier* notifier) { notifier_ = notifier; }

  // `upgrade`: without `waiting` the reply is at once; with it (over
  // ZeroMQ, `peer` set), the error, or the next image's reply. SIGUSR2:
  // `respond` null.
  void Request(const ::ringmaster::Request& req, std::optional<HandoverReply> peer,
               Responder respond);
  // The next image, once its endpoints are bound: the `upgrade` event and
  // the replies the old image owed.
  void Resume(const HandoverState& state);

 private:
  void OnChecked(const UpgradeCheckResult& r);
  void TryExec();
  bool ConfigUnchanged(std::string* why);
  void Exec();
  void Fail(const std::string& status, const std::string& why);

  EventLoop& loop_;
  Arbiter& arbiter_;
  ZmqController& controller_;
  ConfigEnv& env_;
  Launch launch_;
  std::string endpoint_, pubsub_;
  std::function<int()> http_fd_;
  ServiceNotifier* notifier_ = nullptr;
  std::unique_ptr<UpgradeCheck> check_;
  Timer rest_timer_;
  double rest_deadline_ = 0;
  bool busy_ = false;
  // The request being upgraded for, when it waits for the outcome.
  nlohmann::json id_;
  std::optional<HandoverReply> peer_;
  Responder respond_;
  BuildInfo to_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_UPGRADER_H_
