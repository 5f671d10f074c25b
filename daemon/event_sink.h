// Where supervision events go (docs/protocol.md §8): `watcher.<res_name>.<event>` with a
// JSON body. The ZeroMQ PUB publisher implements this; so does the log. Loop
// thread only.
#ifndef RINGMASTER_DAEMON_EVENT_SINK_H_
#define RINGMASTER_DAEMON_EVENT_SINK_H_

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ringmaster {

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Publish(const std::string& watcher, const std::string& event,
                       const nlohmann::json& body) = 0;
};

// The topic form of a watcher name: lowercased ASCII, spaces as '_'.
std::string ResName(const std::string& name);

// Logs every event at debug level.
class LogEventSink : public EventSink {
 public:
  void Publish(const std::string& watcher, const std::string& event,
               const nlohmann::json& body) override;
};

// Fans out to several sinks (log, ZeroMQ, HTTP event streams).
class EventFanout : public EventSink {
 public:
  void Add(EventSink* sink) { sinks_.push_back(sink); }
  void Remove(EventSink* sink) { std::erase(sinks_, sink); }
  void Publish(const std::string& watcher, const std::string& event,
               const nlohmann::json& body) override {
    for (EventSink* s : sinks_) s->Publish(watcher, event, body);
  }

 private:
  std::vector<EventSink*> sinks_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_EVENT_SINK_H_
