// The filesystem side of the default endpoints (docs/protocol.md §1): the
// private RUNDIR and the ipc:// socket files in it. Used by ringmasterd before
// it binds; the paths themselves come from core/endpoints.h. Any thread.
#ifndef RINGMASTER_DAEMON_RUNTIME_DIR_H_
#define RINGMASTER_DAEMON_RUNTIME_DIR_H_

#include <string>

#include "core/status.h"

namespace ringmaster {

// Creates `dir` (the last component only; its parent must exist) with mode
// 0700, or accepts an existing directory owned by the effective uid with no
// group/other permission bits. Anything else (a symlink, a file, another
// owner, a looser mode) is refused with a message naming the dir, its owner
// and mode, and the fix. The daemon exits 2 on failure.
Status EnsurePrivateDir(const std::string& dir);

// Makes `path` free for an ipc:// bind without stealing it from a live
// daemon: absent is fine; a socket nobody accepts on (connect refused) is a
// stale leftover and is removed; a socket someone listens on is "address in
// use"; any other file type is refused. libzmq itself would unlink the path
// unconditionally, which silently hijacks a running daemon's endpoint.
Status ClaimIpcSocketPath(const std::string& path);

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_RUNTIME_DIR_H_
