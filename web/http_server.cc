#include "web/http_server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>

#include <httplib.h>

#include "core/protocol.h"
#include "daemon/log.h"
#include "web/actions.h"
#include "web/assets.h"
#include "web/auth.h"
#include "web/metrics.h"
#include "web/problem.h"
#include "web/worker_pool.h"

namespace ringmaster {
namespace {

constexpr char kJson[] = "application/json";
// /healthz fails once the loop has not ticked (1 s timer) for this long.
constexpr double kStaleHeartbeatSeconds = 10;
// A read that finds a snapshot older than kFreshSeconds, or one with events
// since it was built, asks the loop for a new one and waits up to
// kRefreshWait for it (then serves what it has). Readers ask at most once per
// kMinRebuildSeconds, which caps the rebuilds they cause at 10/s.
constexpr double kFreshSeconds = 1.5;
constexpr double kMinRebuildSeconds = 0.1;
constexpr auto kRefreshWait = std::chrono::milliseconds(1000);
constexpr int kListenBacklog = 512;

double MonoNow() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void SendJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), kJson);
}

void SendProblem(httplib::Response& res, const nlohmann::json& problem) {
  res.status = problem.value("status", 500);
  res.set_content(problem.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  kProblemContentType);
}

void SendProblem(httplib::Response& res, int status, const std::string& detail,
                 const std::string& instance) {
  SendProblem(res, Problem(status, detail, instance));
}

Access Classify(const httplib::Request& req) {
  bool get = req.method == "GET" || req.method == "HEAD";
  if (get && (req.path == "/healthz" || FindWebAsset(req.path))) return Access::kOpen;
  if (req.method == "POST") return Access::kMutate;
  return Access::kRead;
}

// shutdown(2) of every accepted TCP connection of this process whose local
// port is `port` (the listening socket itself is left alone).
void ShutdownConnections(int port) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return;
  while (dirent* e = readdir(dir)) {
    int fd = atoi(e->d_name);
    if (fd <= 2 || fd == dirfd(dir)) continue;
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) continue;
    int local_port = addr.ss_family == AF_INET    ? ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port)
                     : addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                                  : -1;
    if (local_port != port) continue;
    int listening = 0;
    socklen_t optlen = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optlen) != 0 || listening) continue;
    ::shutdown(fd, SHUT_RDWR);
  }
  closedir(dir);
}

// One pending command: the loop fills `reply`, the HTTP thread waits for it.
struct PendingReply {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<nlohmann::json> reply;
};

}  // namespace

HttpServer::HttpServer(EventLoop& loop, Dispatcher& dispatcher, CommandContext ctx,
                       std::function<uint64_t()> commands_served, HttpLimits limits)
    : loop_(loop),
      dispatcher_(dispatcher),
      ctx_(std::move(ctx)),
      commands_served_(std::move(commands_served)),
      limits_(limits),
      bridge_(loop),
      streams_(limits.max_event_streams, limits.event_queue),
      server_(std::make_unique<httplib::Server>()) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start(const std::string& host, int port) {
  builder_ = std::make_unique<SnapshotBuilder>(loop_, ctx_, store_, commands_served_);
  HttpLimits l = limits_;
  server_->new_task_queue = [l] { return new WorkerPool(l.min_threads, l.max_threads); };
  server_->set_payload_max_length(l.max_body);
  server_->set_read_timeout(l.read_timeout, 0);
  server_->set_write_timeout(l.write_timeout, 0);
  server_->set_keep_alive_timeout(l.keep_alive_timeout);
  server_->set_keep_alive_max_count(static_cast<size_t>(l.keep_alive_max));
  // httplib writes headers and body separately: without TCP_NODELAY a small
  // reply on a kept-alive connection waits for the client's delayed ACK
  // (40 ms on Linux). Set on the listener; accepted sockets inherit it.
  server_->set_tcp_nodelay(true);
  // httplib's compiled-in listen backlog is 5: a burst of connections (or a
  // short stall of the accept thread) then drops SYNs and clients wait a 1 s
  // retransmit. Remember the listening socket to widen its backlog below.
  // httplib's default options set SO_REUSEPORT, which lets a second daemon
  // (or any process of the same user) bind the same port and share its
  // requests, tokens included. SO_REUSEADDR alone still allows a restart
  // while old connections sit in TIME_WAIT.
  auto listen_fd = std::make_shared<int>(-1);
  server_->set_socket_options([listen_fd](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    *listen_fd = sock;
  });
  Routes();
  int bound = port;
  if (port == 0) {
    bound = server_->bind_to_any_port(host);
    if (bound <= 0) return Status::Error("httpd: cannot bind " + host + " (any port): " + strerror(errno));
  } else if (!server_->bind_to_port(host, port)) {
    return Status::Error("httpd: cannot bind " + host + ":" + std::to_string(port) + ": " +
                         strerror(errno) + "; check httpd_host and httpd_port");
  }
  port_ = bound;
  if (*listen_fd >= 0) ::listen(*listen_fd, kListenBacklog);
  thread_ = std::thread([this] {
    // Signals are the loop's events: keep them off this thread and the
    // worker threads it creates (they inherit the mask), so none interrupts
    // a socket call here or goes unseen by the loop.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    server_->listen_after_bind();
    listen_returned_ = true;
  });
  LOG_INFO("httpd listening on http://%s:%d/", host.c_str(), port_);
  return Status::Ok();
}

