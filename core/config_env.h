// What the config loader needs from the outside world, behind an interface so
// core/ stays free of I/O and tests can fake it. RealConfigEnv (daemon side,
// daemon/real_config_env.h) reads the real filesystem and user database.
#ifndef RINGMASTER_CORE_CONFIG_ENV_H_
#define RINGMASTER_CORE_CONFIG_ENV_H_

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace ringmaster {

struct UserInfo {
  uid_t uid = 0;
  gid_t gid = 0;  // primary group
  std::string name;
};

class ConfigEnv {
 public:
  virtual ~ConfigEnv() = default;
  // Whole file contents, or an error "cannot read: <strerror>". May stop
  // after kMaxConfigRead bytes: the caller reports a file that long as too
  // large, and a huge (or endless, e.g. /dev/zero) file costs no memory.
  static constexpr size_t kMaxConfigRead = 16 * 1024 * 1024 + 1;
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  // glob(3) matches of an absolute pattern, sorted by path.
  virtual std::vector<std::string> Glob(const std::string& pattern) = 0;
  // By name or numeric id; nullopt if it does not exist.
  virtual std::optional<UserInfo> LookupUser(const std::string& name_or_id) = 0;
  virtual std::optional<gid_t> LookupGroup(const std::string& name_or_id) = 0;
  // The daemon's environment (for $(circus.env.X), copy_env and $VAR).
  virtual const std::map<std::string, std::string>& Environment() = 0;
  // The daemon's working directory (for relative working_dir etc.).
  virtual std::string Cwd() = 0;
  // True if the file is readable by group or others (http_token_file warning).
  virtual bool IsGroupOrOtherReadable(const std::string& path) = 0;
};

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_CONFIG_ENV_H_
