// ringmasterd: parse the command line, load and validate the config (exit 2 on
// any error), then run the supervision loop until quit/SIGTERM (exit 0).
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <optional>
#include <vector>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "core/config_loader.h"
#include "daemon/arbiter.h"
#include "daemon/build_info.h"
#include "daemon/handover.h"
#include "daemon/upgrader.h"
#include "daemon/change_tracker.h"
#include "daemon/command_dispatcher.h"
#include "daemon/proc_stats.h"
#include "daemon/stats_stream.h"
#include "daemon/zmq_controller.h"
#include "web/http_server.h"
#include "daemon/log.h"
#include "daemon/memory_trim.h"
#include "daemon/pidfile.h"
#include "daemon/real_config_env.h"
#include "daemon/runtime_dir.h"
#include "daemon/sd_notify.h"
#include "daemon/spawner.h"
#include "daemon/loop_bridge.h"
#include "daemon/stdio_writer.h"
#include "core/endpoints.h"

namespace ringmaster {
namespace {

constexpr char kUsage[] =
    "usage: ringmasterd [--check] [--log-level LEVEL] [--log-output OUTPUT] CONFIG\n"
    "       ringmasterd --version | --help\n"
    "\n"
    "  --check             validate CONFIG, print every problem, exit 0 (valid) or 2\n"
    "  --log-level LEVEL   critical, error, warning, info or debug (overrides loglevel)\n"
    "  --log-output OUT    '-' (stdout), 'stderr' or a file (overrides logoutput)\n"
    "\n"
    "Exit status: 0 normal exit, 1 runtime failure, 2 config error or bad usage.\n";

struct Options {
  bool check = false;
  std::string log_level;
  std::string log_output;
  std::string config;
};

// STATUS= for the service manager: "2 watchers, 7 processes".
std::string ServiceStatusLine(const Arbiter& arbiter) {
  size_t processes = 0;
  for (const auto& w : arbiter.watchers()) processes += w->processes().size();
  return std::to_string(arbiter.watchers().size()) + " watchers, " + std::to_string(processes) +
         " processes";
}

int Usage(const char* problem) {
  if (problem) fprintf(stderr, "ringmasterd: %s\n", problem);
  fputs(kUsage, stderr);
  return 2;
}

int Run(int argc, char** argv) {
  TuneAllocator();
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)flag;
      return argv[++i];
    };
    if (a == "--check") {
      opt.check = true;
    } else if (a == "--log-level") {
      const char* v = value("--log-level");
      if (!v) return Usage("--log-level needs a value");
      opt.log_level = v;
    } else if (a == "--log-output") {
      const char* v = value("--log-output");
      if (!v) return Usage("--log-output needs a value");
      opt.log_output = v;
    } else if (a == "--version") {
      printf("%s\n", BuildLine(OwnBuild()).c_str());
      return 0;
    } else if (a == "--help" || a == "-h") {
      fputs(kUsage, stdout);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      return Usage(("unknown option " + a).c_str());
    } else if (opt.config.empty()) {
      opt.config = a;
    } else {
      return Usage("only one CONFIG may be given");
    }
  }
  if (opt.config.empty()) return Usage("CONFIG is required");
  // An in-place upgrade (README "In-place upgrade"): the state the previous
  // image of this process handed over, read before anything else.
  std::optional<Result<HandoverState>> handover = TakeHandover();
  if (handover && handover->ok() && (handover->value().pid != getpid() ||
                                     handover->value().boot_id != BootId())) {
    handover = Result<HandoverState>(Status::Error("the handover state is from another process"));
  }
  if (handover && !handover->ok()) {
    fprintf(stderr, "ringmasterd: upgrade: %s\n", handover->error().c_str());
    return 1;
  }
  const HandoverState* adopted = handover ? &handover->value() : nullptr;
  // Before anything copies the environment: no child may inherit these.
  ServiceManagerEnv service_env = TakeServiceManagerEnv();
  LogLevel cli_level;
  if (!opt.log_level.empty() && !ParseLogLevel(opt.log_level, &cli_level)) {
    return Usage(("unknown log level '" + opt.log_level + "'").c_str());
  }

  RealConfigEnv env;
  LoadResult loaded = LoadConfig(opt.config, env);
  for (const std::string& line : FormatDiagnostics(loaded.warnings, "ringmasterd: config warning: ")) {
    fprintf(stderr, "%s\n", line.c_str());
  }
  for (const std::string& line : FormatDiagnostics(loaded.errors, "ringmasterd: config error: ")) {
    fprintf(stderr, "%s\n", line.c_str());
  }
  if (!loaded.config) return 2;
  if (opt.check) {
    printf("%s: ok (%zu watcher(s))\n%s\n", opt.config.c_str(), loaded.config->watchers.size(),
           BuildLine(OwnBuild()).c_str());
    return 0;
  }
  Config config = std::move(*loaded.config);

  Log::SetLevel(opt.log_level.empty() ? config.circus.loglevel : cli_level);
  Status s = Log::SetOutput(opt.log_output.empty() ? config.circus.logoutput : opt.log_output);
  if (!s.ok()) {
    fprintf(stderr, "ringmasterd: %s\n", s.message().c_str());
    return 1;
  }
  if (config.circus.umask) umask(static_cast<mode_t>(*config.circus.umask));
  Pidfile pidfile;
  if (!config.circus.pidfile.empty()) {
    s = pidfile.Create(config.circus.pidfile);
    if (!s.ok()) {
      LOG_ERROR("%s", s.message().c_str());
      fprintf(stderr, "ringmasterd: %s\n", s.message().c_str());
      return 1;
    }
  }
  RaiseFdLimitKeepingChildren();
  // Orphaned grandchildren are re-parented to us, so they can be reaped and
  // killed with their watcher instead of leaking.
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
    LOG_WARN("cannot become a child subreaper: %s; escaped grandchildren may leak",
             strerror(errno));
  }

  std::string endpoint = config.circus.endpoint, pubsub = config.circus.pubsub_endpoint;
  if (endpoint.empty() || pubsub.empty()) {
    // The default endpoints live in a private runtime directory; one with the
    // wrong owner or mode is a configuration problem (docs/protocol.md §1).
    s = EnsurePrivateDir(DefaultRunDir());
    if (!s.ok()) {
      LOG_ERROR("%s", s.message().c_str());
      fprintf(stderr, "ringmasterd: %s\n", s.message().c_str());
      return 2;
    }
  }
  EventLoop loop;
  ServiceNotifier service(loop, std::move(service_env));
  bool ready = false;  // READY=1 sent (outlives the arbiter's callbacks)
  Arbiter arbiter(loop, std::move(config), env,
                  UniqueFd(adopted ? adopted->notify_fd : -1));
  service.set_status([&arbiter] { return ServiceStatusLine(arbiter); });
  ChangeTracker changes;
  ProcWorker procs(loop);
  ZmqController* controller_ptr = nullptr;
  CommandContext ctx{arbiter, changes, procs, env, [&controller_ptr] {
                       // quit: the reply is queued; flush it out.
                       if (controller_ptr) controller_ptr->FlushAndClose();
                     }};
  Upgrader* upgrader_ptr = nullptr;
  ZmqController* peer_source = nullptr;
  ctx.on_upgrade = [&upgrader_ptr, &peer_source](const Request& req, Responder respond) {
    upgrader_ptr->Request(req, peer_source->CurrentPeer(), std::move(respond));
  };
  CommandDispatcher dispatcher(ctx);
  ZmqController controller(loop, dispatcher);
  controller_ptr = &controller;
  peer_source = &controller;
  Upgrader upgrader(loop, arbiter, controller, env,
                    {ResolveStartPath(argv[0]), std::vector<std::string>(argv, argv + argc)},
                    endpoint, pubsub);
  upgrader_ptr = &upgrader;
  upgrader.set_service_notifier(&service);
  SignalWatch usr2(loop, SIGUSR2, [&upgrader] {
    LOG_INFO("received SIGUSR2: upgrading in place");
    upgrader.Request(Request{}, std::nullopt, nullptr);
  });
  s = controller.Bind(endpoint, pubsub);
  if (!s.ok()) {
    LOG_ERROR("%s", s.message().c_str());
    fprintf(stderr, "ringmasterd: %s\n", s.message().c_str());
    return 1;
  }
  arbiter.fanout().Add(&controller);
  // The stats stream (docs/protocol.md §9), only when statsd is on.
  std::unique_ptr<StatsStream> stats_stream;
  std::string stats_endpoint;
  if (arbiter.config().circus.statsd) {
    stats_endpoint = arbiter.config().circus.stats_endpoint.empty()
                         ? DefaultStatsEndpoint()
                         : arbiter.config().circus.stats_endpoint;
    stats_stream = std::make_unique<StatsStream>(loop, procs, arbiter);
    s = stats_stream->Bind(stats_endpoint);
    if (!s.ok()) {
      LOG_ERROR("%s", s.message().c_str());
      fprintf(stderr, "ringmasterd: %s\n", s.message().c_str());
      return 1;
    }
  }
  // The HTTP endpoint (docs/config.md §10.4): its own event loop thread and
  // a small pool, reads from a snapshot, actions through the same dispatcher
  // as ZeroMQ.
  HttpLimits http_limits;
  http_limits.front.max_connections = static_cast<size_t>(arbiter.config().circus.httpd_max_connections);
  http_limits.front.max_connections_per_client =
      static_cast<size_t>(arbiter.config().circus.httpd_max_connections_per_client);
  http_limits.front.keep_alive_timeout = arbiter.config().circus.httpd_keep_alive_timeout;
  http_limits.front.request_timeout = arbiter.config().circus.httpd_request_timeout;
  HttpServer http(loop, dispatcher, ctx, [&dispatcher] { return dispatcher.served(); }, http_limits);
  if (arbiter.config().circus.httpd) {
    s = http.Start(arbiter.config().circus.httpd_host, arbiter.config().circus.httpd_port,
                   adopted ? adopted->http_fd : -1);
    if (!s.ok()) {
      LOG_ERROR("%s", s.message().c_str());
      fprintf(stderr, "ringmasterd: %s\n", s.message().c_str());
      return 1;
    }
    arbiter.fanout().Add(&http);
    arbiter.set_on_config_applied([&http] { http.ConfigApplied(); });
    upgrader.set_http_fd([&http] { return http.listener_fd(); });
  } else if (adopted && adopted->http_fd >= 0) {
    close(adopted->http_fd);
  }
  // `http` is destroyed before `arbiter`, on every return path: unhook it
  // first (this guard is destroyed before `http`).
  struct Unhook {
    Arbiter& arbiter;
    HttpServer& http;
    ~Unhook() {
      arbiter.fanout().Remove(&http);
      arbiter.set_on_config_applied(nullptr);
    }
  } unhook{arbiter, http};
  s = adopted ? arbiter.AdoptHandover(*adopted) : arbiter.BindSockets();
  if (!s.ok()) {
    LOG_ERROR("%s", s.message().c_str());
    fprintf(stderr, "ringmasterd: %s\n", s.message().c_str());
    return 1;
  }
  LOG_INFO("ringmasterd %s started (pid %d) with %zu watcher(s) from %s", RINGMASTER_VERSION,
           getpid(), arbiter.watchers().size(), opt.config.c_str());
  // README "Running under systemd": READY=1 once serving; a reload before
  // that is not reported (systemd would take its READY=1 for the start's).
  arbiter.set_lifecycle({.reloading = [&] { if (ready) service.Reloading(); },
                         .reloaded = [&] { if (ready) service.Ready(); },
                         .stopping = [&] { service.Stopping(); }});
  if (adopted) {
    upgrader.Resume(*adopted);
    ready = true;
    service.Ready();
  } else {
    arbiter.Start([&] {
      ready = true;
      service.Ready();
    });
  }
  // Output that StdioWriter queued because nobody read our stdout/stderr is
  // retried on the loop every 0.1 s while any is pending; nothing runs while
  // nothing is (a writer that starts queueing wakes the loop).
  std::unique_ptr<Timer> stdio_flush;
  stdio_flush = std::make_unique<Timer>(loop, [&stdio_flush] {
    if (StdioWriter::FlushAll()) stdio_flush->Start(0.1);
  });
  LoopBridge stdio_bridge(loop);
  StdioWriter::SetOnQueued([&stdio_bridge, &stdio_flush] {
    stdio_bridge.Post([&stdio_flush] {
      if (!stdio_flush->pending()) stdio_flush->Start(0.1);
    });
  });
  if (StdioWriter::FlushAll()) stdio_flush->Start(0.1);
  loop.Run();
  StdioWriter::SetOnQueued(nullptr);
  StdioWriter::FlushAll();
  http.Stop();
  if (stats_stream) stats_stream->Close();
  controller.Close();
  // libzmq leaves ipc socket files behind; a stale one would make the next
  // client wait for a connection instead of failing at once.
  for (const std::string& e : {endpoint.empty() ? DefaultEndpoint() : endpoint,
                               pubsub.empty() ? DefaultPubsubEndpoint() : pubsub, stats_endpoint}) {
    std::string path = IpcPath(e);
    if (!path.empty()) unlink(path.c_str());
  }
  LOG_INFO("ringmasterd exiting");
  return 0;
}

}  // namespace
}  // namespace ringmaster

int main(int argc, char** argv) { return ringmaster::Run(argc, argv); }
