// The handover state: what a running ringmasterd hands to the image that
// replaces it (in-place upgrade, README "In-place upgrade"), and what a state
// file for adoption after a crash can hold as well. Pure data and its
// versioned encoding; the fds it names are numbers only (the daemon keeps
// them open across exec). Monotonic times are CLOCK_MONOTONIC seconds, valid
// on the same boot only (`boot_id` says which). Any thread.
#ifndef RINGMASTER_CORE_HANDOVER_STATE_H_
#define RINGMASTER_CORE_HANDOVER_STATE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ringmaster {

// Version 1: processes, fds and endpoints. Version 2 adds the slots' backoff
// and the flapping counters (a version 1 blob reads with them empty).
inline constexpr int kHandoverVersion = 2;
inline constexpr int kHandoverOldestVersion = 1;
inline constexpr char kHandoverFormat[] = "ringmaster-handover";

struct BuildInfo {
  std::string version;   // RINGMASTER_VERSION
  std::string build_id;  // the ELF build-id note, hex ("" when absent)
  bool operator==(const BuildInfo&) const = default;
};

struct HandoverProcess {
  int pid = 0;
  int wid = 0;
  uint64_t serial = 0;
  std::string state;         // ToString(ProcState): "starting" or "ready"
  double started = 0;        // epoch s
  double started_mono = 0;   // monotonic s
  double ready_at = 0;       // epoch s; 0 until ready
  bool became_ready = false;
  double rotate_at = 0;      // monotonic max_age deadline; 0: none
  double ready_deadline = 0;  // monotonic ready_timeout deadline; 0: none
  std::string status_text;   // last NOTIFY_SOCKET STATUS=
  int stdout_fd = -1;        // read end of the captured pipe; -1: none
  int stderr_fd = -1;
  int ready_fd = -1;         // read end of the readiness pipe; -1: none
  bool operator==(const HandoverProcess&) const = default;
};

// One slot's respawn backoff (version 2).
struct HandoverSlot {
  int wid = 0;
  int failures = 0;
  int spawn_failures = 0;
  int past_burst = 0;
  std::vector<double> recent;  // monotonic s
  double delay = 0;            // of a pending respawn
  double next_spawn = 0;       // epoch s of a pending respawn; 0: none
  bool operator==(const HandoverSlot&) const = default;
};

// The flapping detector and its pending retry (version 2).
struct HandoverFlap {
  std::vector<double> crashes;  // monotonic s
  int tries = 0;
  double retry_started = -1;    // monotonic s; -1: none
  bool pending = false;         // a retry is due at next_retry
  bool gave_up = false;
  double next_retry = 0;        // epoch s
  bool operator==(const HandoverFlap&) const = default;
};

struct HandoverWatcher {
  std::string name;
  std::string state;  // ToString(WatcherState)
  int desired = 0;
  int restarts = 0;
  std::vector<HandoverProcess> processes;
  std::vector<HandoverSlot> slots;
  std::map<int, std::string> given_up;  // wid -> spawn error
  HandoverFlap flap;
  bool operator==(const HandoverWatcher&) const = default;
};

struct HandoverSocket {
  std::string name;  // lowercase [socket:NAME]
  int fd = -1;
  bool operator==(const HandoverSocket&) const = default;
};

// A control request whose reply the new image sends (`upgrade` with waiting).
struct HandoverReply {
  std::string identity;  // the ZeroMQ routing id of the client
  bool envelope = false;
  std::string id_json;   // the request's "id", as JSON text
  bool operator==(const HandoverReply&) const = default;
};

struct HandoverState {
  int version = kHandoverVersion;
  int pid = 0;            // the daemon's pid (the same after exec)
  std::string boot_id;    // /proc/sys/kernel/random/boot_id
  BuildInfo from;         // the image that wrote the state
  std::string config_file;
  double written_at = 0;  // epoch s
  std::vector<HandoverWatcher> watchers;
  std::vector<HandoverSocket> sockets;
  int notify_fd = -1;
  std::string notify_address;
  int http_fd = -1;       // the HTTP listener; -1: none
  std::string control_endpoint;
  std::string pubsub_endpoint;
  std::vector<HandoverReply> replies;
  bool operator==(const HandoverState&) const = default;
};

// A JSON document {"format": kHandoverFormat, "version": N, ...}.
std::string EncodeHandover(const HandoverState& state);
// Refuses (with what was wrong) a blob that is truncated, not JSON, of
// another format, of a version outside [oldest, current], or with a field of
// the wrong type; never throws.
Result<HandoverState> DecodeHandover(std::string_view blob);
// Every fd the state names (pipes, ready fds, sockets, notify, HTTP), sorted.
std::vector<int> HandoverFds(const HandoverState& state);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_HANDOVER_STATE_H_
