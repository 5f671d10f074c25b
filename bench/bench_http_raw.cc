#include "bench_http_raw.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "bench_util.h"

namespace bench {

namespace {

constexpr size_t kMaxHead = 64 * 1024;  // a longer head is garbage, not a slow reply

sockaddr_in Loopback(const char* ip, int port) {
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

bool HeaderIs(std::string_view line, const char* name, std::string_view* value) {
  const size_t n = strlen(name);
  if (line.size() <= n || line[n] != ':' || strncasecmp(line.data(), name, n) != 0) return false;
  std::string_view v = line.substr(n + 1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  *value = v;
  return true;
}

bool Contains(std::string_view haystack, const char* needle) {
  const size_t n = strlen(needle);
  for (size_t i = 0; i + n <= haystack.size(); ++i) {
    if (strncasecmp(haystack.data() + i, needle, n) == 0) return true;
  }
  return false;
}

// The chunked body starting at `at`: its end and decoded size.
Parse ParseChunked(std::string_view buf, size_t at, Reply* r) {
  size_t total = 0;
  for (;;) {
    const size_t eol = buf.find("\r\n", at);
    if (eol == std::string_view::npos) return Parse::kIncomplete;
    const std::string size_line(buf.substr(at, eol - at));
    char* end = nullptr;
    const unsigned long long size = strtoull(size_line.c_str(), &end, 16);
    if (end == size_line.c_str() || (*end && *end != ';' && *end != ' ')) return Parse::kBad;
    at = eol + 2;
    if (size == 0) break;
    if (buf.size() < at + size + 2) return Parse::kIncomplete;
    if (buf.substr(at + size, 2) != "\r\n") return Parse::kBad;
    at += size + 2;
    total += size;
  }
  for (;;) {  // trailer lines up to the empty one
    const size_t eol = buf.find("\r\n", at);
    if (eol == std::string_view::npos) return Parse::kIncomplete;
    const bool last = eol == at;
    at = eol + 2;
    if (last) break;
  }
  r->end = at;
  r->body = total;
  return Parse::kDone;
}

}  // namespace

int ConnectLoopback(const char* source, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (source) {
    // The port is then chosen at connect() among those free for this
    // 4-tuple, not among those free on the address for any peer.
    int one = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in src = Loopback(source, 0);
    if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
      const int err = errno;
      close(fd);
      errno = err;
      return -1;
    }
  }
  sockaddr_in dst = Loopback("127.0.0.1", port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0 && errno != EINPROGRESS) {
    const int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

int ConnectError(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

std::string SourceAddress(int i, int per_address) { return Fmt("127.0.0.%d", 2 + i / per_address); }

std::string GetRequest(const std::string& path, const std::string& extra_headers, bool close) {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers +
         (close ? "Connection: close\r\n" : "") + "\r\n";
}

Parse ParseReply(std::string_view buf, bool eof, Reply* out) {
  const size_t head_end = buf.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    return buf.size() > kMaxHead ? Parse::kBad : Parse::kIncomplete;
  }
  const std::string_view head = buf.substr(0, head_end);
  // "HTTP/1.1 200 OK"
  if (head.size() < 12 || head.substr(0, 5) != "HTTP/" || head[8] != ' ') return Parse::kBad;
  Reply r;
  for (size_t i = 9; i < 12; ++i) {
    if (head[i] < '0' || head[i] > '9') return Parse::kBad;
    r.status = r.status * 10 + (head[i] - '0');
  }
  r.close = head.substr(5, 3) == "1.0";
  long long length = -1;
  bool chunked = false;
  for (size_t at = head.find("\r\n"); at != std::string_view::npos && at < head.size();) {
    const size_t next = head.find("\r\n", at + 2);
    const std::string_view line =
        head.substr(at + 2, (next == std::string_view::npos ? head.size() : next) - at - 2);
    std::string_view v;
    if (HeaderIs(line, "Content-Length", &v)) {
      length = strtoll(std::string(v).c_str(), nullptr, 10);
    } else if (HeaderIs(line, "Transfer-Encoding", &v)) {
      chunked = Contains(v, "chunked");
    } else if (HeaderIs(line, "Connection", &v)) {
      if (Contains(v, "close")) r.close = true;
      if (Contains(v, "keep-alive")) r.close = false;
    }
    at = next;
  }
  const size_t body_at = head_end + 4;
  Parse state = Parse::kDone;
  if (r.status < 200 || r.status == 204 || r.status == 304) {
    r.end = body_at;
  } else if (chunked) {
    state = ParseChunked(buf, body_at, &r);
  } else if (length >= 0) {
    if (buf.size() < body_at + static_cast<size_t>(length)) return Parse::kIncomplete;
    r.end = body_at + static_cast<size_t>(length);
    r.body = static_cast<size_t>(length);
  } else {  // delimited by the close
    if (!eof) return Parse::kIncomplete;
    r.end = buf.size();
    r.body = buf.size() - body_at;
    r.close = true;
  }
  if (state == Parse::kDone) *out = r;
  return state;
}

OneShot GetFresh(int port, const std::string& request, int64_t deadline) {
  OneShot r;
  const int64_t t0 = NowNs();
  int fd = ConnectLoopback(nullptr, port);
  if (fd < 0) {
    r.error = Fmt("connect: %s", strerror(errno));
    return r;
  }
  bool connected = false, eof = false;
  size_t sent = 0;
  std::string in;
  for (;;) {
    const int64_t left = deadline - NowNs();
    if (left <= 0) {
      r.timed_out = true;
      r.error = !connected              ? "no connection"
                : sent < request.size() ? "request not sent"
                : in.empty()            ? "no reply"
                                        : "reply incomplete";
      break;
    }
    const bool reading = connected && sent == request.size();
    pollfd p = {fd, static_cast<short>(reading ? POLLIN : POLLOUT), 0};
    const int n = poll(&p, 1, static_cast<int>((left + kNsPerMs - 1) / kNsPerMs));
    if (n < 0 && errno == EINTR && !g_interrupted) continue;
    if (n < 0) {
      r.error = g_interrupted ? "interrupted" : Fmt("poll: %s", strerror(errno));
      break;
    }
    if (n == 0) continue;
    if (!connected) {
      if (int err = ConnectError(fd)) {
        r.error = Fmt("connect: %s", strerror(err));
        break;
      }
      connected = true;
    }
    if (sent < request.size()) {
      const ssize_t w = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (w < 0 && errno != EAGAIN && errno != EINTR) {
        r.error = Fmt("send: %s", strerror(errno));
        break;
      }
      if (w > 0) sent += static_cast<size_t>(w);
      continue;
    }
    char buf[16384];
    const ssize_t k = read(fd, buf, sizeof buf);
    if (k < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (k < 0) {
      r.error = Fmt("read: %s", strerror(errno));
      break;
    }
    if (k == 0) eof = true;
    in.append(buf, static_cast<size_t>(k));
    Reply reply;
    const Parse state = ParseReply(in, eof, &reply);
    if (state == Parse::kDone) {
      r.status = reply.status;
      break;
    }
    if (state == Parse::kBad) {
      r.error = "unparsable reply";
      break;
    }
    if (eof) {
      r.error = in.empty() ? "closed without a reply" : "closed mid-reply";
      break;
    }
  }
  r.ms = static_cast<double>(NowNs() - t0) / kNsPerMs;
  close(fd);
  return r;
}

}  // namespace bench
