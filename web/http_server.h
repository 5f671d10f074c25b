// ringmasterd's HTTP endpoint (config-reference §10.4): the JSON API, the
// Prometheus metrics, an SSE event stream and the embedded status page.
// httplib runs on its own threads; they never touch supervision state: reads
// come from the Snapshot the loop publishes (web/snapshot.h), and actions are
// posted into the loop (daemon/loop_bridge.h) and dispatched through the same
// command table as ZeroMQ, with a bounded wait. Construct, Start, Stop and
// Publish on the loop thread.
#ifndef RINGMASTER_WEB_HTTP_SERVER_H_
#define RINGMASTER_WEB_HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/status.h"
#include "daemon/commands/command_context.h"
#include "daemon/dispatcher.h"
#include "daemon/event_loop.h"
#include "daemon/event_sink.h"
#include "web/event_streams.h"
#include "daemon/loop_bridge.h"
#include "web/snapshot.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace ringmaster {

struct HttpLimits {
  size_t min_threads = 8;
  size_t max_threads = 512;         // one per open connection (httplib's model)
  size_t max_event_streams = 32;
  size_t event_queue = 1024;        // frames per SSE client before dropping
  size_t max_body = 64 * 1024;      // request payload bytes
  int read_timeout = 5;             // seconds, per read of a request
  int write_timeout = 5;            // seconds, per write
  int keep_alive_timeout = 5;       // seconds an idle keep-alive connection is kept
  int keep_alive_max = 100;         // requests per connection
  double reply_timeout = 5;         // seconds to wait for the loop's reply
  double waiting_timeout = 120;     // ... when the request says waiting=true
  int event_heartbeat_ms = 5000;    // SSE comment when nothing happened
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

  // Binds host:port (port 0 picks a free one) and serves on a thread. The
  // error names the address and the system's reason.
  Status Start(const std::string& host, int port);
  // Ends event streams, refuses pending actions (503) and joins the threads.
  void Stop();
  int port() const { return port_; }

  // EventSink: fans the event out to SSE clients (never blocks) and schedules
  // a snapshot rebuild.
  void Publish(const std::string& watcher, const std::string& event,
               const nlohmann::json& body) override;
  // Loop thread: the config was reloaded (a changed http_token applies now).
  void ConfigApplied();

 private:
  void Routes();
  bool Authorized(const httplib::Request& req, httplib::Response& res);
  void RunCommand(const nlohmann::json& request, bool waiting, bool async,
                  const std::string& instance, httplib::Response& res);
  void ServeStatus(const httplib::Request& req, httplib::Response& res);
  void ServeWatcher(const httplib::Request& req, httplib::Response& res);
  void ServeAction(const httplib::Request& req, httplib::Response& res);
  void ServeEvents(const httplib::Request& req, httplib::Response& res);
  void ServeMetrics(const httplib::Request& req, httplib::Response& res);
  void ServeHealth(const httplib::Request& req, httplib::Response& res);
  // The latest snapshot, refreshed first (bounded wait) if it is stale.
  std::shared_ptr<const Snapshot> Current();

  EventLoop& loop_;
  Dispatcher& dispatcher_;
  CommandContext ctx_;
  std::function<uint64_t()> commands_served_;
  HttpLimits limits_;
  SnapshotStore store_;
  std::unique_ptr<SnapshotBuilder> builder_;
  LoopBridge bridge_;
  EventStreams streams_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> refresh_posted_{false};
  std::atomic<bool> listen_returned_{false};
  std::atomic<double> last_refresh_{-1e9};  // monotonic s of the last refresh a reader asked for
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> next_request_{1};
  uint64_t next_event_ = 1;  // loop thread
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // expires with *this
};

}  // namespace ringmaster

#endif  // RINGMASTER_WEB_HTTP_SERVER_H_
