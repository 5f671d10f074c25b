// An in-memory ConfigEnv for loader tests: files, users, groups, environment
// and cwd are plain public maps that a test fills in; plus small helpers to
// load a text and search the diagnostics. Not thread-safe.
#ifndef RINGMASTER_TESTS_SUPPORT_FAKE_CONFIG_ENV_H_
#define RINGMASTER_TESTS_SUPPORT_FAKE_CONFIG_ENV_H_

#include <fnmatch.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/config_env.h"
#include "core/config_loader.h"
#include "core/diagnostic.h"

namespace ringmaster {

class FakeConfigEnv : public ConfigEnv {
 public:
  std::map<std::string, std::string> files;  // absolute path -> content
  std::map<std::string, int> unreadable;     // absolute path -> errno (listed by Glob)
  std::set<std::string> group_readable;      // for IsGroupOrOtherReadable
  std::map<std::string, UserInfo> users;     // name -> info
  std::map<std::string, gid_t> groups;       // name -> gid
  std::map<std::string, std::string> environment;
  std::string cwd = "/work";
  std::vector<std::string> reads;  // every ReadFile path, in order

  FakeConfigEnv() {
    users["root"] = UserInfo{0, 0, "root"};
    users["app"] = UserInfo{1000, 1001, "app"};
    groups["root"] = 0;
    groups["staff"] = 50;
    groups["app"] = 1001;
  }

  Result<std::string> ReadFile(const std::string& path) override {
    reads.push_back(path);
    if (auto it = unreadable.find(path); it != unreadable.end()) {
      return Status::FromErrno("cannot read", it->second);
    }
    auto it = files.find(path);
    if (it == files.end()) return Status::FromErrno("cannot read", ENOENT);
    return it->second;
  }

  std::vector<std::string> Glob(const std::string& pattern) override {
    std::vector<std::string> out;
    auto consider = [&](const std::string& path) {
      if (fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0) {
        out.push_back(path);
      }
    };
    for (const auto& [path, content] : files) consider(path);
    for (const auto& [path, err] : unreadable) consider(path);
    std::sort(out.begin(), out.end());
    return out;
  }

  std::optional<UserInfo> LookupUser(const std::string& name_or_id) override {
    for (const auto& [name, info] : users) {
      if (name == name_or_id || std::to_string(info.uid) == name_or_id) return info;
    }
    return std::nullopt;
  }

  std::optional<gid_t> LookupGroup(const std::string& name_or_id) override {
    for (const auto& [name, gid] : groups) {
      if (name == name_or_id || std::to_string(gid) == name_or_id) return gid;
    }
    return std::nullopt;
  }

  const std::map<std::string, std::string>& Environment() override { return environment; }
  std::string Cwd() override { return cwd; }
  bool IsGroupOrOtherReadable(const std::string& path) override {
    return group_readable.count(path) > 0;
  }
};

// Helpers for loader tests.

inline constexpr char kMainIni[] = "/etc/rm/main.ini";

// Loads `text` as the main file kMainIni.
inline LoadResult LoadText(FakeConfigEnv& env, const std::string& text) {
  env.files[kMainIni] = text;
  return LoadConfig(kMainIni, env);
}

// Every diagnostic formatted, one per line (for assertion messages).
inline std::string Dump(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const Diagnostic& d : diags) out += d.Format() + "\n";
  return out;
}

// The formatted diagnostics, for exact matching.
inline std::vector<std::string> Formatted(const std::vector<Diagnostic>& diags) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diags) out.push_back(d.Format());
  return out;
}

// True if some diagnostic's formatted text contains `part`.
inline bool HasDiag(const std::vector<Diagnostic>& diags, const std::string& part) {
  for (const Diagnostic& d : diags) {
    if (d.Format().find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace ringmaster

#endif  // RINGMASTER_TESTS_SUPPORT_FAKE_CONFIG_ENV_H_
