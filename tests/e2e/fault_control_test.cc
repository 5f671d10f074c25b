// Fault injection on the control plane: a flood of requests from many
// clients with one that never reads, and a storm of SIGHUP reloads while the
// config file flips between good and broken.
#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tests/e2e/fault_e2e.h"

namespace ringmaster::test {
namespace {

class ControlFaults : public FaultTest {
 protected:
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

// 50 clients send 200 requests each (10,000 in all), pipelined 20 at a time;
// one of them never reads a reply.
TEST_F(ControlFaults, TenThousandRequestsFromFiftyClientsWithOneThatNeverReads) {
  StartWith(Sleeper("sleeper", 2));
  ASSERT_TRUE(WaitWorkers(2));
  const std::vector<nlohmann::json> requests = {
      {{"command", "status"}},
      {{"command", "status"}, {"properties", {{"name", "sleeper"}, {"detail", true}}}},
      {{"command", "list"}, {"properties", {{"name", "sleeper"}}}},
      {{"command", "numprocesses"}},
      {{"command", "numwatchers"}},
      {{"command", "options"}, {"properties", {{"name", "sleeper"}}}},
      {{"command", "get"}, {"properties", {{"name", "sleeper"}, {"keys", {"cmd", "numprocesses"}}}}},
      {{"command", "globaloptions"}},
      {{"command", "stats"}, {"properties", {{"name", "sleeper"}}}},
  };
  constexpr int kClients = 50, kPerClient = 200, kWindow = 20;
  zmq::context_t ctx(2);
  std::mutex bad_mu;
  std::string bad_reply;  // the first reply that was not "ok"
  // One client's whole run: returns the replies it got (the mute one: 0).
  auto run_client = [&](int c, bool mute) {
    zmq::socket_t s(ctx, zmq::socket_type::dealer);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::sndtimeo, 30000);
    if (mute) s.set(zmq::sockopt::rcvhwm, 1);
    s.connect(Endpoint());
    std::set<std::string> pending;
    int answered = 0;
    for (int sent = 0; sent < kPerClient;) {
      for (int w = 0; w < kWindow && sent < kPerClient; ++w, ++sent) {
        nlohmann::json req = requests[(c + sent) % requests.size()];
        req["id"] = std::to_string(c) + "-" + std::to_string(sent);
        if (!s.send(zmq::buffer(req.dump()), zmq::send_flags::none)) return -1;
        pending.insert(req["id"].get<std::string>());
      }
      if (mute) continue;
      zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
      while (!pending.empty()) {
        if (zmq::poll(&item, 1, std::chrono::milliseconds(30000)) == 0) return answered;
        zmq::message_t m;
        if (!s.recv(m, zmq::recv_flags::dontwait)) continue;
        auto reply = nlohmann::json::parse(m.to_string(), nullptr, false);
        // (`status NAME` answers with the watcher state in "status".)
        if (!reply.is_object() || reply["status"] == "error") {
          std::lock_guard<std::mutex> lock(bad_mu);
          bad_reply = m.to_string();
          return answered;
        }
        if (pending.erase(reply.value("id", "")) == 1) ++answered;
      }
    }
    return answered;
  };

  // Warm-up: one round from a few clients, then the baseline.
  for (int c = 0; c < 3; ++c) ASSERT_EQ(run_client(c, false), kPerClient) << bad_reply;
  const long base = SettledRss();
  ASSERT_GT(base, 0);

  std::atomic<long> peak{base};
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    while (!done) {
      peak = std::max(peak.load(), RssAnonKiB());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  std::vector<int> answered(kClients, 0);
  std::vector<std::thread> threads;
  const auto t0 = std::chrono::steady_clock::now();
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] { answered[c] = run_client(c, c == 0); });
  }
  for (auto& t : threads) t.join();
  const double took = SecondsSince(t0);
  done = true;
  sampler.join();
  for (int c = 1; c < kClients; ++c) {
    EXPECT_EQ(answered[c], kPerClient) << "client " << c << " was not fully answered: " << bad_reply;
  }
  ASSERT_TRUE(StatusAnswers());
  const long end = SettledRss();
  // 50 connections' libzmq state plus at most 200 queued replies for the
  // mute client (its socket is closed by now).
  EXPECT_LT(peak - base, 8 * 1024) << "RssAnon " << base << " -> peak " << peak << " KiB";
  EXPECT_LE(end - base, 2048) << "RssAnon " << base << " -> " << end << " KiB after the flood";
  RecordProperty("seconds", std::to_string(took));
  RecordProperty("rss_anon_kib_peak_growth", std::to_string(peak - base));
}

