// The daemon's own log: "<local time> [LEVEL] message" lines to stdout or a file
// (logoutput); "<N>message" lines when stdout/stderr is the systemd journal's
// stream (core/log_line.h). Loop thread and HTTP threads may both log; each line is written
// whole under a lock, so lines never interleave. To stdout/stderr the write
// never blocks (StdioWriter: bounded buffer, then drops).
#ifndef RINGMASTER_DAEMON_LOG_H_
#define RINGMASTER_DAEMON_LOG_H_

#include <string>

#include "core/config.h"
#include "core/status.h"

namespace ringmaster {

class Log {
 public:
  static void SetLevel(LogLevel level);
  static LogLevel level();
  // "-" or "stdout": standard output; "stderr"; otherwise a file opened in append mode.
  static Status SetOutput(const std::string& output);
  static void Reopen();  // SIGHUP: reopen the log file (logrotate)
  static bool Enabled(LogLevel level);
  static void Write(LogLevel level, const std::string& message);
  static void Printf(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
};

#define RM_LOG(level, ...)                                             \
  do {                                                                 \
    if (::ringmaster::Log::Enabled(level)) ::ringmaster::Log::Printf(level, __VA_ARGS__); \
  } while (0)
#define LOG_DEBUG(...) RM_LOG(::ringmaster::LogLevel::kDebug, __VA_ARGS__)
#define LOG_INFO(...) RM_LOG(::ringmaster::LogLevel::kInfo, __VA_ARGS__)
#define LOG_WARN(...) RM_LOG(::ringmaster::LogLevel::kWarning, __VA_ARGS__)
#define LOG_ERROR(...) RM_LOG(::ringmaster::LogLevel::kError, __VA_ARGS__)

// Parses critical|error|warning|info|debug, case-insensitive.
bool ParseLogLevel(const std::string& text, LogLevel* out);

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_LOG_H_
