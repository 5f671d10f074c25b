// [socket:*] sockets held by the daemon and inherited by workers: listsockets,
// and no refused or failed connection while the workers are replaced.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {
namespace {

class Sockets : public ControlTest {
 protected:
  std::string HttpWorkers(int port, int n) {
    return "[socket:web]\nhost = 127.0.0.1\nport = " + std::to_string(port) +
           "\n[watcher:web]\ncmd = " + std::string(RINGMASTER_BUILD_DIR) +
           "/examples/http_worker --fd $(circus.sockets.web) --ready-fd $(circus.ready_fd)"
           " --work-ms 5\nready_fd = 3\nnumprocesses = " + std::to_string(n) +
           "\ngraceful_timeout = 10\nclose_child_stdout = true\n";
  }
};

// One HTTP/1.0-style request; true on a complete 200 response.
bool Get(int port, std::string* error) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
    *error = std::string("connect: ") + strerror(errno);
    close(fd);
    return false;
  }
  const char req[] = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  if (write(fd, req, sizeof req - 1) != static_cast<ssize_t>(sizeof req - 1)) {
    *error = "write failed";
    close(fd);
    return false;
  }
  std::string resp;
  char buf[1024];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) resp.append(buf, static_cast<size_t>(n));
  close(fd);
  if (resp.rfind("HTTP/1.1 200", 0) != 0 || resp.find("hello from") == std::string::npos) {
    *error = "bad response: '" + resp.substr(0, 80) + "'";
    return false;
  }
  return true;
}

TEST_F(Sockets, ListsocketsReportsTheBoundAddress) {
  int port = FreePort();
  StartWith(HttpWorkers(port, 1));
  nlohmann::json r = Call("listsockets");
  ASSERT_EQ(r["sockets"].size(), 1u) << r;
  EXPECT_EQ(r["sockets"][0]["name"], "web");
  EXPECT_EQ(r["sockets"][0]["host"], "127.0.0.1");
  EXPECT_EQ(r["sockets"][0]["port"], port);
  EXPECT_EQ(r["sockets"][0]["backlog"], 2048);
  EXPECT_GE(r["sockets"][0]["fd"].get<int>(), 10);
  std::string err;
  EXPECT_TRUE(WaitUntil([&] { return Get(port, &err); }, 10)) << err;
}

TEST_F(Sockets, NoRequestFailsDuringRepeatedRollingRestarts) {
  int port = FreePort();
  StartWith(HttpWorkers(port, 3));
  ASSERT_TRUE(WaitUntil([&] { return Call("status", {{"name", "web"}})["status"] == "active"; }, 15));
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::string first_error;
  std::thread client([&] {
    while (!stop) {
      std::string err;
      if (Get(port, &err)) {
        ++ok;
      } else if (failed++ == 0) {
        first_error = err;
      }
    }
  });
  std::vector<nlohmann::json> replies;
  for (int i = 0; i < 5; ++i) {
    replies.push_back(Call("restart", {{"name", "web"}, {"graceful", true}, {"max_surge", 1}, {"waiting", true}}, 60));
    replies.push_back(Call("reload", {{"name", "web"}, {"waiting", true}}, 60));
    replies.push_back(Call("restart", {{"name", "web"}, {"sequential", true}, {"max_unavailable", 2}, {"waiting", true}}, 60));
  }
  stop = true;
  client.join();
  for (const auto& r : replies) EXPECT_EQ(r["status"], "ok") << r;
  EXPECT_EQ(failed.load(), 0) << "first failure: " << first_error;
  EXPECT_GT(ok.load(), 20);
}

}  // namespace
}  // namespace ringmaster::test