void HttpServer::Stop() {
  if (stopping_.exchange(true)) return;
  streams_.Shutdown();
  bridge_.Close();
  if (thread_.joinable()) {
    // httplib's stop() does nothing until the listener thread is running:
    // a Stop() right after Start() (the daemon failing later in start-up)
    // would wait for ever in join().
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server_->is_running() && !listen_returned_ && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    server_->stop();
    // httplib only notices the stop between requests; a client trickling a
    // request (no token needed to send headers) would hold the join. Shut
    // the accepted connections down so their reads return.
    ShutdownConnections(port_);
    thread_.join();
  }
  builder_.reset();
}

void HttpServer::Publish(const std::string& watcher, const std::string& event,
                         const nlohmann::json& body) {
  if (!builder_ || stopping_) return;
  builder_->NoteEvent(watcher, event, body);
  streams_.Publish(EventStreams::Frame(next_event_++, watcher, event, body));
}

void HttpServer::ConfigApplied() {
  if (builder_) builder_->UpdateToken();
}

std::shared_ptr<const Snapshot> HttpServer::Current() {
  double now = MonoNow();
  store_.last_read = now;
  auto snap = store_.Get();
  if (snap && now - snap->built_mono <= kFreshSeconds) {
    // Clean: serve it. Dirty: ask for a new one, unless a reader asked less
    // than kMinRebuildSeconds ago (then the answer is at most that stale).
    if (!store_.dirty || now - last_refresh_.load() < kMinRebuildSeconds) return snap;
  }
  last_refresh_ = now;
  // One refresh request at a time; concurrent readers wait for the same one.
  if (!refresh_posted_.exchange(true)) {
    bool posted = bridge_.Post([this] {
      refresh_posted_ = false;
      if (builder_) builder_->Rebuild();
    });
    if (!posted) {
      refresh_posted_ = false;
      return snap;
    }
  }
  auto fresh = store_.WaitNewer(snap ? snap->built_mono : -1, kRefreshWait);
  return fresh ? fresh : snap;
}

bool HttpServer::Authorized(const httplib::Request& req, httplib::Response& res) {
  AuthDecision d = Authorize(Classify(req), store_.token(), req.get_header_value("Authorization"));
  if (d.status == 200) return true;
  if (d.status == 401) res.set_header("WWW-Authenticate", "Bearer realm=\"ringmaster\"");
  SendProblem(res, d.status, d.detail, req.path);
  return false;
}

