#include "bench_control_rt.h"

#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "bench_util.h"

namespace bench {

using nlohmann::json;

EchoServer* g_echo = nullptr;
zmq::context_t* g_client_ctx = nullptr;
std::set<pid_t> g_echo_tids;

// ---------------------------------------------------------------------------
// Baseline: a minimal ROUTER that answers every request with kEchoReply.

void EchoServer::Start() {
  // The thread must not take SIGINT/SIGALRM (the main thread handles them).
  thread_ = StartQuietThread([this] { Run(); });
  int64_t deadline = NowNs() + 10 * kNsPerSec;
  while (state_.load() == 0) {
    CheckInterrupted();
    if (NowNs() >= deadline) Fail("baseline server: not bound after 10 s");
    usleep(1000);  // setup only
  }
  if (state_.load() < 0) Fail("baseline server: " + error_);
}

void EchoServer::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void EchoServer::Run() {
  try {
    zmq::socket_t router(ctx_, zmq::socket_type::router);
    router.set(zmq::sockopt::linger, 0);
    router.set(zmq::sockopt::maxmsgsize, int64_t{16} << 20);  // as the daemon
    router.set(zmq::sockopt::rcvtimeo, 100);                  // to notice Stop()
    router.bind(endpoint_);
    state_.store(1);
    const std::string_view reply(kEchoReply);
    while (!stop_.load(std::memory_order_relaxed)) {
      zmq::message_t identity;
      if (!router.recv(identity)) continue;  // timeout: check stop_
      bool more = identity.more();
      size_t frames = 0;
      while (more) {  // body (and any further frames): only counted
        zmq::message_t part;
        if (!router.recv(part)) break;
        more = part.more();
        ++frames;
      }
      if (frames == 0) continue;
      router.send(identity, zmq::send_flags::sndmore);
      router.send(zmq::buffer(reply), zmq::send_flags::none);
    }
  } catch (const std::exception& e) {
    error_ = e.what();
    state_.store(-1);
  }
}

// ---------------------------------------------------------------------------
// The client loop, identical for the daemon and the baseline.

zmq::socket_t Connect(const std::string& endpoint) {
  zmq::socket_t s(*g_client_ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::rcvtimeo, kRecvSliceMs);
  s.set(zmq::sockopt::sndtimeo, kReplyTimeoutMs);
  s.connect(endpoint);
  return s;
}

int64_t RoundTrip(zmq::socket_t& sock, const std::string& request, zmq::message_t* reply,
                  const char* who) {
  const int64_t t0 = NowNs();
  for (;;) {
    try {
      if (!sock.send(zmq::buffer(request), zmq::send_flags::none)) {
        Fail(Fmt("%s: send timed out after %d ms", who, kReplyTimeoutMs));
      }
      break;
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) Fail(Fmt("%s: send: %s", who, e.what()));
      CheckInterrupted();
    }
  }
  for (;;) {
    try {
      if (!sock.recv(*reply)) {  // kRecvSliceMs passed: is the other side still there?
        CheckInterrupted();
        CheckDaemon();
        if (NowNs() - t0 < kReplyTimeoutMs * kNsPerMs) continue;
        std::string echo_error = g_echo ? g_echo->error() : "";
        Fail(Fmt("%s: no reply within %d ms to %.200s%s%s", who, kReplyTimeoutMs, request.c_str(),
                 echo_error.empty() ? "" : "; baseline server: ", echo_error.c_str()));
      }
      if (reply->more()) continue;  // a DEALER reply has one frame; keep the last
      break;
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) Fail(Fmt("%s: recv: %s", who, e.what()));
      CheckInterrupted();
    }
  }
  return NowNs() - t0;
}

