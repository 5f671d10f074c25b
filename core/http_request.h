// A strict parser of HTTP/1.x request heads (RFC 9112 §2-§6) for ringmasterd's
// HTTP endpoint. It accepts the subset the endpoint serves and refuses the
// rest with the status the RFC names, so nothing ambiguous reaches a handler:
// * the request line is `METHOD SP origin-form SP HTTP/1.0|1.1`; empty lines
//   before it are skipped (§2.2); anything else is 400 (505 for a version);
// * lines end in CRLF; header names are tokens with no space before the
//   colon; obsolete line folding is refused (400);
// * a request body has a Content-Length (one value, digits only);
//   Transfer-Encoding in a request is refused (501), so there is no way to
//   disagree about where a request ends (request smuggling);
// * HTTP/1.1 needs a Host header (400);
// * the head is at most `max_head` bytes (431) and the body at most
//   `max_body` (413).
// The path is percent-decoded; the query is split into decoded key/value
// pairs ('+' is a space there). Pure; any thread.
#ifndef RINGMASTER_CORE_HTTP_REQUEST_H_
#define RINGMASTER_CORE_HTTP_REQUEST_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace ringmaster {

struct HttpRequest {
  std::string method;  // as sent (methods are case-sensitive)
  std::string target;  // the raw request target
  std::string path;    // decoded
  std::multimap<std::string, std::string> query;
  std::multimap<std::string, std::string> headers;  // names lowercased
  std::string body;
  int minor_version = 1;  // HTTP/1.x
  bool keep_alive = true;
  size_t content_length = 0;

  // The first value of header `name` (lowercase), or "".
  std::string Header(const std::string& name) const;
  bool HasHeader(const std::string& name) const { return headers.count(name) > 0; }
};

struct HttpLimitsIn {
  size_t max_head = 16 * 1024;
  size_t max_body = 64 * 1024;
};

struct HeadResult {
  enum Kind { kIncomplete, kComplete, kError } kind = kIncomplete;
  size_t head_bytes = 0;  // kComplete: bytes of the head, final CRLFCRLF included
  int status = 0;         // kError: 400, 413, 431, 501 or 505
  std::string reason;     // kError: what was wrong, for the reply
  HttpRequest request;    // kComplete (body empty: the caller reads content_length more bytes)
};

// Parses the head at the start of `data`. kIncomplete: more bytes needed
// (and fewer than max_head seen so far).
HeadResult ParseRequestHead(std::string_view data, const HttpLimitsIn& limits);

// %XX-decoding; `plus_is_space` for query components. False on a bad escape.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_HTTP_REQUEST_H_