void HttpServer::Routes() {
  httplib::Server& s = *server_;
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    ++requests_;
    // RFC 9112 §6.3: a request with neither Content-Length nor
    // Transfer-Encoding has an empty body. httplib 0.11 instead reads until
    // the read timeout and answers 400, so `curl -X POST URL` would hang 5 s.
    // This handler runs before the body is read, on httplib's own non-const
    // Request; saying the length is 0 restores the standard behaviour.
    auto& mutable_req = const_cast<httplib::Request&>(req);
    if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
      mutable_req.headers.emplace("Content-Length", "0");
    }
    // Debian's httplib compresses replies with brotli whenever a client
    // offers it (every browser does): about 110 ms of CPU per /api/status
    // with 500 processes, on the machine the workers need. The endpoint is
    // meant for loopback, where compression saves nothing; answer identity.
    mutable_req.headers.erase("Accept-Encoding");
    // POSTs are checked in their handler, after httplib has read the body:
    // refused here, the unread body would be parsed as the next request on
    // the connection (request smuggling behind a proxy).
    if (req.method == "POST") return httplib::Server::HandlerResponse::Unhandled;
    return Authorized(req, res) ? httplib::Server::HandlerResponse::Unhandled
                                : httplib::Server::HandlerResponse::Handled;
  });
  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string detail = res.status == 404   ? "no such endpoint: " + req.method + " " + req.path
                         : res.status == 413 ? "request body too large"
                         : res.status == 400 ? "the request could not be read"
                                             : std::string(ReasonPhrase(res.status));
    SendProblem(res, res.status, detail, req.path);
  });
  s.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    LOG_ERROR("httpd: %s %s failed: %s", req.method.c_str(), req.path.c_str(), what.c_str());
    SendProblem(res, 500, "internal error: " + what, req.path);
  });
  s.Get("/healthz", [this](const httplib::Request& q, httplib::Response& r) { ServeHealth(q, r); });
  s.Get("/metrics", [this](const httplib::Request& q, httplib::Response& r) { ServeMetrics(q, r); });
  s.Get("/api/status", [this](const httplib::Request& q, httplib::Response& r) { ServeStatus(q, r); });
  s.Get("/api/events", [this](const httplib::Request& q, httplib::Response& r) { ServeEvents(q, r); });
  s.Get("/api/watchers/([^/]+)",
        [this](const httplib::Request& q, httplib::Response& r) { ServeWatcher(q, r); });
  s.Post("/api/watchers/([^/]+)/([A-Za-z]+)",
         [this](const httplib::Request& q, httplib::Response& r) { ServeAction(q, r); });
  s.Post("/api/reloadconfig",
         [this](const httplib::Request& q, httplib::Response& r) { ServeAction(q, r); });
  s.Get("/(|index\\.html|app\\.js|style\\.css)", [](const httplib::Request& q, httplib::Response& r) {
    const WebAsset* a = FindWebAsset(q.path);
    if (!a) return SendProblem(r, 404, "no such file: " + q.path, q.path);
    r.set_header("Cache-Control", "no-cache");
    r.set_content(reinterpret_cast<const char*>(a->data), a->size, std::string(a->content_type));
  });
}

void HttpServer::ServeHealth(const httplib::Request&, httplib::Response& res) {
  // Never waits for the loop: a probe must answer even when the loop is stuck.
  double age = MonoNow() - store_.heartbeat.load();
  if (age > kStaleHeartbeatSeconds) {
    res.set_header("Retry-After", "5");
    SendProblem(res, 503, "the supervision loop has not run its 1 s timer for " +
                              std::to_string(static_cast<int>(age)) + " s", "/healthz");
    return;
  }
  SendJson(res, 200, {{"status", "ok"}, {"loop_heartbeat_age", age}});
}

void HttpServer::ServeStatus(const httplib::Request&, httplib::Response& res) {
  auto snap = Current();
  if (!snap) return SendJson(res, 200, nlohmann::json::object());
  res.status = 200;
  res.set_content(snap->StatusText(), kJson);
}

void HttpServer::ServeWatcher(const httplib::Request& req, httplib::Response& res) {
  auto snap = Current();
  std::string name = req.matches[1];
  nlohmann::json w = snap ? FindWatcherView(snap->status, name) : nlohmann::json();
  if (w.is_null()) return SendProblem(res, 404, "program " + name + " not found", req.path);
  SendJson(res, 200, w);
}

void HttpServer::ServeMetrics(const httplib::Request&, httplib::Response& res) {
  auto snap = Current();
  DaemonCounters c;
  c.loop_lag = store_.loop_lag;
  c.loop_lag_max = store_.loop_lag_max;
  c.commands_served = store_.commands_served;
  if (snap) c.snapshot_age = MonoNow() - snap->built_mono;
  c.snapshot_build = store_.build_seconds;
  c.http_requests = requests_.load();
  c.event_streams = streams_.clients();
  c.events_dropped = streams_.dropped();
  res.set_content(FormatMetrics(snap ? snap->status : nlohmann::json::object(), c), kMetricsContentType);
}

