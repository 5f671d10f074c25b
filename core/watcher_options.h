// A watcher's options in the JSON of the control protocol: what `options` and
// `get` report (docs/protocol.md §7.12, §7.5), and the checked changes of
// `set` and `add` (§7.18, §7.1, §7.24). Pure functions over WatcherConfig;
// callable from any thread. Errors are reply reasons (§4.3), sent as errno 3.
//
// Representation notes:
// * `args` given as an array (add/set) is stored as one shell-quoted string
//   (ShellJoin), so splitting gives each element back as one word; `options`
//   then reports that string, not the array.
// * `uid`/`gid` are reported as an int when the configured text is all
//   digits, else as the string.
// * `env` replaces the whole child environment. With copy_env true (after
//   the request), the daemon's environment (ConfigEnv::Environment(), with
//   $VAR expansion as the loader does) is laid under the given values, which
//   win. Without `env`, turning copy_env on lays the daemon's environment
//   under the current one; turning it off drops every variable whose value
//   still equals the daemon's. JSON values are taken literally.
#ifndef RINGMASTER_CORE_WATCHER_OPTIONS_H_
#define RINGMASTER_CORE_WATCHER_OPTIONS_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/config_env.h"
#include "core/status.h"

namespace ringmaster {

// §7.12: every standard key, the freeform keys (strings), `hooks` when any is
// set, and the §10.6 extension keys set explicitly (explicit_keys). `cwd` is
// the daemon's working directory: working_dir is reported absolute.
nlohmann::json OptionsJson(const WatcherConfig& w, const std::string& cwd);

// §7.5: the requested keys, as OptionsJson shows them. Extension keys
// (§10.6), `autostart` and `hooks` are readable even when not set. Error:
// "'K' option not found", or "'keys' must be an array of strings".
Result<nlohmann::json> GetOptions(const WatcherConfig& w, const nlohmann::json& keys,
                                  const std::string& cwd);

struct OptionsChange {
  WatcherConfig config;           // base with every key applied
  std::vector<std::string> keys;  // applied keys, in the object's order: one `updated` each
  bool needs_reload = false;      // a "reload" key of §7.24 changed value
  bool resize = false;            // numprocesses changed
};

// §7.18/§7.24: checks every key, then returns the changed copy; one bad key
// fails the whole request and nothing is applied. uid/gid are resolved
// through `env`; a relative working_dir is made absolute against `cwd`.
// Applied keys are recorded in explicit_keys.
Result<OptionsChange> ApplyOptions(const WatcherConfig& base, const nlohmann::json& options,
                                   ConfigEnv& env, const std::string& cwd);

// §7.1: a new watcher with the docs/config.md defaults, then `cmd`, `args`
// (null, a string or an array of strings) and `options` applied as by
// ApplyOptions (a `cmd`/`args` inside options wins over the properties).
Result<WatcherConfig> WatcherFromAdd(const std::string& name, const std::string& cmd,
                                     const nlohmann::json& args, const nlohmann::json& options,
                                     ConfigEnv& env, const std::string& cwd);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_WATCHER_OPTIONS_H_
