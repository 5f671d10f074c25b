// One whole ini file through the ini reader and the config loader
// (docs/config.md): syntax, merging, substitution, type checks. The file
// lives in an in-memory ConfigEnv whose Glob matches nothing, so includes are
// off and no file is touched.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_env.h"
#include "core/config_loader.h"
#include "core/ini_reader.h"

namespace ringmaster {
namespace {

constexpr char kPath[] = "/fuzz/watchers.ini";

class OneFileEnv : public ConfigEnv {
 public:
  explicit OneFileEnv(std::string text) : text_(std::move(text)) {
    env_ = {{"HOME", "/home/app"}, {"PATH", "/usr/bin:/bin"}, {"USER", "app"}};
  }
  Result<std::string> ReadFile(const std::string& path) override {
    if (path == kPath) return text_;
    return Status::FromErrno("cannot read", ENOENT);
  }
  std::vector<std::string> Glob(const std::string&) override { return {}; }
  std::optional<UserInfo> LookupUser(const std::string& name_or_id) override {
    if (name_or_id == "app" || name_or_id == "1000") return UserInfo{1000, 1000, "app"};
    return std::nullopt;
  }
  std::optional<gid_t> LookupGroup(const std::string& name_or_id) override {
    if (name_or_id == "app" || name_or_id == "1000") return 1000;
    return std::nullopt;
  }
  const std::map<std::string, std::string>& Environment() override { return env_; }
  std::string Cwd() override { return "/fuzz"; }
  bool IsGroupOrOtherReadable(const std::string&) override { return false; }

 private:
  std::string text_;
  std::map<std::string, std::string> env_;
};

}  // namespace
}  // namespace ringmaster

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ringmaster;
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<Diagnostic> errors;
  IniFile ini = ParseIni(kPath, text, &errors);
  for (const Diagnostic& d : errors) (void)d.Format();

  OneFileEnv env(std::move(text));
  LoadResult result = LoadConfig(kPath, env);
  for (const Diagnostic& d : result.errors) (void)d.Format();
  for (const Diagnostic& d : result.warnings) (void)d.Format();
  if (result.config.has_value() != result.errors.empty()) __builtin_trap();
  return 0;
}
