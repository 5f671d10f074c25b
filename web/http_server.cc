#include "web/http_server.h"

#include <time.h>

#include <cstring>
#include <algorithm>
#include <cctype>

#include "core/protocol.h"
#include "daemon/log.h"
#include "web/actions.h"
#include "web/assets.h"
#include "web/auth.h"
#include "web/event_streams.h"
#include "web/metrics.h"
#include "web/problem.h"

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
constexpr double kRefreshWait = 1.0;

double MonoNow() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HttpReply Json(int status, const nlohmann::json& body) {
  HttpReply r;
  r.status = status;
  r.content_type = kJson;
  r.body = Dump(body);
  return r;
}

HttpReply ProblemReply(const nlohmann::json& problem) {
  HttpReply r;
  r.status = problem.value("status", 500);
  r.content_type = kProblemContentType;
  r.body = Dump(problem);
  return r;
}

HttpReply ProblemReply(int status, const std::string& detail, const std::string& instance) {
  return ProblemReply(Problem(status, detail, instance));
}

Access Classify(const HttpRequest& req) {
  bool get = req.method == "GET" || req.method == "HEAD";
  if (get && (req.path == "/healthz" || FindWebAsset(req.path))) return Access::kOpen;
  if (req.method == "POST") return Access::kMutate;
  return Access::kRead;
}

bool IsGet(const HttpRequest& req) { return req.method == "GET" || req.method == "HEAD"; }

}  // namespace

HttpServer::HttpServer(EventLoop& loop, Dispatcher& dispatcher, CommandContext ctx,
                       std::function<uint64_t()> commands_served, HttpLimits limits)
    : loop_(loop),
      dispatcher_(dispatcher),
      ctx_(std::move(ctx)),
      commands_served_(std::move(commands_served)),
      limits_(std::move(limits)),
      bridge_(loop) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start(const std::string& host, int port, int listen_fd) {
  builder_ = std::make_unique<SnapshotBuilder>(loop_, ctx_, store_, commands_served_);
  pool_ = std::make_unique<TaskPool>(limits_.pool_threads);
  front_ = std::make_unique<HttpFront>(
      limits_.front, [this](const HttpRequest& req, const HttpPeer& peer, Responder r) { Handle(req, peer, std::move(r)); });
  Status s = front_->Start(host, port, listen_fd);
  if (!s.ok()) {
    front_.reset();
    pool_.reset();
    builder_.reset();
    return s;
  }
  // Readers waiting for a fresh snapshot are served as soon as the loop
  // publishes one.
  store_.set_on_publish([this] {
    bool any;
    {
      std::lock_guard<std::mutex> lock(waiters_mu_);
      any = !waiters_.empty();
    }
    if (any && front_) front_->Post([this] { ServeWaiters(false); });
  });
  LOG_INFO("httpd listening on http://%s:%d/", host.c_str(), front_->port());
  return Status::Ok();
}

void HttpServer::Stop() {
  if (stopping_.exchange(true)) return;
  store_.set_on_publish(nullptr);
  bridge_.Close();
  if (front_) front_->Stop();
  if (pool_) pool_->Shutdown();
  builder_.reset();
}

void HttpServer::Publish(const std::string& watcher, const std::string& event,
                         const nlohmann::json& body) {
  if (!builder_ || stopping_) return;
  builder_->NoteEvent(watcher, event, body);
  if (front_ && front_->stats().streams > 0) {
    front_->Broadcast(EventStreams::Frame(next_event_++, watcher, event, body));
  } else {
    ++next_event_;
  }
}

void HttpServer::ConfigApplied() {
  if (builder_) builder_->UpdateToken();
}

