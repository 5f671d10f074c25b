// The fixture of the HTTP e2e tests: ringmasterd with httpd on a free
// loopback port, and an httplib client with token helpers.
#ifndef RINGMASTER_TESTS_E2E_HTTP_E2E_H_
#define RINGMASTER_TESTS_E2E_HTTP_E2E_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/e2e_util.h"

namespace ringmaster::test {

using nlohmann::json;

// A TCP connection to 127.0.0.1:port (-1 on failure).
// `from`: the local address to connect from (another 127.x.y.z is another
// client as far as the per-client cap goes).
inline int ConnectLoopback(int port, const char* from = nullptr) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (from) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, from, &local.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      close(fd);
      return -1;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Everything the server sends until it closes (or `seconds` pass).
inline std::string ReadAll(int fd, int seconds) {
  timeval tv{seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

// One response: the head, then Content-Length bytes of body.
inline std::string ReadOneResponse(int fd, int seconds) {
  timeval tv{seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char c;
  while (out.find("\r\n\r\n") == std::string::npos && read(fd, &c, 1) == 1) out += c;
  size_t at = out.find("Content-Length: ");
  size_t length = at == std::string::npos ? 0 : std::stoul(out.substr(at + 16));
  for (size_t i = 0; i < length && read(fd, &c, 1) == 1; ++i) out += c;
  return out;
}

class HttpTest : public E2ETest {
 protected:
  // The config of a daemon with httpd on port_; `token` empty: none.
  std::string HttpConfig(const std::string& watchers, const std::string& token) {
    std::string extra = "httpd = true\nhttpd_host = 127.0.0.1\nhttpd_port = " + std::to_string(port_) + "\n";
    if (!token.empty()) extra += "http_token = " + token + "\n";
    extra += extra_circus_;
    return CircusSection(extra) + watchers;
  }
  // Starts the daemon with httpd on a free port; `token` empty: none.
  void StartHttp(const std::string& watchers, const std::string& token = "secret") {
    port_ = FreePort();
    token_ = token;
    StartDaemon(WriteConfig(HttpConfig(watchers, token)));
    ASSERT_TRUE(daemon_->WaitForLog("httpd listening on", 10)) << daemon_->Log();
  }
  std::string Sleeper(const std::string& name, int n, const std::string& extra = "") {
    return "[watcher:" + name + "]\ncmd = " + Worker() + "\nnumprocesses = " + std::to_string(n) +
           "\n" + extra + "\n";
  }
  std::unique_ptr<httplib::Client> Client() {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_read_timeout(20, 0);
    c->set_connection_timeout(5, 0);
    return c;
  }
  httplib::Headers Auth(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }
  httplib::Headers Auth() { return Auth(token_); }
  // GET with the token; the response must exist.
  httplib::Result Get(const std::string& path, httplib::Headers headers) {
    auto r = Client()->Get(path, headers);
    EXPECT_TRUE(r) << "GET " << path << ": " << httplib::to_string(r.error());
    return r;
  }
  httplib::Result Post(const std::string& path, const std::string& body = "",
                       httplib::Headers headers = {}) {
    if (headers.empty()) headers = Auth();
    auto r = Client()->Post(path, headers, body, "application/json");
    EXPECT_TRUE(r) << "POST " << path << ": " << httplib::to_string(r.error());
    return r;
  }
  static json Body(const httplib::Result& r) { return json::parse(r->body, nullptr, false); }
  static void ExpectProblem(const httplib::Result& r, int status) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/problem+json");
    json p = Body(r);
    EXPECT_EQ(p["status"], status);
    EXPECT_TRUE(p["title"].is_string());
    EXPECT_TRUE(p["type"].is_string());
    EXPECT_TRUE(p["detail"].is_string() && !p["detail"].get<std::string>().empty()) << r->body;
  }
  json Watcher(const std::string& name) {
    auto r = Get("/api/watchers/" + name, Auth());
    return r && r->status == 200 ? Body(r) : json();
  }

  int port_ = 0;
  std::string token_;
  std::string extra_circus_;  // more [circus] lines, set before StartHttp
};

}  // namespace ringmaster::test

#endif  // RINGMASTER_TESTS_E2E_HTTP_E2E_H_