void HttpServer::ServeAction(const httplib::Request& req, httplib::Response& res) {
  if (!Authorized(req, res)) return;
  std::string name, action = "reloadconfig";
  if (req.matches.size() >= 3) {
    name = req.matches[1];
    action = req.matches[2];
    if (action == "reloadconfig") {
      return SendProblem(res, 404, "no such action: " + action + " (POST /api/reloadconfig)", req.path);
    }
  }
  std::string id = "http-" + std::to_string(next_request_++);
  ActionRequest a = BuildActionRequest(action, name, req.params, req.body, id);
  if (a.request.is_null()) return SendProblem(res, a.status, a.error, req.path);
  bool async = action != "signal";
  RunCommand(a.request, a.waiting, async, req.path, res);
}

void HttpServer::RunCommand(const nlohmann::json& request, bool waiting, bool async,
                            const std::string& instance, httplib::Response& res) {
  auto parsed = ParseRequest(request.dump());
  if (auto* err = std::get_if<ProtocolError>(&parsed)) {
    nlohmann::json reply = ErrorReply(err->id, err->err, err->reason);
    return SendProblem(res, ProblemFromReply(reply, instance));
  }
  auto pending = std::make_shared<PendingReply>();
  Request cmd = std::get<Request>(std::move(parsed));
  std::weak_ptr<int> alive = alive_;
  bool posted = bridge_.Post([this, cmd, pending, alive] {
    dispatcher_.Dispatch(cmd, [this, pending, alive](const nlohmann::json& reply) {
      // Read-your-writes: a GET after this reply sees the command's effect.
      // A waiting reply can come after the server is gone (daemon exit).
      if (!alive.expired() && builder_) builder_->Rebuild();
      std::lock_guard<std::mutex> lock(pending->mu);
      pending->reply = reply;
      pending->cv.notify_all();
    });
  });
  if (!posted) return SendProblem(res, 503, "the daemon is shutting down", instance);
  double limit = waiting ? limits_.waiting_timeout : limits_.reply_timeout;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit);
  std::unique_lock<std::mutex> lock(pending->mu);
  // Wakes up now and then to notice a shutdown, which drops queued commands.
  while (!pending->reply && !stopping_ && std::chrono::steady_clock::now() < deadline) {
    pending->cv.wait_for(lock, std::chrono::milliseconds(100));
  }
  if (!pending->reply) {
    res.set_header("Retry-After", "1");
    return SendProblem(res, 503,
                       stopping_ ? std::string("the daemon is shutting down")
                                 : "the supervisor did not answer within " +
                                       std::to_string(static_cast<int>(limit)) +
                                       " s; the command may still complete (see GET /api/status)",
                       instance);
  }
  const nlohmann::json& reply = *pending->reply;
  if (reply.value("status", "") == "error") return SendProblem(res, ProblemFromReply(reply, instance));
  SendJson(res, async && !waiting ? 202 : 200, reply);
}

void HttpServer::ServeEvents(const httplib::Request& req, httplib::Response& res) {
  auto client = streams_.Open();
  if (!client) {
    res.set_header("Retry-After", "10");
    return SendProblem(res, 503,
                       "too many event streams (limit " + std::to_string(limits_.max_event_streams) +
                           "); close one or poll GET /api/status",
                       req.path);
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  auto first = std::make_shared<bool>(true);
  int heartbeat = limits_.event_heartbeat_ms;
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, client, first, heartbeat](size_t, httplib::DataSink& sink) {
        std::vector<std::string> frames;
        if (*first) {
          *first = false;
          frames.push_back(": connected\nretry: 2000\n\n");
        } else if (!streams_.Next(*client, &frames, std::chrono::milliseconds(heartbeat))) {
          sink.done();
          return true;
        }
        if (frames.empty()) frames.push_back(": keep-alive\n\n");
        for (const std::string& f : frames) {
          if (!sink.write(f.data(), f.size())) return false;
        }
        return true;
      },
      [this, client](bool) { streams_.Close(client); });
}

}  // namespace ringmaster