void HttpServer::WithSnapshot(SnapshotFn fn, std::function<bool(const std::shared_ptr<const Snapshot>&)> inline_fn) {
  double now = MonoNow();
  store_.last_read = now;
  auto snap = store_.Get();
  if (snap && now - snap->built_mono <= kFreshSeconds &&
      (!store_.dirty || now - last_refresh_.load() < kMinRebuildSeconds)) {
    // Clean, or dirty but a reader asked less than kMinRebuildSeconds ago
    // (then the answer is at most that stale).
    if (inline_fn && inline_fn(snap)) return;
    pool_->Post([fn = std::move(fn), snap] { fn(snap); });
    return;
  }
  last_refresh_ = now;
  {
    std::lock_guard<std::mutex> lock(waiters_mu_);
    waiters_.push_back(Waiter{std::move(fn), now});
  }
  // One refresh request at a time; concurrent readers wait for the same one.
  if (!refresh_posted_.exchange(true)) {
    bool posted = bridge_.Post([this] {
      refresh_posted_ = false;
      if (builder_) builder_->Rebuild();
    });
    if (!posted) {
      refresh_posted_ = false;
      ServeWaiters(true);
      return;
    }
  }
  if (!waiter_timer_) {
    waiter_timer_ = true;
    front_->Post([this] {
      waiter_timer_ = false;
      ServeWaiters(false);
    }, kRefreshWait);
  }
}

void HttpServer::ServeWaiters(bool all) {
  auto snap = store_.Get();
  double now = MonoNow();
  std::vector<Waiter> ready;
  bool left;
  {
    std::lock_guard<std::mutex> lock(waiters_mu_);
    std::vector<Waiter> keep;
    for (Waiter& w : waiters_) {
      // Collected after the reader came: a build already on the worker when
      // it came may predate what it asks about (e.g. the end of its stop).
      bool newer = snap && snap->built_mono >= w.since;
      if (all || newer || now - w.since >= kRefreshWait) {
        ready.push_back(std::move(w));
      } else {
        keep.push_back(std::move(w));
      }
    }
    waiters_.swap(keep);
    left = !waiters_.empty();
  }
  for (Waiter& w : ready) pool_->Post([fn = std::move(w.fn), snap] { fn(snap); });
  if (left && !waiter_timer_) {
    waiter_timer_ = true;
    front_->Post([this] {
      waiter_timer_ = false;
      ServeWaiters(false);
    }, kRefreshWait / 4);
  }
}

bool HttpServer::Authorized(const HttpRequest& req, const Responder& r) {
  AuthDecision d = Authorize(Classify(req), store_.token(), req.Header("authorization"));
  if (d.status == 200) return true;
  HttpReply reply = ProblemReply(d.status, d.detail, req.path);
  if (d.status == 401) reply.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"ringmaster\"");
  r->Reply(std::move(reply));
  return false;
}

