#include "core/config_values.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace ringmaster {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string FormatNumber(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

// Digits only, no sign; false on overflow or no digits.
bool ParseDigits(std::string_view text, uint64_t* out) {
  if (text.empty()) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (!IsDigit(c)) return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

// [+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?
bool LooksLikeNumber(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && IsDigit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

Status CheckBounds(double v, std::string_view text, const Bounds& b) {
  const bool low = b.lo_open ? v <= b.lo : v < b.lo;
  if (!low && v <= b.hi) return Status::Ok();
  const std::string got = ", not " + std::string(text);
  if (std::isinf(b.hi)) {
    return Status::Error((b.lo_open ? "must be greater than " : "must be at least ") +
                         FormatNumber(b.lo) + got);
  }
  if (std::isinf(b.lo)) return Status::Error("must be at most " + FormatNumber(b.hi) + got);
  return Status::Error("must be between " + FormatNumber(b.lo) + " and " + FormatNumber(b.hi) +
                       got);
}

// Parses "tcp://HOST:PORT"-style authority; `scheme` includes "://".
Status CheckHostPort(std::string_view rest, std::string_view whole, bool allow_star) {
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::Error(Quoted(whole) + " has no HOST:PORT");
  }
  const std::string_view port = rest.substr(colon + 1);
  if (allow_star && port == "*") return Status::Ok();
  uint64_t p = 0;
  if (!ParseDigits(port, &p) || p > 65535) {
    return Status::Error(Quoted(whole) + ": the port must be a number between 0 and 65535");
  }
  return Status::Ok();
}

struct SignalName {
  const char* name;
  int number;
};

const SignalName kSignals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},     {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},   {"IOT", SIGIOT},   {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL},   {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},   {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CLD", SIGCHLD},  {"CONT", SIGCONT},
    {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
    {"URG", SIGURG},       {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},     {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"POLL", SIGPOLL},
    {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

}  // namespace

std::string_view Trim(std::string_view text) {
  size_t b = 0, e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  return text.substr(b, e - b);
}

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ToLower(a) == ToLower(b);
}

std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

Result<bool> ParseBool(std::string_view text) {
  const std::string v = ToLower(Trim(text));
  if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
  if (v == "false" || v == "no" || v == "off" || v == "0") return false;
  return Status::Error(Quoted(Trim(text)) + " is not a boolean (use true or false)");
}

Result<int64_t> ParseInt(std::string_view text, int64_t lo, int64_t hi) {
  const std::string_view t = Trim(text);
  std::string_view digits = t;
  const bool negative = !digits.empty() && digits[0] == '-';
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
  uint64_t magnitude = 0;
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), IsDigit)) {
    return Status::Error(Quoted(t) + " is not an integer");
  }
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (!ParseDigits(digits, &magnitude) || magnitude > limit) {
    return Status::Error(Quoted(t) + " is out of range");
  }
  const int64_t v =
      negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  if (v < lo || v > hi) {
    const std::string got = ", not " + std::string(t);
    // "between" only for small ranges such as ports; else name the bound that was passed.
    const bool small =
        lo > std::numeric_limits<int32_t>::min() && hi < std::numeric_limits<int32_t>::max();
    if (small) {
      return Status::Error("must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                           got);
    }
    if (v < lo) return Status::Error("must be at least " + std::to_string(lo) + got);
    return Status::Error("must be at most " + std::to_string(hi) + got);
  }
  return v;
}

Result<double> ParseNumber(std::string_view text, Bounds bounds) {
  const std::string t(Trim(text));
  if (!LooksLikeNumber(t)) return Status::Error(Quoted(t) + " is not a number");
  errno = 0;
  const double v = std::strtod(t.c_str(), nullptr);
  if (!std::isfinite(v)) return Status::Error(Quoted(t) + " is out of range");
  Status s = CheckBounds(v, t, bounds);
  if (!s.ok()) return s;
  return v;
}

Result<double> ParseDuration(std::string_view text, Bounds bounds) {
  const std::string t(Trim(text));
  if (!LooksLikeNumber(t)) return Status::Error(Quoted(t) + " is not a duration in seconds");
  return ParseNumber(t, bounds);
}

Result<int> ParseOctal(std::string_view text, int max) {
  std::string_view t = Trim(text);
  const std::string_view whole = t;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'o' || t[1] == 'O')) t.remove_prefix(2);
  if (t.empty() || t.find_first_not_of("01234567") != std::string_view::npos || t.size() > 11) {
    return Status::Error(Quoted(whole) + " is not an octal number");
  }
  const long v = std::strtol(std::string(t).c_str(), nullptr, 8);
  if (v > max) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "0%o", static_cast<unsigned>(max));
    return Status::Error("must be at most " + std::string(buf) + ", not " + std::string(whole));
  }
  return static_cast<int>(v);
}

