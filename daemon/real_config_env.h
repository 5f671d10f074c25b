// ConfigEnv on the real system: files through read(2), glob(3), the user and
// group databases (getpwnam_r & co.), the process environment and cwd.
// Stateless apart from a snapshot of `environ` taken at construction; safe to
// use from any thread.
#ifndef RINGMASTER_DAEMON_REAL_CONFIG_ENV_H_
#define RINGMASTER_DAEMON_REAL_CONFIG_ENV_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config_env.h"

namespace ringmaster {

class RealConfigEnv : public ConfigEnv {
 public:
  RealConfigEnv();

  Result<std::string> ReadFile(const std::string& path) override;
  std::vector<std::string> Glob(const std::string& pattern) override;
  std::optional<UserInfo> LookupUser(const std::string& name_or_id) override;
  std::optional<gid_t> LookupGroup(const std::string& name_or_id) override;
  const std::map<std::string, std::string>& Environment() override { return environment_; }
  std::string Cwd() override;
  bool IsGroupOrOtherReadable(const std::string& path) override;

 private:
  std::map<std::string, std::string> environment_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_REAL_CONFIG_ENV_H_
