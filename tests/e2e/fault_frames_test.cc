// Fault injection on the control socket: 5,000 hostile messages of every kind
// a stranger can send (random bytes, truncated JSON, 10 MB bodies, a wrong
// type for every property of every command in core's table, 100,000 nested
// brackets, 100-part messages). Each must get exactly one error reply
// (docs/protocol.md §3), `status` must answer throughout, and the daemon's
// private memory must come back to within 2 MB of where it was after a
// warm-up.
#include <algorithm>
#include <random>

#include "core/command_spec.h"
#include "tests/e2e/fault_e2e.h"

namespace ringmaster::test {
namespace {

using nlohmann::json;

struct Hostile {
  std::vector<std::string> frames;
  int err;             // expected errno
  std::string reason;  // expected to be contained in the reason ("" = any)
  std::string what;    // for messages
};

// Values of the wrong type (or out of range) for each property type.
std::vector<json> WrongValues(PropType type) {
  switch (type) {
    case PropType::kString:
      return {42, json::array(), json::object(), true, 1.5};
    case PropType::kNonEmptyString:
      return {"", 7, json::array({"a"}), false};
    case PropType::kInt:
      return {"1", 1.5, true, json::array()};
    case PropType::kPositiveInt:
      return {0, -1, -1000000, "2", 1.5, json::object(), json::parse("18446744073709551615")};
    case PropType::kNumber:
      return {"x", true, json::array()};
    case PropType::kBool:
      return {"yes", 1, "true", json::object()};
    case PropType::kObject:
      return {"x", json::array(), 3, true};
    case PropType::kStringArray:
      return {"x", json::array({1}), json::object(), json::array({"a", nullptr})};
    case PropType::kStringOrStringArray:
      return {1, json::array({1}), json::object(), false};
    case PropType::kIntOrNumStr:
      return {"-1", "1a", 1.5, " 1", json::array(), "99999999999999999999"};
    case PropType::kNumberOrNumStr:
      return {"abc", json::array(), "-1", "1e5", true};
    case PropType::kSignal:
      return {"NOPE", json::array(), 0, 99999, "SIGRTMAX+1", 1.5, "-9"};
    case PropType::kMatch:
      return {"bogus", 1, json::array()};
    case PropType::kCountOrPercent:
      return {-1, "x%", "5", "%", 1.5, true};
  }
  return {nullptr};
}

// A request that passes validation, to break one property of.
json ValidProperties(const CommandSpec& spec) {
  json props = json::object();
  for (const PropSpec& p : spec.props) {
    if (!p.required) continue;
    switch (p.type) {
      case PropType::kStringArray:
        props[p.name] = json::array({"numprocesses"});
        break;
      case PropType::kObject:
        props[p.name] = json::object();
        break;
      case PropType::kSignal:
        props[p.name] = "TERM";
        break;
      default:
        props[p.name] = p.name == "cmd" ? "/bin/true" : "sleeper";
    }
  }
  return props;
}

std::vector<Hostile> WrongTypes() {
  std::vector<Hostile> out;
  for (const CommandSpec& spec : AllCommandSpecs()) {
    std::vector<PropSpec> props = spec.props;
    props.push_back(PropSpec{"waiting", PropType::kBool, false, ""});
    for (const PropSpec& p : props) {
      for (const json& bad : WrongValues(p.type)) {
        json props_json = ValidProperties(spec);
        props_json[p.name] = bad;
        json req = {{"id", "w"}, {"command", spec.name}, {"properties", props_json}};
        // Range errors name the property, except the signal and match checks.
        std::string reason = "'" + p.name + "'";
        if (p.type == PropType::kSignal && (bad.is_string() || bad.is_number_integer())) {
          reason = "signal invalid";
        }
        if (p.type == PropType::kMatch && bad.is_string()) reason = "unknown match method";
        out.push_back({{req.dump()}, 3, reason, spec.name + "." + p.name + " = " + bad.dump()});
      }
    }
    // A required property sent as null is missing a value, not absent.
    for (const PropSpec& p : spec.props) {
      if (!p.required) continue;
      json props_json = ValidProperties(spec);
      props_json[p.name] = nullptr;
      json req = {{"id", "n"}, {"command", spec.name}, {"properties", props_json}};
      out.push_back({{req.dump()}, 3, "'" + p.name + "'", spec.name + "." + p.name + " = null"});
    }
  }
  return out;
}

std::string RandomBytes(std::mt19937& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

std::vector<Hostile> BuildHostile(std::mt19937& rng, int total, bool with_big) {
  std::vector<Hostile> out;
  const std::vector<Hostile> wrong = WrongTypes();
  const std::vector<std::string> valid = {
      R"({"id": "v1", "command": "status", "properties": {"name": "sleeper", "detail": true}})",
      R"({"id": "v2", "command": "incr", "properties": {"name": "sleeper", "nb": 2, "waiting": true}})",
      R"({"id": "v3", "command": "set", "properties": {"name": "sleeper", "options": {"numprocesses": 3}}})",
      R"({"id": "v4", "command": "add", "properties": {"name": "x", "cmd": "/bin/true", "start": true}})",
  };
  if (with_big) {
    // Three 10 MB bodies: under libzmq's 16 MiB cap, over the 1 MiB body limit.
    for (int i = 0; i < 3; ++i) {
      std::string big = R"({"id": "big", "command": "status", "properties": {"name": ")" +
                        std::string(10 << 20, 'a' + i) + "\"}}";
      out.push_back({{big}, 1, "message too large", "10 MB JSON"});
    }
  }
  // 100,000 nested brackets, balanced and not, arrays and objects.
  std::string arrays = std::string(100000, '[') + std::string(100000, ']');
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(100000, '}');
  for (int i = 0; i < 5; ++i) {
    out.push_back({{arrays}, 1, "json invalid", "100,000 nested arrays"});
    out.push_back({{arrays.substr(0, 100000)}, 1, "json invalid", "100,000 unclosed ["});
    out.push_back({{objects}, 1, "json invalid", "100,000 nested objects"});
    out.push_back({{R"({"command": "status", "id": )" + arrays + "}"}, 1, "json invalid",
                   "deep id"});
  }
  for (size_t i = 0; out.size() < static_cast<size_t>(total); ++i) {
    switch (i % 5) {
      case 0: {  // random bytes, 1..512 of them
        std::string s = RandomBytes(rng, 1 + rng() % 512);
        out.push_back({{s}, 1, "", "random bytes"});
        break;
      }
      case 1: {  // a valid request cut short (never whole: it would be obeyed)
        const std::string& v = valid[rng() % valid.size()];
        out.push_back({{v.substr(0, rng() % v.size())}, 1, "", "truncated JSON"});
        break;
      }
      case 2:
      case 3:
        out.push_back(wrong[(i / 5 * 2 + i % 5 - 2) % wrong.size()]);
        break;
      case 4: {  // 100 frames; sometimes with a REQ-style empty first frame
        std::vector<std::string> frames(100);
        for (auto& f : frames) f = RandomBytes(rng, rng() % 64);
        if (rng() % 2) frames[0].clear();
        out.push_back({frames, 1, "invalid message: expected one frame, got ", "100-part message"});
        break;
      }
    }
  }
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

class HostileFrames : public FaultTest {
 protected:
  // Sends `msgs` in windows of 50 and checks each reply (in order: every
  // reply here is sent before the next message is read). Between windows a
  // second client must get `status` answered.
  void SendAll(const std::vector<Hostile>& msgs, size_t* answered) {
    ControlClient hostile(Endpoint());
    for (size_t start = 0; start < msgs.size(); start += 50) {
      const size_t end = std::min(msgs.size(), start + 50);
      for (size_t i = start; i < end; ++i) hostile.SendFrames(msgs[i].frames);
      for (size_t i = start; i < end; ++i) {
        auto reply = hostile.Recv(15);
        ASSERT_TRUE(reply.has_value()) << "no reply to message " << i << " (" << msgs[i].what
                                       << ")\n" << daemon_->Log().substr(0, 4000);
        ASSERT_TRUE(reply->is_object()) << msgs[i].what;
        EXPECT_EQ((*reply)["status"], "error") << msgs[i].what << ": " << *reply;
        EXPECT_EQ((*reply)["errno"], msgs[i].err) << msgs[i].what << ": " << *reply;
        const std::string reason = reply->value("reason", "");
        EXPECT_NE(reason.find(msgs[i].reason), std::string::npos)
            << msgs[i].what << ": " << *reply;
        ++*answered;
      }
      ASSERT_TRUE(StatusAnswers(5)) << "status not answered after message " << end;
    }
  }
  // RssAnon once it has stopped falling for 3 s (the daemon trims its heap
  // 2 s after a burst of requests).
  long SettledRss() {
    long low = RssAnonKiB();
    auto since = std::chrono::steady_clock::now();
    WaitUntil([&] {
      long now = RssAnonKiB();
      if (now < low) {
        low = now;
        since = std::chrono::steady_clock::now();
      }
      return SecondsSince(since) >= 3;
    }, 20, 0.1);
    return low;
  }
};

TEST_F(HostileFrames, FiveThousandHostileMessagesEachGetAnErrorAndMemoryComesBack) {
  StartWith(Sleeper("sleeper", 1));
  ASSERT_TRUE(WaitWorkers(1));
  const std::vector<pid_t> workers = LiveWorkers();
  std::mt19937 rng(12345);

  // Warm-up: one of everything (a 10 MB body included), so the baseline has
  // libzmq's buffers and the allocator's arenas at their working size.
  std::vector<Hostile> warmup = BuildHostile(rng, 300, true);
  size_t answered = 0;
  SendAll(warmup, &answered);
  const long base = SettledRss();
  ASSERT_GT(base, 0);

  std::vector<Hostile> msgs = BuildHostile(rng, 5000, true);
  ASSERT_EQ(msgs.size(), 5000u);
  long peak = base;
  answered = 0;
  const auto started = std::chrono::steady_clock::now();
  for (size_t chunk = 0; chunk < msgs.size(); chunk += 500) {
    std::vector<Hostile> part(msgs.begin() + chunk,
                              msgs.begin() + std::min(msgs.size(), chunk + 500));
    SendAll(part, &answered);
    if (HasFatalFailure()) return;
    peak = std::max(peak, RssAnonKiB());
  }
  EXPECT_EQ(answered, 5000u);
  const double took = SecondsSince(started);

  ASSERT_TRUE(daemon_->running());
  EXPECT_EQ(LiveWorkers(), workers) << "no hostile message touched a process";
  EXPECT_EQ(Call("numwatchers")["numwatchers"], 1);
  const long end = SettledRss();
  EXPECT_LE(end - base, 2048) << "RssAnon " << base << " KiB after the warm-up, " << end
                              << " KiB after 5,000 hostile messages (peak " << peak << ")";
  // 10 MB bodies pass through libzmq and are refused by size: nothing may
  // copy them over and over.
  EXPECT_LT(peak - base, 64 * 1024) << "peak " << peak << " KiB";
  RecordProperty("rss_anon_kib_base", std::to_string(base));
  RecordProperty("rss_anon_kib_end", std::to_string(end));
  RecordProperty("seconds", std::to_string(took));
}

}  // namespace
}  // namespace ringmaster::test
