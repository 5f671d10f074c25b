// The HTTP endpoint's wire pieces: peer addresses, reply heads, and the
// listening socket: host:port resolved (numeric port,
// any family), SO_REUSEADDR but never SO_REUSEPORT (another process must not
// share the port and its requests), non-blocking and close-on-exec.
#ifndef RINGMASTER_WEB_HTTP_LISTEN_H_
#define RINGMASTER_WEB_HTTP_LISTEN_H_

#include <sys/socket.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace ringmaster {

struct HttpPeer {
  std::string address;  // numeric, without the port
  int port = 0;
};

// The numeric address and port of an accepted peer (IPv4 or IPv6).
HttpPeer PeerOf(const sockaddr* sa);

// How a reply's body is delimited.
struct ReplyFraming {
  enum Kind { kLength, kStream } kind = kLength;
  bool chunked = false;  // kStream: chunked (HTTP/1.1) or until the close (1.0)
  size_t length = 0;     // kLength: the Content-Length
};

// "HTTP/1.1 STATUS REASON", Content-Type, `headers`, the framing and the
// Connection header the client's version needs, then the empty line.
std::string ReplyHead(int status, const std::string& content_type,
                      const std::vector<std::pair<std::string, std::string>>& headers, const ReplyFraming& framing,
                      bool close, int minor_version);

// Binds and listens; *fd is the socket, *bound_port the port it got (port 0:
// a free one). The error names the address and the system's reason.
Status BindHttpListener(const std::string& host, int port, int backlog, int* fd, int* bound_port);

}  // namespace ringmaster

#endif  // RINGMASTER_WEB_HTTP_LISTEN_H_
