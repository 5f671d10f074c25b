#include "web/event_streams.h"

#include "daemon/event_sink.h"

namespace ringmaster {

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
