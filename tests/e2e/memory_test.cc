// The daemon's private memory (RssAnon) at the mission's size: small per
// process, and back near its idle size after a flood of control reads.
// An empty std::deque in every slot's backoff record once cost ~600 bytes a
// process; a `stats` flood left ~700 KB of scattered samples and caches.
#include <atomic>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

class Memory : public ControlTest {
 protected:
  // RssAnon of the daemon in KiB (0 if it is gone).
  long PrivateKiB() const { return StatusFieldKiB(daemon_->pid(), "RssAnon"); }
};

TEST_F(Memory, PrivateMemoryPerProcessIsSmallAndReturnsAfterAReadFlood) {
  if (kSanitized) GTEST_SKIP() << "ASan's allocator and shadow memory change every figure";
  constexpr int kFew = 10, kMany = 1000;
  StartWith(Sleeper("pool", kFew));
  ASSERT_TRUE(WaitWorkers(kFew)) << daemon_->Log();
  const long few = PrivateKiB();
  nlohmann::json r = Call("incr", {{"name", "pool"}, {"nb", kMany - kFew}, {"waiting", true}}, 120);
  ASSERT_EQ(r["status"], "ok") << r;
  ASSERT_TRUE(WaitWorkers(kMany, 120)) << daemon_->Log();
  const long many = PrivateKiB();
  std::cout << "private memory: " << few << " KiB at " << kFew << " processes, " << many
            << " KiB at " << kMany << "\n";
  // 0.45 KiB a process measured (1.1 KiB with the deque).
  EXPECT_LT((many - few) * 1024 / (kMany - kFew), 800)
      << "private memory " << few << " KiB at " << kFew << " processes, " << many << " KiB at "
      << kMany;

  // 4 clients, each kRounds rounds of the reads that touch every process.
  constexpr int kRounds = 40;
  std::vector<std::thread> clients;
  std::atomic<int> answered{0};
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      ControlClient client(Endpoint());
      for (int i = 0; i < kRounds; ++i) {
        for (const auto& [cmd, props] :
             std::vector<std::pair<std::string, nlohmann::json>>{
                 {"stats", {{"name", "pool"}}},
                 {"status", {{"detail", true}}},
                 {"list", {{"name", "pool"}}},
                 {"dstats", nlohmann::json::object()}}) {
          if (client.Call(cmd, props, 30)) ++answered;
        }
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(answered.load(), 4 * kRounds * 4);
  // Back within 512 KiB of the idle size (the CPU samples of 1,000
  // processes are kept: ~100 KiB); the caches go after 2 s without work.
  long now = 0;
  EXPECT_TRUE(WaitUntil([&] { return (now = PrivateKiB()) - many < 512; }, 30, 0.2))
      << "private memory " << many << " KiB before the flood, " << now << " KiB after";
}

}  // namespace
}  // namespace ringmaster::test
