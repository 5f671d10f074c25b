// Default control/event/stats endpoints (docs/protocol.md §1) and small
// endpoint-string helpers. Shared by ringmasterd and ringctl so both compute
// the same RUNDIR with no flags. Pure path computation: reads only the
// environment and the uid; creates nothing. Any thread.
#ifndef RINGMASTER_CORE_ENDPOINTS_H_
#define RINGMASTER_CORE_ENDPOINTS_H_

#include <string>
#include <string_view>

namespace ringmaster {

// RUNDIR for the given environment: "<xdg_runtime_dir>/ringmaster" when
// xdg_runtime_dir is an absolute path, else "/run/ringmaster" for uid 0, else
// "/tmp/ringmaster-<uid>". An empty or relative value counts as unset (the XDG
// base directory spec says to ignore it); trailing '/' are dropped.
std::string RunDirFor(std::string_view xdg_runtime_dir, unsigned uid);
// RunDirFor($XDG_RUNTIME_DIR, geteuid()).
std::string DefaultRunDir();

std::string DefaultEndpoint();        // ipc://RUNDIR/control.sock
std::string DefaultPubsubEndpoint();  // ipc://RUNDIR/events.sock
std::string DefaultStatsEndpoint();   // ipc://RUNDIR/stats.sock

// The filesystem path of an "ipc://PATH" endpoint; empty for other transports
// and for abstract-namespace endpoints ("ipc://@name"), which have no file.
std::string IpcPath(std::string_view endpoint);
bool IsTcpEndpoint(std::string_view endpoint);  // "tcp://..."

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_ENDPOINTS_H_
