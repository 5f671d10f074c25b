#include "core/log_line.h"

#include <charconv>

namespace ringmaster {

int SyslogPriority(LogLevel level) {
  switch (level) {
    case LogLevel::kCritical: return 2;
    case LogLevel::kError: return 3;
    case LogLevel::kWarning: return 4;
    case LogLevel::kInfo: return 6;
    case LogLevel::kDebug: return 7;
  }
  return 6;
}

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kCritical: return "CRITICAL";
    case LogLevel::kError: return "ERROR";
    case LogLevel::kWarning: return "WARNING";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kDebug: return "DEBUG";
  }
  return "?";
}

std::string FormatLogLine(LogFormat format, LogLevel level, std::string_view stamp,
                          std::string_view message) {
  std::string line;
  if (format == LogFormat::kPlain) {
    line.reserve(stamp.size() + message.size() + 16);
    line.append(stamp).append(" [").append(LogLevelName(level)).append("] ").append(message);
    line += '\n';
    return line;
  }
  const std::string prefix = "<" + std::to_string(SyslogPriority(level)) + ">";
  line.reserve(prefix.size() + message.size() + 1);
  size_t start = 0;
  for (;;) {
    size_t nl = message.find('\n', start);
    line.append(prefix).append(message.substr(start, nl - start));
    line += '\n';
    if (nl == std::string_view::npos || nl + 1 == message.size()) break;
    start = nl + 1;
  }
  return line;
}

bool JournalStreamMatches(std::string_view journal_stream, uint64_t dev, uint64_t ino) {
  size_t colon = journal_stream.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == journal_stream.size()) {
    return false;
  }
  auto number = [](std::string_view text, uint64_t* out) {
    const char* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, *out);
    return ec == std::errc() && p == end;
  };
  uint64_t d = 0, i = 0;
  return number(journal_stream.substr(0, colon), &d) &&
         number(journal_stream.substr(colon + 1), &i) && d == dev && i == ino;
}

}  // namespace ringmaster
