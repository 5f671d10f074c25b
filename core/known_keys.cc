#include "core/known_keys.h"

#include <sys/resource.h>

#include <algorithm>

#include "core/config_values.h"

namespace ringmaster {
namespace {

constexpr KeySupport kNow = KeySupport::kNow;
constexpr KeySupport kLater = KeySupport::kLater;
constexpr KeySupport kIgnored = KeySupport::kIgnored;

constexpr std::string_view kFamilies[] = {"stdout_stream", "stderr_stream", "hooks"};

struct RlimitName {
  std::string_view name;
  int resource;
};

const RlimitName kRlimits[] = {
    {"as", RLIMIT_AS},           {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},       {"fsize", RLIMIT_FSIZE},       {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},   {"nproc", RLIMIT_NPROC},       {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},   {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};

}  // namespace

const std::vector<KnownKey>& CircusKeys() {
  static const std::vector<KnownKey> kKeys = {
      {"endpoint", kNow},
      {"pubsub_endpoint", kNow},
      {"check_delay", kNow},
      {"max_numprocesses", kNow},
      {"warmup_delay", kNow},
      {"umask", kNow},
      {"pidfile", kNow},
      {"loglevel", kNow},
      {"logoutput", kNow},
      {"include", kNow},
      {"include_dir", kNow},
      {"httpd", kNow},
      {"httpd_host", kNow},
      {"httpd_port", kNow},
      {"httpd_max_connections", kNow},
      {"httpd_max_connections_per_client", kNow},
      {"httpd_keep_alive_timeout", kNow},
      {"httpd_request_timeout", kNow},
      {"http_token", kNow},
      {"http_token_file", kNow},
      {"statsd", kNow},
      {"stats_endpoint", kNow},
      {"endpoint_owner", kLater},
      {"multicast_endpoint", kLater},
      {"loggerconfig", kIgnored},
      {"debug", kIgnored},
      {"debug_gc", kIgnored},
      {"fqdn_prefix", kIgnored},
      {"statsd_close_outputs", kIgnored},
      {"httpd_close_outputs", kIgnored},
      {"stream_backend", kIgnored},
      {"ssh_server", kIgnored},
  };
  return kKeys;
}

const std::vector<KnownKey>& SocketKeys() {
  static const std::vector<KnownKey> kKeys = {
      {"host", kNow},    {"port", kNow},     {"family", kNow},         {"type", kNow},
      {"proto", kLater}, {"backlog", kNow},  {"path", kNow},           {"umask", kNow},
      {"replace", kNow}, {"blocking", kNow}, {"so_reuseport", kLater}, {"interface", kLater},
  };
  return kKeys;
}

const std::vector<KnownKey>& WatcherKeys() {
  static const std::vector<KnownKey> kKeys = {
      {"cmd", kNow},
      {"args", kNow},
      {"numprocesses", kNow},
      {"warmup_delay", kNow},
      {"executable", kNow},
      {"working_dir", kNow},
      {"shell", kNow},
      {"shell_args", kNow},
      {"uid", kNow},
      {"gid", kNow},
      {"send_hup", kNow},
      {"stop_signal", kNow},
      {"stop_children", kNow},
      {"graceful_timeout", kNow},
      {"max_retry", kNow},
      {"priority", kNow},
      {"singleton", kNow},
      {"use_sockets", kNow},
      {"copy_env", kNow},
      {"respawn", kNow},
      {"autostart", kNow},
      {"close_child_stdin", kNow},
      {"close_child_stdout", kNow},
      {"close_child_stderr", kNow},
      {"max_age", kNow},
      {"max_age_variance", kNow},
      {"on_demand", kLater},
      {"stdin_socket", kLater},
      {"virtualenv", kLater},
      {"virtualenv_py_ver", kLater},
      {"copy_path", kIgnored},
      {"check_flapping", kIgnored},
      {"env", kIgnored},
      {"ready_fd", kNow},
      {"notify_socket", kNow},
      {"ready_timeout", kNow},
      {"backoff", kNow},
      {"backoff_initial", kNow},
      {"backoff_factor", kNow},
      {"backoff_max", kNow},
      {"backoff_reset", kNow},
      {"backoff_jitter", kNow},
      {"backoff_burst", kNow},
      {"backoff_window", kNow},
      {"max_rss", kNow},
  };
  return kKeys;
}

const KnownKey* FindKey(const std::vector<KnownKey>& table, std::string_view name) {
  for (const KnownKey& k : table) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::optional<std::string> DidYouMean(std::string_view key, const std::vector<KnownKey>& table) {
  const std::string lower = ToLower(key);
  for (const KnownKey& k : table) {
    if (lower == k.name) return std::string(k.name);
  }
  if (&table == &WatcherKeys()) {
    // Family members: a case slip (RLIMIT_NOFILE) or a misspelled prefix
    // (stdout_steam.class).
    if (lower.rfind("rlimit_", 0) == 0 && key.rfind("rlimit_", 0) != 0) return lower;
    const size_t dot = key.find('.');
    if (dot != std::string_view::npos) {
      const std::string_view prefix = key.substr(0, dot);
      for (std::string_view family : kFamilies) {
        if (prefix != family && EditDistance(ToLower(prefix), family) <= 2) {
          return std::string(family) + std::string(key.substr(dot));
        }
      }
    }
  }
  const KnownKey* best = nullptr;
  size_t best_distance = 3;
  for (const KnownKey& k : table) {
    const size_t d = EditDistance(lower, k.name);
    if (d < best_distance) {
      best = &k;
      best_distance = d;
    }
  }
  if (best == nullptr) return std::nullopt;
  return std::string(best->name);
}

bool IsHookName(std::string_view name) {
  static constexpr std::string_view kHooks[] = {
      "before_start", "after_start", "before_spawn",   "after_spawn",
      "before_stop",  "after_stop",  "before_signal",  "after_signal",
      "before_reap",  "after_reap",  "extended_stats",
  };
  return std::find(std::begin(kHooks), std::end(kHooks), name) != std::end(kHooks);
}

std::optional<int> RlimitResource(std::string_view lower_name) {
  for (const RlimitName& r : kRlimits) {
    if (r.name == lower_name) return r.resource;
  }
  return std::nullopt;
}

bool IsWatcherOptionName(std::string_view name) {
  static constexpr std::string_view kExtra[] = {"rlimits", "use_fds", "hooks"};
  if (std::find(std::begin(kExtra), std::end(kExtra), name) != std::end(kExtra)) return true;
  return name != "env" && FindKey(WatcherKeys(), name) != nullptr;
}

}  // namespace ringmaster
