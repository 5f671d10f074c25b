#include "core/http_request.h"

#include <cctype>

namespace ringmaster {
namespace {

// RFC 9110 §5.6.2 tchar.
bool IsTchar(unsigned char c) {
  if (std::isalnum(c)) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!IsTchar(c)) return false;
  }
  return true;
}

// Field values: visible characters, space, tab, obs-text; no CR, LF or NUL.
bool IsFieldValue(std::string_view s) {
  for (unsigned char c : s) {
    if (c == '\t' || c == ' ' || c >= 0x21) {
      if (c == 0x7f) return false;
      continue;
    }
    return false;
  }
  return true;
}

// The origin-form's characters (RFC 3986 pchar, '/', '?', '%'): visible
// ASCII without space, and no '#'.
bool IsTargetChar(unsigned char c) { return c > 0x20 && c < 0x7f && c != '#'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

HeadResult Error(int status, std::string reason) {
  HeadResult r;
  r.kind = HeadResult::kError;
  r.status = status;
  r.reason = std::move(reason);
  return r;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Does the comma-separated `value` list the token `want` (ASCII case-insensitive)?
bool ListHas(std::string_view value, std::string_view want) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = Trim(value.substr(0, comma));
    if (Lower(item) == want) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

bool ParseQuery(std::string_view q, std::multimap<std::string, std::string>* out) {
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key, value;
      if (!PercentDecode(pair.substr(0, eq), true, &key)) return false;
      if (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), true, &value)) return false;
      out->emplace(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return true;
}

HeadResult ParseRequestLine(std::string_view line, HttpRequest* req) {
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return Error(400, "malformed request line");
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Error(400, "malformed request line");
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method)) return Error(400, "malformed method");
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !std::isdigit(static_cast<unsigned char>(version[5])) ||
      version[6] != '.' || !std::isdigit(static_cast<unsigned char>(version[7]))) {
    return Error(400, "malformed HTTP version");
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return Error(505, "only HTTP/1.0 and HTTP/1.1 are served");
  }
  if (target.empty() || target.front() != '/') return Error(400, "the request target must be a path (origin-form)");
  for (unsigned char c : target) {
    if (!IsTargetChar(c)) return Error(400, "invalid character in the request target");
  }
  req->method = std::string(method);
  req->target = std::string(target);
  req->minor_version = version[7] - '0';
  size_t qmark = target.find('?');
  if (!PercentDecode(target.substr(0, qmark), false, &req->path)) return Error(400, "bad %-escape in the path");
  if (req->path.find('\0') != std::string::npos) return Error(400, "NUL in the path");
  if (qmark != std::string_view::npos && !ParseQuery(target.substr(qmark + 1), &req->query)) {
    return Error(400, "bad %-escape in the query");
  }
  return HeadResult{};
}

}  // namespace

std::string HttpRequest::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

HeadResult ParseRequestHead(std::string_view data, const HttpLimitsIn& limits) {
  // §2.2: a server SHOULD ignore at least one empty line before the request line.
  size_t start = 0;
  while (data.size() - start >= 2 && data[start] == '\r' && data[start + 1] == '\n') start += 2;
  size_t end = data.find("\r\n\r\n", start);
  if (end == std::string_view::npos) {
    if (data.size() > limits.max_head) return Error(431, "the request head is larger than " + std::to_string(limits.max_head) + " bytes");
    // A bare LF line ending, NUL or other control byte makes the head invalid
    // whatever follows: refuse now rather than wait for the timeout.
    for (size_t i = start; i < data.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(data[i]);
      if (c == '\n' && (i == 0 || data[i - 1] != '\r')) return Error(400, "lines must end in CRLF");
      if (c == 0) return Error(400, "NUL in the request head");
    }
    return HeadResult{};
  }
  size_t head_bytes = end + 4;
  if (head_bytes > limits.max_head) return Error(431, "the request head is larger than " + std::to_string(limits.max_head) + " bytes");

  HeadResult r;
  HttpRequest& req = r.request;
  std::string_view head = data.substr(start, end - start);
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  if (line.find('\n') != std::string_view::npos || line.find('\r') != std::string_view::npos) {
    return Error(400, "lines must end in CRLF");
  }
  HeadResult rl = ParseRequestLine(line, &req);
  if (rl.kind == HeadResult::kError) return rl;

  bool has_length = false;
  std::string_view rest = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2);
  while (!rest.empty()) {
    size_t next = rest.find("\r\n");
    std::string_view field = rest.substr(0, next);
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 2);
    if (field.find('\n') != std::string_view::npos || field.find('\r') != std::string_view::npos) {
      return Error(400, "lines must end in CRLF");
    }
    if (field.empty()) return Error(400, "empty header line");
    if (field.front() == ' ' || field.front() == '\t') return Error(400, "obsolete line folding is not accepted");
    size_t colon = field.find(':');
    if (colon == std::string_view::npos) return Error(400, "header line without a colon");
    std::string_view name = field.substr(0, colon);
    if (!IsToken(name)) return Error(400, "malformed header name");
    std::string_view value = Trim(field.substr(colon + 1));
    if (!IsFieldValue(value)) return Error(400, "invalid character in header " + std::string(name));
    std::string lname = Lower(name);
    if (lname == "transfer-encoding") return Error(501, "Transfer-Encoding in a request is not supported; send Content-Length");
    if (lname == "content-length") {
      if (value.empty() || value.size() > 18) return Error(400, "malformed Content-Length");
      size_t n = 0;
      for (unsigned char c : value) {
        if (!std::isdigit(c)) return Error(400, "malformed Content-Length");
        n = n * 10 + (c - '0');
      }
      if (has_length && n != req.content_length) return Error(400, "conflicting Content-Length headers");
      has_length = true;
      req.content_length = n;
    }
    req.headers.emplace(std::move(lname), std::string(value));
  }
  if (req.minor_version == 1 && !req.HasHeader("host")) return Error(400, "HTTP/1.1 request without a Host header");
  if (req.content_length > limits.max_body) {
    return Error(413, "the request body is larger than " + std::to_string(limits.max_body) + " bytes");
  }
  std::string connection;
  for (auto [it, e] = req.headers.equal_range("connection"); it != e; ++it) connection += it->second + ",";
  if (req.minor_version == 1) {
    req.keep_alive = !ListHas(connection, "close");
  } else {
    req.keep_alive = ListHas(connection, "keep-alive");
  }
  r.kind = HeadResult::kComplete;
  r.head_bytes = head_bytes;
  return r;
}

}  // namespace ringmaster