void HttpServer::Handle(const HttpRequest& req, const HttpPeer&, Responder r) {
  ++requests_;
  const std::string& path = req.path;
  if (IsGet(req) && path == "/healthz") return ServeHealth(req, r);
  if (IsGet(req)) {
    if (const WebAsset* a = FindWebAsset(path)) {
      HttpReply reply;
      reply.content_type = std::string(a->content_type);
      reply.headers.emplace_back("Cache-Control", "no-cache");
      reply.body.assign(reinterpret_cast<const char*>(a->data), a->size);
      r->Reply(std::move(reply));
      return;
    }
  }
  bool status = path == "/api/status", metrics = path == "/metrics", events = path == "/api/events";
  // /api/watchers/NAME and /api/watchers/NAME/ACTION (ACTION letters only).
  std::string name, verb;
  bool watcher = false, action = false;
  static const std::string kPrefix = "/api/watchers/";
  if (path.compare(0, kPrefix.size(), kPrefix) == 0) {
    std::string rest = path.substr(kPrefix.size());
    size_t slash = rest.find('/');
    name = rest.substr(0, slash);
    if (slash == std::string::npos) {
      watcher = !name.empty();
    } else {
      verb = rest.substr(slash + 1);
      action = !name.empty() && !verb.empty() &&
               std::all_of(verb.begin(), verb.end(), [](unsigned char c) { return std::isalpha(c) != 0; });
    }
  }
  bool reload = path == "/api/reloadconfig";
  bool upgrade = path == "/api/upgrade";
  bool known = status || metrics || events || watcher || action || reload || upgrade;
  if (!known) return (void)r->Reply(ProblemReply(404, "no such resource: " + path, path));
  bool wants_post = action || reload || upgrade;
  if (wants_post ? req.method != "POST" : !IsGet(req)) {
    HttpReply reply = ProblemReply(405, "use " + std::string(wants_post ? "POST" : "GET") + " for " + path, path);
    reply.headers.emplace_back("Allow", wants_post ? "POST" : "GET, HEAD");
    return (void)r->Reply(std::move(reply));
  }
  if (!Authorized(req, r)) return;
  if (action) return ServeAction(req, name, verb, r);
  if (reload) return ServeAction(req, "", "reloadconfig", r);
  if (upgrade) return ServeAction(req, "", "upgrade", r);
  if (events) return ServeEvents(req, r);
  if (status) {
    auto send = [r](std::shared_ptr<const std::string> body) {
      HttpReply reply;
      reply.content_type = kJson;
      if (body) reply.shared_body = std::move(body);
      else reply.body = "{}";
      r->Reply(std::move(reply));
    };
    return WithSnapshot([send](const std::shared_ptr<const Snapshot>& snap) { send(snap ? snap->StatusBody() : nullptr); },
                        [send](const std::shared_ptr<const Snapshot>& snap) {
                          auto body = snap->StatusBodyIfReady();
                          if (body) send(std::move(body));
                          return body != nullptr;
                        });
  }
  if (metrics) {
    // The per-process part is the same bytes for every reader of this
    // snapshot; only the daemon's counters are formatted per request.
    auto send = [this, r](const std::shared_ptr<const Snapshot>& snap, std::shared_ptr<const std::string> part) {
      HttpReply reply;
      reply.content_type = kMetricsContentType;
      reply.shared_body = std::move(part);
      reply.body = DaemonMetrics(snap);
      r->Reply(std::move(reply));
    };
    return WithSnapshot(
        [send](const std::shared_ptr<const Snapshot>& snap) {
          send(snap, snap ? snap->Rendered(FormatStatusMetrics)
                          : std::make_shared<const std::string>(FormatStatusMetrics(nlohmann::json::object())));
        },
        [send](const std::shared_ptr<const Snapshot>& snap) {
          auto part = snap->RenderedIfReady();
          if (part) send(snap, std::move(part));
          return part != nullptr;
        });
  }
  WithSnapshot([r, name, path](const std::shared_ptr<const Snapshot>& snap) {
    nlohmann::json w = snap ? FindWatcherView(snap->status, name) : nlohmann::json();
    if (w.is_null()) return (void)r->Reply(ProblemReply(404, "program " + name + " not found", path));
    r->Reply(Json(200, w));
  });
}

std::string HttpServer::DaemonMetrics(const std::shared_ptr<const Snapshot>& snap) {
  DaemonCounters c;
  c.loop_lag = store_.loop_lag;
  c.loop_lag_max = store_.loop_lag_max;
  c.commands_served = store_.commands_served;
  if (snap) c.snapshot_age = MonoNow() - snap->built_mono;
  c.snapshot_build = store_.build_seconds;
  c.http_requests = requests_.load();
  HttpFrontStats fs = front_->stats();
  c.event_streams = fs.streams;
  c.events_dropped = fs.frames_dropped;
  c.http_connections = fs.connections;
  c.http_refused = fs.refused;
  c.http_timeouts = fs.timed_out;
  return FormatDaemonMetrics(c);
}

void HttpServer::ServeHealth(const HttpRequest&, const Responder& r) {
  // Never waits for the loop: a probe must answer even when the loop is stuck.
  double age = MonoNow() - store_.heartbeat.load();
  if (age > kStaleHeartbeatSeconds) {
    HttpReply reply = ProblemReply(503, "the supervision loop has not run its 1 s timer for " +
                                            std::to_string(static_cast<int>(age)) + " s",
                                   "/healthz");
    reply.headers.emplace_back("Retry-After", "5");
    r->Reply(std::move(reply));
    return;
  }
  r->Reply(Json(200, {{"status", "ok"}, {"loop_heartbeat_age", age}}));
}

