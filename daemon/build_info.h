// Which build of ringmasterd this is: RINGMASTER_VERSION and the ELF
// build-id note the linker put in the executable (unique per build, unlike
// the version). Printed by --version and --check, named by `upgrade`.
#ifndef RINGMASTER_DAEMON_BUILD_INFO_H_
#define RINGMASTER_DAEMON_BUILD_INFO_H_

#include <optional>
#include <string>

#include "core/handover_state.h"

namespace ringmaster {

// This executable's build; build_id "" when the note is missing. Any thread.
const BuildInfo& OwnBuild();
// "ringmasterd 0.9.0 (build 1a2b...)": one line, as --check and --version print it.
std::string BuildLine(const BuildInfo& b);
// The build named by the first BuildLine in `text` (a --check output).
std::optional<BuildInfo> ParseBuildLine(const std::string& text);

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_BUILD_INFO_H_
