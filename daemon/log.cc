#include "daemon/log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <strings.h>

#include "core/log_line.h"
#include "daemon/stdio_writer.h"

namespace ringmaster {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_mu;  // guards g_fd, g_path and g_format
int g_fd = STDOUT_FILENO;
std::string g_path;
LogFormat g_format = LogFormat::kPlain;

// systemd sets JOURNAL_STREAM to the device:inode of the stream it connected
// to stdout/stderr; checking it against the fd we write tells a redirected
// stream (a file, a pipe to something else) from the journal's.
LogFormat FormatFor(int fd) {
  const char* stream = getenv("JOURNAL_STREAM");
  struct stat st;
  if (stream == nullptr || fstat(fd, &st) != 0) return LogFormat::kPlain;
  return JournalStreamMatches(stream, static_cast<uint64_t>(st.st_dev),
                              static_cast<uint64_t>(st.st_ino))
             ? LogFormat::kJournal
             : LogFormat::kPlain;
}

void EmitLine(const std::string& line) {
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
  g_format = fd > STDERR_FILENO ? LogFormat::kPlain : FormatFor(fd);
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
  LogFormat format;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    format = g_format;
  }
  if (format == LogFormat::kJournal) {
    // The journal stamps each line itself.
    EmitLine(FormatLogLine(format, level, "", message));
    return;
  }
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm local;
  localtime_r(&tv.tv_sec, &local);
  char stamp[64];
  size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
  snprintf(stamp + n, sizeof stamp - n, ".%03d", static_cast<int>(tv.tv_usec / 1000));
  EmitLine(FormatLogLine(format, level, stamp, message));
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