void HttpServer::ServeAction(const HttpRequest& req, const std::string& name, const std::string& action,
                             const Responder& r) {
  if (!name.empty() && (action == "reloadconfig" || action == "upgrade")) {
    return (void)r->Reply(ProblemReply(404, "no such action: " + action + " (POST /api/reloadconfig)", req.path));
  }
  std::string id = "http-" + std::to_string(next_request_++);
  ActionRequest a = BuildActionRequest(action, name, req.query, req.body, id);
  if (a.request.is_null()) return (void)r->Reply(ProblemReply(a.status, a.error, req.path));
  bool async = action != "signal";
  RunCommand(a.request, a.waiting, async, req.path, r);
}

void HttpServer::RunCommand(const nlohmann::json& request, bool waiting, bool async,
                            const std::string& instance, const Responder& r) {
  auto parsed = ParseRequest(request.dump());
  if (auto* err = std::get_if<ProtocolError>(&parsed)) {
    nlohmann::json reply = ErrorReply(err->id, err->err, err->reason);
    return (void)r->Reply(ProblemReply(ProblemFromReply(reply, instance)));
  }
  Request cmd = std::get<Request>(std::move(parsed));
  std::weak_ptr<int> alive = alive_;
  bool keep_open = async && !waiting;
  bool posted = bridge_.Post([this, cmd, r, alive, instance, keep_open] {
    dispatcher_.Dispatch(cmd, [this, r, alive, instance, keep_open](const ringmaster::Reply& got) {
      // Actions answer with small objects; a serialised reply is parsed.
      const nlohmann::json parsed = got.object_or_null() ? nlohmann::json() : got.object();
      const nlohmann::json& reply = got.object_or_null() ? *got.object_or_null() : parsed;
      HttpReply answer = reply.value("status", "") == "error"
                             ? ProblemReply(ProblemFromReply(reply, instance))
                             : Json(keep_open ? 202 : 200, reply);
      // Read-your-writes: a GET after this reply sees the command's effect,
      // so it goes once a snapshot taken now is published. A waiting reply
      // can come after the server is gone (daemon exit): then at once.
      if (alive.expired() || !builder_ || stopping_) return (void)r->Reply(std::move(answer));
      auto shared = std::make_shared<HttpReply>(std::move(answer));
      builder_->Rebuild([r, shared] { r->Reply(std::move(*shared)); });
    });
  });
  if (!posted) return (void)r->Reply(ProblemReply(503, "the daemon is shutting down", instance));
  double limit = waiting ? limits_.waiting_timeout : limits_.reply_timeout;
  front_->Post([r, limit, instance] {
    HttpReply reply = ProblemReply(503, "the supervisor did not answer within " +
                                            std::to_string(static_cast<int>(limit)) +
                                            " s; the command may still complete (see GET /api/status)",
                                   instance);
    reply.headers.emplace_back("Retry-After", "1");
    r->Reply(std::move(reply));  // no-op if the loop answered first
  }, limit);
}

void HttpServer::ServeEvents(const HttpRequest& req, const Responder& r) {
  if (front_->stats().streams >= limits_.front.max_streams) {
    HttpReply reply = ProblemReply(503,
                                   "too many event streams (limit " + std::to_string(limits_.front.max_streams) +
                                       "); close one or poll GET /api/status",
                                   req.path);
    reply.headers.emplace_back("Retry-After", "10");
    return (void)r->Reply(std::move(reply));
  }
  HttpReply reply;
  reply.content_type = "text/event-stream";
  reply.headers.emplace_back("Cache-Control", "no-cache");
  reply.headers.emplace_back("X-Accel-Buffering", "no");
  reply.stream = true;
  reply.body = ": connected\nretry: 2000\n\n";
  r->Reply(std::move(reply));
}

}  // namespace ringmaster
