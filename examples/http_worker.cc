// http_worker: an example pre-fork HTTP worker run by ringmaster. It serves on a
// listening socket inherited from the daemon ([socket:NAME], passed with
// --fd $(circus.sockets.NAME)), one connection at a time:
//   GET /  ->  200 "hello from <pid>\n"   (Connection: close after each response)
// Several workers share the socket; the kernel hands each connection to one.
// Graceful stop: SIGTERM/SIGINT/SIGHUP make it stop accepting at once, finish
// the request in flight, and exit 0. Connections it did not accept stay in the
// kernel queue of the socket, which the daemon and the other workers still hold,
// so a rolling restart refuses no connection.
// The listening socket's O_NONBLOCK flag is shared with the daemon and every
// worker (one open file description), so it is never changed here: the worker
// polls, and treats EAGAIN from accept as "another worker took it".
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <string>

#include "examples/readiness.h"
#include "examples/spool_util.h"

namespace ringmaster::http_worker {
namespace {

using spool::NowNs;
using spool::ParseInt;

constexpr int64_t kMs = 1'000'000;
constexpr size_t kMaxHeader = 8192;
constexpr int kIoTimeoutSec = 5;          // a slow client cannot hold a worker forever
constexpr int64_t kLingerNs = 500 * kMs;  // drain after the response, then close

constexpr char kUsage[] =
    "usage: http_worker --fd N [--ready-fd M] [--work-ms K]\n"
    "  --fd N        the inherited listening socket, e.g. --fd $(circus.sockets.web)\n"
    "  --ready-fd M  write \"\\n\" there once accepting (ringmaster ready_fd)\n"
    "  --work-ms K   simulated work per request\n";

volatile sig_atomic_t g_stop = 0;
int g_listen_fd = -1;
int g_dead_fd = -1;  // /dev/null

// Stops accepting from inside the handler: the listening fd is replaced by
// /dev/null, so a poll() or accept() entered after the flag check (the classic
// lost-wakeup race) returns at once instead of waiting for the next client.
// Only this process's fd is replaced; the daemon's socket is untouched.
void OnStop(int) {
  const int saved = errno;
  g_stop = 1;
  dup2(g_dead_fd, g_listen_fd);
  errno = saved;
}

void InstallHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnStop;
  sa.sa_flags = SA_RESTART;  // reads and writes of the request in flight go on
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

bool IsListeningSocket(int fd) {
  int on = 0;
  socklen_t len = sizeof(on);
  return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on != 0;
}

bool SendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

std::string Response(int code, const char* reason, const std::string& body,
                     const std::string& extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(code) + " " + reason +
         "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n" + extra_headers + "\r\n" + body;
}

// Reads up to the end of the headers. False on EOF, timeout or an oversized head.
bool ReadHead(int fd, std::string* head) {
  char buf[2048];
  while (head->find("\r\n\r\n") == std::string::npos) {
    if (head->size() > kMaxHeader) return false;
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    head->append(buf, static_cast<size_t>(n));
  }
  return true;
}

// Sleeps `ms` even if signals arrive: the request in flight is finished.
void Work(int64_t ms) {
  if (ms <= 0) return;
  const int64_t deadline = NowNs() + ms * kMs;
  while (!spool::SleepUntil(deadline)) {
  }
}

// Half-closes, then reads until the client closes (briefly): closing a socket
// with unread input sends RST, which can destroy the response in flight.
void LingeringClose(int fd) {
  shutdown(fd, SHUT_WR);
  const int64_t deadline = NowNs() + kLingerNs;
  char buf[1024];
  for (int64_t left = kLingerNs; left > 0; left = deadline - NowNs()) {
    pollfd p{fd, POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(left / kMs) + 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
  }
  close(fd);
}

void Serve(int fd, int64_t work_ms) {
  const timeval tv{kIoTimeoutSec, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  std::string head;
  if (!ReadHead(fd, &head)) {
    if (head.size() > kMaxHeader) SendAll(fd, Response(431, "Request Header Fields Too Large", ""));
    LingeringClose(fd);
    return;
  }
  // Request line: METHOD SP TARGET SP VERSION.
  const std::string line = head.substr(0, head.find("\r\n"));
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
  std::string reply;
  if (sp2 == std::string::npos || line.compare(sp2 + 1, 5, "HTTP/") != 0) {
    reply = Response(400, "Bad Request", "bad request\n");
  } else if (line.compare(0, sp1, "GET") != 0) {
    reply = Response(405, "Method Not Allowed", "only GET is served\n", "Allow: GET\r\n");
  } else if (line.substr(sp1 + 1, sp2 - sp1 - 1) != "/") {
    reply = Response(404, "Not Found", "not found\n");
  } else {
    Work(work_ms);
    reply = Response(200, "OK", "hello from " + std::to_string(getpid()) + "\n");
  }
  SendAll(fd, reply);
  LingeringClose(fd);
}

struct Options {
  int fd = -1;
  int ready_fd = -1;
  int64_t work_ms = 0;
};

bool ParseOptions(int argc, char** argv, Options* out, std::string* error) {
  std::map<std::string, std::string> flags;
  if (!spool::ParseFlags(argc, argv, {"fd", "ready-fd", "work-ms"}, {}, &flags, error)) {
    return false;
  }
  int64_t v = 0;
  if (!flags.count("fd")) {
    *error = "--fd is required";
    return false;
  }
  if (!ParseInt(flags["fd"], 0, 1 << 20, &v)) {
    *error = "--fd must be a file descriptor number";
    return false;
  }
  out->fd = static_cast<int>(v);
  if (flags.count("ready-fd")) {
    if (!ParseInt(flags["ready-fd"], 3, 1 << 20, &v)) {
      *error = "--ready-fd must be a file descriptor number >= 3";
      return false;
    }
    out->ready_fd = static_cast<int>(v);
  }
  if (flags.count("work-ms")) {
    if (!ParseInt(flags["work-ms"], 0, 3'600'000, &v)) {
      *error = "--work-ms must be 0..3600000";
      return false;
    }
    out->work_ms = v;
  }
  return true;
}

int Run(const Options& o) {
  if (!IsListeningSocket(o.fd)) {
    std::fprintf(stderr,
                 "http_worker: --fd %d is not a listening socket; pass it with "
                 "--fd $(circus.sockets.NAME) from a [socket:NAME] section\n",
                 o.fd);
    return 2;
  }
  g_listen_fd = o.fd;
  g_dead_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (g_dead_fd < 0) {
    std::fprintf(stderr, "http_worker: cannot open /dev/null: %s\n", std::strerror(errno));
    return 1;
  }
  InstallHandlers();
  const std::string tag = "http_worker[" + std::to_string(getpid()) + "]";
  if (o.ready_fd >= 0) spool::SignalReadyFd(o.ready_fd, tag);
  std::fprintf(stderr, "%s: serving on fd %d\n", tag.c_str(), o.fd);

  uint64_t served = 0;
  while (!g_stop) {
    pollfd p{g_listen_fd, POLLIN, 0};
    if (poll(&p, 1, -1) < 0) continue;  // EINTR: look at the flag again
    if (g_stop) break;
    const int conn = accept4(g_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) {
      if (g_stop) break;
      switch (errno) {
        case EAGAIN:  // another worker took it
        case EINTR:
        case ECONNABORTED:
        case EPROTO:
          continue;
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
          // Resource pressure: back off, the connection waits in the queue.
          spool::SleepUntil(NowNs() + 10 * kMs);
          continue;
        default:
          std::fprintf(stderr, "%s: accept: %s\n", tag.c_str(), std::strerror(errno));
          return 1;
      }
    }
    Serve(conn, o.work_ms);
    ++served;
  }
  std::fprintf(stderr, "%s: stopping after %llu request(s)\n", tag.c_str(),
               static_cast<unsigned long long>(served));
  return 0;
}

}  // namespace
}  // namespace ringmaster::http_worker

int main(int argc, char** argv) {
  using namespace ringmaster::http_worker;
  Options options;
  std::string error;
  if (!ParseOptions(argc, argv, &options, &error)) {
    std::fprintf(stderr, "http_worker: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  return Run(options);
}
