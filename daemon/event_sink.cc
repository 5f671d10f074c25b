#include "daemon/event_sink.h"

#include "daemon/log.h"

namespace ringmaster {

std::string ResName(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == ' ') c = '_';
  }
  return out;
}

void LogEventSink::Publish(const std::string& watcher, const std::string& event,
                           const nlohmann::json& body) {
  LOG_DEBUG("event watcher.%s.%s %s", ResName(watcher).c_str(), event.c_str(),
            body.dump().c_str());
}

}  // namespace ringmaster
