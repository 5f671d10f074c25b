// The text of one line of the daemon's own log (daemon/log.h): either
// "<local time> [LEVEL] message" or, when stderr/stdout is the systemd
// journal's stream ($JOURNAL_STREAM), "<N>message" with the syslog priority
// and no timestamp (the journal stamps every line itself). Pure; any thread.
#ifndef RINGMASTER_CORE_LOG_LINE_H_
#define RINGMASTER_CORE_LOG_LINE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/config.h"

namespace ringmaster {

enum class LogFormat { kPlain, kJournal };

// debug 7, info 6, warning 4, error 3, critical 2 (syslog(3) priorities).
int SyslogPriority(LogLevel level);
const char* LogLevelName(LogLevel level);  // "INFO", ...

// The line, '\n'-terminated. `stamp` is used by kPlain only. In kJournal
// every line of a multi-line message gets the prefix, so a continuation is
// not logged at the journal's default priority.
std::string FormatLogLine(LogFormat format, LogLevel level, std::string_view stamp,
                          std::string_view message);

// True when `journal_stream` ("DEV:INODE", decimal, as systemd sets it) names
// the file with device `dev` and inode `ino` (from fstat of our fd).
bool JournalStreamMatches(std::string_view journal_stream, uint64_t dev, uint64_t ino);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_LOG_LINE_H_
