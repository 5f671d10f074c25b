// The clients of GET /api/events (Server-Sent Events). The loop publishes
// frames without blocking: each client has a bounded queue, and a frame that
// does not fit is dropped (and counted) for that client only. HTTP worker
// threads wait for frames with a timeout. The number of clients is capped.
// Thread-safe.
#ifndef RINGMASTER_WEB_EVENT_STREAMS_H_
#define RINGMASTER_WEB_EVENT_STREAMS_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ringmaster {

class EventStreams {
 public:
  struct Client {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::string> frames;
    bool closed = false;
  };

  EventStreams(size_t max_clients, size_t queue_capacity)
      : max_clients_(max_clients), capacity_(queue_capacity) {}

  // Null when max_clients are already connected or after Shutdown.
  std::shared_ptr<Client> Open();
  void Close(const std::shared_ptr<Client>& client);
  // Any thread; never waits for a client.
  void Publish(const std::string& frame);
  // Worker thread: moves queued frames to *out, waiting up to `timeout` for
  // the first one. False once the client is closed (shutdown).
  bool Next(Client& client, std::vector<std::string>* out, std::chrono::milliseconds timeout);
  // Closes every client and refuses new ones.
  void Shutdown();

  size_t clients() const;
  uint64_t dropped() const { return dropped_.load(); }

  // "id: N\nevent: EVENT\ndata: {"watcher", "event", "topic", ...body}\n\n"
  static std::string Frame(uint64_t id, const std::string& watcher, const std::string& event,
                           const nlohmann::json& body);

 private:
  const size_t max_clients_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::set<std::shared_ptr<Client>> clients_;
  bool shutdown_ = false;
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace ringmaster

#endif  // RINGMASTER_WEB_EVENT_STREAMS_H_
