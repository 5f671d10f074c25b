// The validated configuration: what config_loader produces from a Circus-style
// ini file, and what the daemon acts on. Plain data; no I/O. Field defaults are
// the defaults of docs/config.md. Produced on any thread, then treated as
// immutable (a reload produces a new Config).
#ifndef RINGMASTER_CORE_CONFIG_H_
#define RINGMASTER_CORE_CONFIG_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ringmaster {

// Where a key or section was defined (file may be an included file; line 0 means
// "file-level").
struct SourceLoc {
  std::string file;
  int line = 0;
  bool operator==(const SourceLoc&) const = default;
};

// Restart backoff policy (docs/config.md §10.2).
struct BackoffPolicy {
  bool enabled = true;
  double initial = 1.0;
  double factor = 2.0;
  double max = 60.0;
  double reset = 10.0;
  double jitter = 0.1;
  int burst = 3;        // crashes within `window` respawned at once
  double window = 10.0;
  bool operator==(const BackoffPolicy&) const = default;
};

// Circus's flapping plugin, per watcher (docs/config.md §10.2): the
// flapping.* keys of a watcher section, or [plugin:flapping] defaults.
struct FlappingPolicy {
  bool enabled = false;  // any flapping.* key, or a [plugin:flapping] section
  int attempts = 2;      // crashes past the per-slot burst tolerated within `window`
  double window = 1.0;
  double retry_in = 7.0;
  int max_retry = 5;  // -1: retry for ever
  bool operator==(const FlappingPolicy&) const = default;
};

enum class StreamClass { kNone, kFile, kWatchedFile, kStdout, kTimedRotatingFile, kFancyStdout };

// stdout_stream.* / stderr_stream.* (docs/config.md §6.2).
struct StreamConfig {
  StreamClass cls = StreamClass::kNone;
  std::string filename;
  int64_t max_bytes = 0;
  int backup_count = 0;
  std::string time_format;  // empty: no per-line prefix
  // Every key as written (without the "stdout_stream." prefix), for `options`.
  std::map<std::string, std::string> raw;
  bool operator==(const StreamConfig&) const = default;
};

struct RlimitSetting {
  std::string name;                  // lowercase, e.g. "nofile"
  int resource = 0;                  // RLIMIT_* constant
  std::optional<uint64_t> value;     // nullopt: unlimited
  bool operator==(const RlimitSetting&) const = default;
};

struct WatcherConfig {
  std::string name;  // as configured (case kept)
  SourceLoc loc;     // the first [watcher:NAME] header

  std::string cmd;                        // after passes 1-2; pass 3 happens at spawn
  std::optional<std::string> args;        // after passes 1-2
  int numprocesses = 1;
  double warmup_delay = 0;
  std::optional<std::string> executable;
  std::string working_dir;                // empty: the daemon's cwd
  bool shell = false;
  std::optional<std::string> shell_args;
  std::optional<std::string> uid_spec;    // as written
  std::optional<std::string> gid_spec;
  std::optional<uid_t> uid;               // resolved at load
  std::optional<gid_t> gid;               // resolved (gid key, or uid's primary group)
  bool send_hup = false;
  int stop_signal = 15;                   // SIGTERM
  bool stop_children = false;
  double graceful_timeout = 30;
  int max_retry = 5;
  int priority = 0;
  bool singleton = false;
  bool use_sockets = false;
  bool copy_env = false;
  bool respawn = true;
  bool autostart = true;
  bool close_child_stdin = true;
  bool close_child_stdout = false;
  bool close_child_stderr = false;
  std::vector<RlimitSetting> rlimits;
  StreamConfig stdout_stream;
  StreamConfig stderr_stream;
  int64_t max_age = 0;
  int64_t max_age_variance = 30;
  std::optional<int> ready_fd;
  bool notify_socket = false;
  double ready_timeout = 60;
  BackoffPolicy backoff;
  FlappingPolicy flapping;
  int64_t max_rss = 0;

  // The child environment, steps 1-4 of docs/config.md §8 (NOTIFY_SOCKET is
  // added by the daemon at spawn).
  std::map<std::string, std::string> env;
  // Freeform keys (unknown to ringmaster), kept as strings.
  std::map<std::string, std::string> freeform;
  // hooks.NAME values (stored, never run).
  std::map<std::string, std::string> hooks;
  // Every key that was set explicitly in the file (after first-wins), so that
  // `options` can list extension keys only when set.
  std::map<std::string, std::string> explicit_keys;

  bool operator==(const WatcherConfig&) const = default;
};

enum class SocketFamily { kInet, kInet6, kUnix };
enum class SocketType { kStream, kDgram, kSeqpacket, kRaw, kRdm };

struct SocketConfig {
  std::string name;  // lowercased
  SourceLoc loc;
  std::string host = "localhost";
  int port = 8080;
  SocketFamily family = SocketFamily::kInet;
  SocketType type = SocketType::kStream;
  int backlog = 2048;
  std::string path;  // non-empty: a unix socket
  int umask = 8;     // decimal, as Circus reads it
  bool replace = false;
  bool blocking = false;
  bool so_reuseport = false;
  std::string interface;
  bool operator==(const SocketConfig&) const = default;
};

enum class LogLevel { kCritical, kError, kWarning, kInfo, kDebug };

struct CircusConfig {
  std::string endpoint;         // empty: default ipc://RUNDIR/control.sock
  std::string pubsub_endpoint;  // empty: default ipc://RUNDIR/events.sock
  std::string stats_endpoint;   // empty: default ipc://RUNDIR/stats.sock
  double check_delay = 5.0;
  // Ceiling for any watcher's numprocesses: config, incr, set, add. A bound
  // on what a hostile or mistyped request can make the daemon fork.
  int max_numprocesses = 10000;
  double warmup_delay = 0;
  std::optional<int> umask;
  std::string pidfile;
  LogLevel loglevel = LogLevel::kInfo;
  std::string logoutput = "-";
  bool httpd = false;
  std::string httpd_host = "localhost";
  int httpd_port = 8080;
  // Connection caps of the HTTP endpoint: all clients, and one peer address.
  // Past either a new connection gets 503 with Retry-After.
  int httpd_max_connections = 16384;
  int httpd_max_connections_per_client = 1024;
  // Seconds an idle keep-alive connection is kept, and the time a request
  // has from its first byte to its last (slow clients, slowloris).
  double httpd_keep_alive_timeout = 5;
  double httpd_request_timeout = 10;
  std::string http_token;       // resolved from http_token or http_token_file
  std::string http_token_file;
  bool statsd = false;
  std::string multicast_endpoint;
  std::string endpoint_owner;
};

struct Config {
  std::string main_file;  // as given on the command line, made absolute
  CircusConfig circus;
  // Watchers in start order: priority descending, then name ascending.
  std::vector<WatcherConfig> watchers;
  std::vector<SocketConfig> sockets;  // sorted by name

  const WatcherConfig* FindWatcher(const std::string& name) const;  // case-insensitive
};

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_CONFIG_H_