// 100 SIGHUPs within a second while the file flips between two good configs
// and a broken one. Every reload is applied or refused whole; the daemon ends
// on the last good file (written last, with its own SIGHUP) and never crashes.
TEST_F(ControlFaults, SighupStormEndsOnTheLastGoodFile) {
  struct Good {
    std::map<std::string, int> watchers;
  };
  const std::vector<Good> good = {{{{"a", 1}, {"b", 2}}}, {{{"a", 2}, {"c", 1}}}};
  auto render = [&](const Good& g) {
    std::string text = CircusSection();
    for (const auto& [name, n] : g.watchers) text += Sleeper(name, n);
    return text;
  };
  const std::string broken = CircusSection() + "[watcher:a]\ncmd = " + Worker() +
                             "\nnumprocesses = three\n";
  const std::string config = WriteConfig(render(good[0]));
  StartDaemon(config);
  client_ = std::make_unique<ControlClient>(Endpoint());
  ASSERT_TRUE(WaitUntil([&] { return StatusAnswers(0.5); }, 15)) << daemon_->Log();
  ASSERT_TRUE(WaitWorkers(3));

  // Status is asked all through the storm, from its own client.
  std::atomic<bool> storming{true};
  std::atomic<int> unanswered{0}, answered{0};
  std::thread prober([&] {
    ControlClient probe(Endpoint());
    while (storming) {
      if (probe.Call("status", {}, 5)) {
        ++answered;
      } else {
        ++unanswered;
      }
    }
  });
  const auto t0 = std::chrono::steady_clock::now();
  const Good* last_good = &good[0];
  for (int i = 0; i < 100; ++i) {
    if (i % 2 == 0) {
      ASSERT_TRUE(WriteFile(config, broken));
    } else {
      last_good = &good[(i / 2) % 2];
      ASSERT_TRUE(WriteFile(config, render(*last_good)));
    }
    ASSERT_TRUE(daemon_->Signal(SIGHUP));
    std::this_thread::sleep_until(t0 + std::chrono::milliseconds(10 * (i + 1)));
  }
  const double storm = SecondsSince(t0);
  // The end state: exactly the last good file's watchers and counts.
  std::string why;
  const bool settled = WaitUntil([&] {
    auto list = client_->Call("list", {}, 5);
    if (!list) return why = "no reply to list", false;
    std::set<std::string> names;
    for (const auto& n : (*list)["watchers"]) names.insert(n.get<std::string>());
    std::set<std::string> want;
    size_t total = 0;
    for (const auto& [name, n] : last_good->watchers) want.insert(name), total += n;
    if (names != want) return why = "watchers " + (*list)["watchers"].dump(), false;
    for (const auto& [name, n] : last_good->watchers) {
      auto r = client_->Call("numprocesses", {{"name", name}}, 5);
      if (!r || (*r)["numprocesses"] != n) {
        return why = name + ": " + (r ? r->dump() : std::string("no reply")), false;
      }
    }
    if (LiveWorkers().size() != total) return why = std::to_string(LiveWorkers().size()) + " live", false;
    return true;
  }, 60, 0.2);
  storming = false;
  prober.join();
  ASSERT_TRUE(daemon_->running()) << "the daemon died in the storm\n" << daemon_->Log();
  EXPECT_TRUE(settled) << why << "\n" << daemon_->Log().substr(0, 8000);
  EXPECT_LT(storm, 2.0);
  EXPECT_EQ(unanswered, 0) << "status went unanswered during the storm";
  EXPECT_GT(answered, 0);
  EXPECT_GE(CountInLog("reload refused"), 1u);
  EXPECT_EQ(daemon_->Stop(20), 0);
}

}  // namespace
}  // namespace ringmaster::test
