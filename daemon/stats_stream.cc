#include "daemon/stats_stream.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>

#include "daemon/arbiter.h"
#include "daemon/log.h"
#include "daemon/proc_stats.h"
#include "daemon/zmq_controller.h"

namespace ringmaster {
namespace {

using nlohmann::json;

constexpr double kPeriodSeconds = 1.0;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// A per-pid body: INFO without started/wid (age = now - create_time), with
// `children: []`, plus subtopic and name.
std::optional<json> PidBody(ProcStats& stats, pid_t pid, const json& name) {
  std::optional<json> info = stats.BareInfo(pid);
  if (!info) return std::nullopt;
  (*info)["subtopic"] = pid;
  (*info)["name"] = name;
  return info;
}

// Frames travel from the worker to the loop as one string: topic NUL body NUL
// ... (JSON text never holds a raw NUL, and topics come from ini names).
void Append(std::string& packed, const std::string& topic, const std::string& body) {
  packed += topic;
  packed += '\0';
  packed += body;
  packed += '\0';
}

}  // namespace

json AggregateStats(const std::vector<json>& per_pid) {
  json pids = json::array();
  double cpu_sum = 0, mem_sum = 0;
  bool cpu_na = false, mem_na = false;
  std::optional<double> age;
  for (const json& b : per_pid) {
    pids.push_back(b.value("pid", json()));
    const json cpu = b.value("cpu", json("N/A")), mem = b.value("mem", json("N/A"));
    if (cpu.is_number()) cpu_sum += cpu.get<double>(); else cpu_na = true;
    if (mem.is_number()) mem_sum += mem.get<double>(); else mem_na = true;
    const json a = b.value("age", json("N/A"));
    if (a.is_number()) age = std::max(age.value_or(a.get<double>()), a.get<double>());
  }
  json out = json::object();
  out["pid"] = pids;
  out["cpu"] = cpu_na || per_pid.empty() ? json("N/A") : json(cpu_sum / static_cast<double>(per_pid.size()));
  out["mem"] = mem_na ? json("N/A") : json(mem_sum);
  out["age"] = age ? json(*age) : json("N/A");
  return out;
}

StatsFrames RenderStatsRound(ProcStats& stats, const StatsTargets& targets) {
  StatsFrames frames;
  for (const StatsTargets::Watcher& w : targets.watchers) {
    std::vector<json> bodies;
    for (pid_t pid : w.pids) {
      std::optional<json> body = PidBody(stats, pid, json());
      if (!body) continue;  // gone since the loop copied it
      frames.emplace_back("stat." + w.name + "." + std::to_string(pid), Dump(*body));
      bodies.push_back(std::move(*body));
    }
    if (!bodies.empty()) frames.emplace_back("stat." + w.name, Dump(AggregateStats(bodies)));
  }
  if (std::optional<json> self = PidBody(stats, targets.daemon_pid, "ringmasterd")) {
    frames.emplace_back("stat.circus." + std::to_string(targets.daemon_pid), Dump(*self));
    frames.emplace_back("stat.circus", Dump(AggregateStats({*self})));
  }
  if (!targets.sockets.empty()) {
    json addresses = json::array();
    int total = 0;
    for (const StatsTargets::Socket& s : targets.sockets) {
      frames.emplace_back("stat.sockets." + std::to_string(s.fd),
                          Dump({{"fd", s.fd}, {"subtopic", s.fd}, {"reads", s.reads},
                                {"address", s.address}}));
      addresses.push_back(s.address);
      total += s.reads;
    }
    frames.emplace_back("stat.sockets", Dump({{"addresses", addresses}, {"reads", total}}));
  }
  return frames;
}

StatsStream::StatsStream(EventLoop& loop, ProcWorker& procs, const Arbiter& arbiter)
    : loop_(loop),
      procs_(procs),
      ctx_(1),
      arbiter_(arbiter),
      timer_(loop, [this] { Tick(); }, Priority::kControl) {}

StatsStream::~StatsStream() { Close(); }

Status StatsStream::Bind(const std::string& endpoint) {
  if (Status s = PrepareIpcEndpoint(endpoint); !s.ok()) {
    return Status::Error("cannot bind stats endpoint " + endpoint + ": " + s.message());
  }
  try {
    pub_ = zmq::socket_t(ctx_, zmq::socket_type::pub);
    pub_.set(zmq::sockopt::linger, 0);
    pub_.set(zmq::sockopt::sndhwm, kHwm);
    pub_.bind(endpoint);
  } catch (const zmq::error_t& e) {
    pub_.close();
    return Status::Error("cannot bind stats endpoint " + endpoint + ": " + e.what());
  }
  LOG_INFO("stats endpoint %s (one round a second)", endpoint.c_str());
  timer_.Start(kPeriodSeconds);
  return Status::Ok();
}

void StatsStream::Close() {
  timer_.Cancel();
  alive_.reset();
  if (pub_.handle() != nullptr) pub_.close();
}

StatsTargets StatsStream::Collect() const {
  StatsTargets t;
  t.daemon_pid = getpid();
  for (const auto& w : arbiter_.watchers()) {
    StatsTargets::Watcher tw{w->name(), {}};
    for (const Process* p : w->processes()) tw.pids.push_back(p->pid);
    t.watchers.push_back(std::move(tw));
  }
  const json sockets = arbiter_.sockets().ListJson();
  for (const json& s : sockets) {
    StatsTargets::Socket ts;
    ts.fd = s.value("fd", -1);
    if (s.contains("path")) {
      ts.address = s.value("path", "");
    } else {
      ts.address = s.value("host", "") + ":" + std::to_string(s.value("port", 0));
    }
    // A listening socket is readable while a connection waits to be
    // accepted: sampled once per tick, not every 10 ms as Circus does.
    pollfd pfd{ts.fd, POLLIN, 0};
    ts.reads = ts.fd >= 0 && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN) ? 1 : 0;
    t.sockets.push_back(std::move(ts));
  }
  return t;
}

void StatsStream::Tick() {
  timer_.Start(kPeriodSeconds);
  if (rendering_ || pub_.handle() == nullptr) return;  // the last round is still on the worker
  rendering_ = true;
  std::weak_ptr<char> alive = alive_;
  procs_.RunText(
      [targets = Collect()](ProcStats& stats) {
        std::string packed;
        for (const auto& [topic, body] : RenderStatsRound(stats, targets)) Append(packed, topic, body);
        return packed;
      },
      [this, alive](std::shared_ptr<const std::string> packed) {
        if (alive.expired()) return;
        rendering_ = false;
        StatsFrames frames;
        size_t at = 0;
        while (at < packed->size()) {
          size_t t_end = packed->find('\0', at);
          size_t b_end = t_end == std::string::npos ? std::string::npos : packed->find('\0', t_end + 1);
          if (b_end == std::string::npos) break;
          frames.emplace_back(packed->substr(at, t_end - at), packed->substr(t_end + 1, b_end - t_end - 1));
          at = b_end + 1;
        }
        Send(frames);
      });
}

void StatsStream::Send(const StatsFrames& frames) {
  ++rounds_;
  for (const auto& [topic, body] : frames) {
    try {
      // PUB never blocks: at the high-water mark a subscriber's message is dropped.
      if (!pub_.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) continue;
      pub_.send(zmq::buffer(body), zmq::send_flags::dontwait);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR && e.num() != EAGAIN) {
        LOG_WARN("stats stream: cannot publish: %s", e.what());
        return;
      }
    }
  }
}

}  // namespace ringmaster
