#include "web/event_streams.h"

#include "daemon/event_sink.h"

namespace ringmaster {

std::shared_ptr<EventStreams::Client> EventStreams::Open() {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutdown_ || clients_.size() >= max_clients_) return nullptr;
  auto c = std::make_shared<Client>();
  clients_.insert(c);
  return c;
}

void EventStreams::Close(const std::shared_ptr<Client>& client) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    clients_.erase(client);
  }
  std::lock_guard<std::mutex> lock(client->mu);
  client->closed = true;
  client->cv.notify_all();
}

void EventStreams::Publish(const std::string& frame) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& c : clients_) {
    std::lock_guard<std::mutex> client_lock(c->mu);
    if (c->frames.size() >= capacity_) {
      ++dropped_;
      continue;
    }
    c->frames.push_back(frame);
    c->cv.notify_one();
  }
}

bool EventStreams::Next(Client& client, std::vector<std::string>* out,
                        std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(client.mu);
  client.cv.wait_for(lock, timeout, [&] { return client.closed || !client.frames.empty(); });
  if (client.closed) return false;
  while (!client.frames.empty()) {
    out->push_back(std::move(client.frames.front()));
    client.frames.pop_front();
  }
  return true;
}

void EventStreams::Shutdown() {
  std::set<std::shared_ptr<Client>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
    all.swap(clients_);
  }
  for (const auto& c : all) {
    std::lock_guard<std::mutex> lock(c->mu);
    c->closed = true;
    c->cv.notify_all();
  }
}

size_t EventStreams::clients() const {
  std::lock_guard<std::mutex> lock(mu_);
  return clients_.size();
}

std::string EventStreams::Frame(uint64_t id, const std::string& watcher, const std::string& event,
                                const nlohmann::json& body) {
  nlohmann::json data = body.is_object() ? body : nlohmann::json::object();
  data["watcher"] = watcher;
  data["event"] = event;
  data["topic"] = "watcher." + ResName(watcher) + "." + event;
  // dump() escapes newlines, so the data fits on one SSE line.
  return "id: " + std::to_string(id) + "\nevent: " + event + "\ndata: " +
         data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
}

}  // namespace ringmaster
