// The frames of GET /api/events (Server-Sent Events). The streams themselves
// are connections of the event-driven front (web/http_front.h), which writes
// every frame to every stream without blocking and drops it, counted, for a
// client that does not read. Pure; any thread.
#ifndef RINGMASTER_WEB_EVENT_STREAMS_H_
#define RINGMASTER_WEB_EVENT_STREAMS_H_

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace ringmaster {

struct EventStreams {
  // "id: N\nevent: EVENT\ndata: {"watcher", "event", "topic", ...body}\n\n"
  static std::string Frame(uint64_t id, const std::string& watcher, const std::string& event,
                           const nlohmann::json& body);
};

}  // namespace ringmaster

#endif  // RINGMASTER_WEB_EVENT_STREAMS_H_
