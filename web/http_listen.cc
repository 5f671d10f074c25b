#include "web/http_listen.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "web/problem.h"

namespace ringmaster {

HttpPeer PeerOf(const sockaddr* sa) {
  HttpPeer peer;
  char buf[INET6_ADDRSTRLEN] = "";
  if (sa->sa_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
    peer.port = ntohs(in->sin_port);
  } else if (sa->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
    peer.port = ntohs(in6->sin6_port);
  }
  peer.address = buf;
  return peer;
}

std::string ReplyHead(int status, const std::string& content_type,
                      const std::vector<std::pair<std::string, std::string>>& headers, const ReplyFraming& framing,
                      bool close, int minor_version) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + ReasonPhrase(status) + "\r\n";
  if (!content_type.empty()) head += "Content-Type: " + content_type + "\r\n";
  for (const auto& [k, v] : headers) head += k + ": " + v + "\r\n";
  if (framing.kind == ReplyFraming::kLength) {
    head += "Content-Length: " + std::to_string(framing.length) + "\r\n";
  } else if (framing.chunked) {
    head += "Transfer-Encoding: chunked\r\n";
  }
  if (close) {
    head += "Connection: close\r\n";
  } else if (minor_version == 0) {
    head += "Connection: keep-alive\r\n";
  }
  return head + "\r\n";
}

Status BindHttpListener(const std::string& host, int port, int backlog, int* fd_out, int* bound_port) {
  std::string where = host + ":" + (port == 0 ? std::string("(any port)") : std::to_string(port));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  int gai = getaddrinfo(host.empty() ? nullptr : host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (gai != 0) return Status::Error("httpd: cannot bind " + where + ": " + gai_strerror(gai) + "; check httpd_host");
  int fd = -1;
  std::string why;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
      why = strerror(errno);
      continue;
    }
    // SO_REUSEADDR allows a restart while old connections sit in TIME_WAIT.
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0) break;
    why = strerror(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) return Status::Error("httpd: cannot bind " + where + ": " + why + "; check httpd_host and httpd_port");
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  *bound_port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                            : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  *fd_out = fd;
  return Status::Ok();
}

}  // namespace ringmaster