json ParseReply(const zmq::message_t& reply, const char* who) {
  json j = json::parse(reply.to_string_view(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    Fail(Fmt("%s: reply is not a JSON object: %.200s", who, reply.to_string().c_str()));
  }
  return j;
}

std::string RequestBody(const char* id_prefix, int k, const char* command, const json& props) {
  json j = {{"id", Fmt("%s-%d", id_prefix, k)}, {"command", command}, {"properties", props}};
  return j.dump();
}

void CheckId(const json& j, const char* id_prefix, int k, const char* who) {
  std::string want = Fmt("%s-%d", id_prefix, k);
  if (!j.contains("id") || j["id"] != want) {
    Fail(Fmt("%s: reply id %s, expected \"%s\"", who, j.value("id", json()).dump().c_str(),
             want.c_str()));
  }
}

void RunBlock(Series& s, zmq::socket_t& sock, int first, int count, bool record) {
  // The server's CPU: all of ringmasterd, or the baseline server's threads.
  auto server_cpu = [&s]() {
    return s.daemon ? SchedOf(g.daemon_pid) : SchedOf(getpid(), g_echo_tids);
  };
  Sched cpu0 = record ? server_cpu() : Sched{};
  zmq::message_t reply;
  for (int k = first; k < first + count; ++k) {
    std::string body = s.request(k);
    int64_t ns = RoundTrip(sock, body, &reply, s.label.c_str());
    s.check(k, reply);
    if (record) {
      s.us.push_back(static_cast<double>(ns) / kNsPerUs);
      s.reply_bytes = reply.size();
    }
  }
  if (record) {
    Sched cpu1 = server_cpu();
    if (cpu0.ns < 0 || cpu1.ns < 0) {
      s.cpu_ok = false;
    } else {
      s.server_cpu_ns += cpu1.ns - cpu0.ns;
      s.server_slices += cpu1.slices - cpu0.slices;
    }
  }
}

std::vector<Series> MakeSeries(int n) {
  const std::string expect_echo = kEchoReply;
  std::vector<Series> series(5);
  Series& base = series[0];
  base.key = "baseline";
  base.label = "baseline ROUTER echo";
  base.daemon = false;
  // The same bytes as a `status` request, so the request side is identical.
  base.request = [](int k) { return RequestBody("st", k, "status", json::object()); };
  base.check = [expect_echo](int, const zmq::message_t& r) {
    if (r.to_string_view() != expect_echo) Fail("baseline: unexpected reply " + r.to_string());
  };

  Series& st = series[1];
  st.key = "status";
  st.label = "status";
  st.request = [](int k) { return RequestBody("st", k, "status", json::object()); };
  st.check = [](int k, const zmq::message_t& r) {
    json j = ParseReply(r, "status");
    CheckId(j, "st", k, "status");
    if (j.value("status", "") != "ok" || !j.contains("statuses") ||
        j["statuses"].value("bench", "") != "active") {
      Fail("status: unexpected reply " + r.to_string().substr(0, 300));
    }
  };

  Series& ls = series[2];
  ls.key = "list";
  ls.label = "list bench";
  ls.request = [](int k) { return RequestBody("ls", k, "list", {{"name", "bench"}}); };
  ls.check = [n](int k, const zmq::message_t& r) {
    json j = ParseReply(r, "list bench");
    CheckId(j, "ls", k, "list bench");
    if (!j.contains("pids") || !j["pids"].is_array() || static_cast<int>(j["pids"].size()) != n) {
      Fail(Fmt("list bench: reply without %d pids: %.300s", n, r.to_string().c_str()));
    }
  };

  Series& det = series[3];
  det.key = "status_detail";
  det.label = "status detail";
  det.request = [](int k) { return RequestBody("sd", k, "status", {{"detail", true}}); };
  det.check = [n](int k, const zmq::message_t& r) {
    json j = ParseReply(r, "status detail");
    CheckId(j, "sd", k, "status detail");
    const json* d =
        j.contains("details") && j["details"].contains("bench") ? &j["details"]["bench"] : nullptr;
    if (!d || d->value("running", -1) != n || !d->contains("processes") ||
        static_cast<int>((*d)["processes"].size()) != n) {
      Fail(Fmt("status detail: reply without %d processes: %.300s", n, r.to_string().c_str()));
    }
  };

  Series& sts = series[4];
  sts.key = "stats";
  sts.label = "stats bench";
  sts.request = [](int k) { return RequestBody("sx", k, "stats", {{"name", "bench"}}); };
  sts.check = [n](int k, const zmq::message_t& r) {
    json j = ParseReply(r, "stats bench");
    CheckId(j, "sx", k, "stats bench");
    if (!j.contains("info") || !j["info"].is_object() || static_cast<int>(j["info"].size()) != n) {
      Fail(Fmt("stats bench: reply without %d entries: %.300s", n, r.to_string().c_str()));
    }
    for (const auto& [pid, info] : j["info"].items()) {
      if (!info.is_object()) Fail("stats bench: pid " + pid + " has " + info.dump());
    }
  };
  return series;
}

}  // namespace bench