Result<int> ParseSignal(std::string_view text) {
  const std::string_view t = Trim(text);
  const Status bad = Status::Error(Quoted(t) + " is not a signal");
  int number = 0;
  if (!t.empty() && IsDigit(t[0])) {
    uint64_t n = 0;
    if (!ParseDigits(t, &n) || n > 1024) return bad;
    number = static_cast<int>(n);
  } else {
    std::string name = ToLower(t);
    int offset = 0;
    const size_t plus = name.find('+');
    if (plus != std::string::npos) {
      uint64_t n = 0;
      if (!ParseDigits(std::string_view(name).substr(plus + 1), &n) || n > 1024) return bad;
      offset = static_cast<int>(n);
      name.resize(plus);
    }
    if (name.rfind("sig", 0) == 0) name.erase(0, 3);
    int base = 0;
    if (name == "rtmin") base = SIGRTMIN;
    if (name == "rtmax") base = SIGRTMAX;
    for (const SignalName& s : kSignals) {
      if (name == ToLower(s.name)) base = s.number;
    }
    if (base == 0) return bad;
    number = base + offset;
  }
  if (number < 1 || number > SIGRTMAX) return bad;
  return number;
}

Result<int64_t> ParseSize(std::string_view text) {
  const std::string_view t = Trim(text);
  const Status bad = Status::Error(Quoted(t) + " is not a size (use bytes, or K, M, G, T)");
  size_t i = 0;
  while (i < t.size() && IsDigit(t[i])) ++i;
  uint64_t n = 0;
  if (!ParseDigits(t.substr(0, i), &n)) return bad;
  std::string suffix = ToLower(Trim(t.substr(i)));
  int shift = 0;
  if (!suffix.empty()) {
    const size_t unit = std::string_view("kmgt").find(suffix[0]);
    if (unit != std::string_view::npos) {
      shift = 10 * static_cast<int>(unit + 1);
      suffix.erase(0, 1);
      if (suffix == "ib") suffix = "b";
    }
    if (!suffix.empty() && suffix != "b") return bad;
  }
  if (shift > 0 && n > (uint64_t{1} << (63 - shift)) - 1) {
    return Status::Error(Quoted(t) + " is out of range");
  }
  if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Status::Error(Quoted(t) + " is out of range");
  }
  return static_cast<int64_t>(n << shift);
}

Result<std::string> ParseEndpoint(std::string_view text) {
  const std::string_view t = Trim(text);
  if (t.rfind("tcp://", 0) == 0) {
    Status s = CheckHostPort(t.substr(6), t, true);
    if (!s.ok()) return s;
    return std::string(t);
  }
  if (t.rfind("ipc://", 0) == 0) {
    if (t.size() == 6) return Status::Error(Quoted(t) + " has no path");
    return std::string(t);
  }
  return Status::Error(Quoted(t) + ": unknown endpoint scheme (use tcp://HOST:PORT or ipc://PATH)");
}

Result<std::string> ParseMulticastEndpoint(std::string_view text) {
  const std::string_view t = Trim(text);
  if (t.empty()) return std::string();
  if (t.rfind("udp://", 0) != 0) {
    return Status::Error(Quoted(t) + ": unknown endpoint scheme (use udp://GROUP:PORT)");
  }
  Status s = CheckHostPort(t.substr(6), t, false);
  if (!s.ok()) return s;
  return std::string(t);
}

Result<LogLevel> ParseLoglevel(std::string_view text) {
  const std::string v = ToLower(Trim(text));
  if (v == "critical") return LogLevel::kCritical;
  if (v == "error") return LogLevel::kError;
  if (v == "warning") return LogLevel::kWarning;
  if (v == "info") return LogLevel::kInfo;
  if (v == "debug") return LogLevel::kDebug;
  return Status::Error("unknown loglevel " + Quoted(Trim(text)) +
                       " (use critical, error, warning, info or debug)");
}

Result<SocketFamily> ParseSocketFamily(std::string_view text) {
  const std::string_view v = Trim(text);
  if (v == "AF_INET") return SocketFamily::kInet;
  if (v == "AF_INET6") return SocketFamily::kInet6;
  if (v == "AF_UNIX") return SocketFamily::kUnix;
  return Status::Error("unknown socket family " + Quoted(v) +
                       " (use AF_INET, AF_INET6 or AF_UNIX)");
}

Result<SocketType> ParseSocketType(std::string_view text) {
  const std::string_view v = Trim(text);
  if (v == "SOCK_STREAM") return SocketType::kStream;
  if (v == "SOCK_DGRAM") return SocketType::kDgram;
  if (v == "SOCK_SEQPACKET") return SocketType::kSeqpacket;
  if (v == "SOCK_RAW") return SocketType::kRaw;
  if (v == "SOCK_RDM") return SocketType::kRdm;
  return Status::Error("unknown socket type " + Quoted(v) +
                       " (use SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW or SOCK_RDM)");
}

bool IsDottedName(std::string_view text) {
  bool start = true;  // at the start of an identifier
  int dots = 0;
  for (char c : text) {
    const bool alpha = std::isalpha(static_cast<unsigned char>(c)) || c == '_';
    if (c == '.') {
      if (start) return false;
      start = true;
      ++dots;
    } else if (alpha || (!start && IsDigit(c))) {
      start = false;
    } else {
      return false;
    }
  }
  return !start && dots > 0;
}

bool IsLoopbackHost(std::string_view host) {
  std::string h(Trim(host));
  if (EqualsIgnoreCase(h, "localhost")) return true;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace ringmaster
