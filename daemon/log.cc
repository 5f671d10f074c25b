#include "daemon/log.h"

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <strings.h>

#include "daemon/stdio_writer.h"

namespace ringmaster {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_mu;  // guards g_fd and g_path
int g_fd = STDOUT_FILENO;
std::string g_path;

const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kCritical: return "CRITICAL";
    case LogLevel::kError: return "ERROR";
    case LogLevel::kWarning: return "WARNING";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kDebug: return "DEBUG";
  }
  return "?";
}

}  // namespace

void Log::SetLevel(LogLevel level) { g_level = level; }
LogLevel Log::level() { return g_level; }

bool Log::Enabled(LogLevel level) {
  return static_cast<int>(level) <= static_cast<int>(g_level.load());
}

Status Log::SetOutput(const std::string& output) {
  std::lock_guard<std::mutex> lock(g_mu);
  int fd;
  if (output.empty() || output == "-" || output == "stdout") {
    fd = STDOUT_FILENO;
  } else if (output == "stderr") {
    fd = STDERR_FILENO;
  } else {
    fd = ::open(output.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Status::FromErrno("cannot open log file " + output, errno);
  }
  if (g_fd > STDERR_FILENO) ::close(g_fd);
  g_fd = fd;
  g_path = fd > STDERR_FILENO ? output : "";
  return Status::Ok();
}

void Log::Reopen() {
  std::string path;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    path = g_path;
  }
  if (!path.empty()) SetOutput(path);
}

void Log::Write(LogLevel level, const std::string& message) {
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm local;
  localtime_r(&tv.tv_sec, &local);
  char stamp[64];
  size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
  snprintf(stamp + n, sizeof stamp - n, ".%03d", static_cast<int>(tv.tv_usec / 1000));
  std::string line = std::string(stamp) + " [" + LevelName(level) + "] " + message + "\n";
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_fd == STDOUT_FILENO || g_fd == STDERR_FILENO) {
    // Shared with StdoutStream captures; never blocks (see stdio_writer.h).
    StdioWriter::For(g_fd).Write(line);
    return;
  }
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t w = ::write(g_fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    p += w;
    left -= static_cast<size_t>(w);
  }
}

void Log::Printf(LogLevel level, const char* fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  Write(level, buf);
}

bool ParseLogLevel(const std::string& text, LogLevel* out) {
  static const struct { const char* name; LogLevel level; } kLevels[] = {
      {"critical", LogLevel::kCritical}, {"error", LogLevel::kError},
      {"warning", LogLevel::kWarning},   {"info", LogLevel::kInfo},
      {"debug", LogLevel::kDebug},
  };
  for (const auto& l : kLevels) {
    if (strcasecmp(text.c_str(), l.name) == 0) {
      *out = l.level;
      return true;
    }
  }
  return false;
}

}  // namespace ringmaster
