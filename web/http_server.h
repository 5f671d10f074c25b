// ringmasterd's HTTP endpoint (docs/config.md §10.4): the JSON API, the
// Prometheus metrics, an SSE event stream and the embedded status page.
// Connections belong to an event-driven front (web/http_front.h: one thread,
// its own libevent loop, no thread per connection); handler work that costs
// more than a lookup runs on a small TaskPool below the loop's priority. None
// of it touches supervision state: reads come from the Snapshot the loop
// publishes (web/snapshot.h), whose bodies are rendered once per snapshot and
// served as shared bytes; actions are posted into the loop
// (daemon/loop_bridge.h) and dispatched through the same command table as
// ZeroMQ, and their replies come back without any thread waiting for them.
// Construct, Start, Stop and Publish on the loop thread.
#ifndef RINGMASTER_WEB_HTTP_SERVER_H_
#define RINGMASTER_WEB_HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "daemon/commands/command_context.h"
#include "daemon/dispatcher.h"
#include "daemon/event_loop.h"
#include "daemon/event_sink.h"
#include "daemon/loop_bridge.h"
#include "web/http_front.h"
#include "web/snapshot.h"
#include "web/task_pool.h"

namespace ringmaster {

struct HttpLimits {
  HttpFrontLimits front;
  size_t pool_threads = 2;       // handler work (about the number of cores)
  double reply_timeout = 5;      // seconds to wait for the loop's reply
  double waiting_timeout = 120;  // ... when the request says waiting=true
};

class HttpServer : public EventSink {
 public:
  // `ctx` gives the snapshot read access to the watchers; `commands_served`
  // (optional) feeds the metric of that name.
  HttpServer(EventLoop& loop, Dispatcher& dispatcher, CommandContext ctx,
             std::function<uint64_t()> commands_served = nullptr, HttpLimits limits = {});
  ~HttpServer() override;
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port (port 0 picks a free one) and starts serving. The error
  // names the address and the system's reason. The connection caps come
  // from the config ([circus] httpd_max_connections*).
  // `listen_fd`: a listener handed over by an in-place upgrade (HttpFront).
  Status Start(const std::string& host, int port, int listen_fd = -1);
  int listener_fd() const { return front_ ? front_->listener_fd() : -1; }
  // Ends event streams, drops pending replies and joins the threads.
  void Stop();
  int port() const { return front_ ? front_->port() : 0; }

  // EventSink: fans the event out to SSE clients (never blocks) and schedules
  // a snapshot rebuild.
  void Publish(const std::string& watcher, const std::string& event,
               const nlohmann::json& body) override;
  // Loop thread: the config was reloaded (a changed http_token applies now).
  void ConfigApplied();

 private:
  using Responder = std::shared_ptr<HttpResponder>;
  using SnapshotFn = std::function<void(const std::shared_ptr<const Snapshot>&)>;
  struct Waiter {
    SnapshotFn fn;
    double since;  // monotonic s the reader arrived
  };

  void Handle(const HttpRequest& req, const HttpPeer& peer, Responder r);
  bool Authorized(const HttpRequest& req, const Responder& r);
  void ServeHealth(const HttpRequest& req, const Responder& r);
  void ServeAction(const HttpRequest& req, const std::string& name, const std::string& action,
                   const Responder& r);
  void RunCommand(const nlohmann::json& request, bool waiting, bool async, const std::string& instance,
                  const Responder& r);
  void ServeEvents(const HttpRequest& req, const Responder& r);
  // Runs `fn` on the pool with the latest snapshot, refreshed first (the
  // loop is asked for a new one, for at most kRefreshWait) if it is stale.
  // `inline_fn`, if given, is tried first on the front thread with a fresh
  // snapshot and returns true if it answered (bytes already rendered): no
  // pool hop for the common case.
  void WithSnapshot(SnapshotFn fn, std::function<bool(const std::shared_ptr<const Snapshot>&)> inline_fn = nullptr);
  void ServeWaiters(bool all);  // front thread
  std::string DaemonMetrics(const std::shared_ptr<const Snapshot>& snap);  // the per-request part

  EventLoop& loop_;
  Dispatcher& dispatcher_;
  CommandContext ctx_;
  std::function<uint64_t()> commands_served_;
  HttpLimits limits_;
  SnapshotStore store_;
  std::unique_ptr<SnapshotBuilder> builder_;
  LoopBridge bridge_;
  std::unique_ptr<TaskPool> pool_;
  std::unique_ptr<HttpFront> front_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> refresh_posted_{false};
  std::atomic<double> last_refresh_{-1e9};  // monotonic s of the last refresh a reader asked for
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> next_request_{1};
  std::mutex waiters_mu_;
  std::vector<Waiter> waiters_;  // readers waiting for a fresh snapshot
  bool waiter_timer_ = false;    // front thread: a timeout check is scheduled
  uint64_t next_event_ = 1;      // loop thread
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // expires with *this
};

}  // namespace ringmaster

#endif  // RINGMASTER_WEB_HTTP_SERVER_H_
