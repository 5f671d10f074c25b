// Human output of ringctl for successful replies: concise supervisorctl-like
// text per command (e.g. `incr web` -> "web: 3 processes"). Error replies are
// printed by the caller as "error: <reason>". The status table lives in
// ctl/status_view.h. Pure.
#ifndef RINGMASTER_CTL_FORMAT_H_
#define RINGMASTER_CTL_FORMAT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "ctl/args.h"

namespace ringmaster {

// True when the reply reports a failure ("status": "error"). Anything else is
// a success: `status NAME` carries the watcher state in "status".
bool IsErrorReply(const nlohmann::json& reply);
std::string ErrorReason(const nlohmann::json& reply);

// The text for `inv`'s successful `reply`; every line ends with '\n'.
std::string FormatReply(const Invocation& inv, const nlohmann::json& reply);

// Pieces, exposed for tests.
std::string FormatStats(const nlohmann::json& reply, const std::string& name);
std::string FormatSockets(const nlohmann::json& reply);
std::string FormatKeyValues(const nlohmann::json& options);  // "key = value" lines, sorted
std::string FormatDstats(const nlohmann::json& reply);

}  // namespace ringmaster

#endif  // RINGMASTER_CTL_FORMAT_H_
