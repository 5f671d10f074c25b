// Variable substitution (docs/config.md §4): finding and replacing
// $(circus.KEY) / ((circus.KEY)) references, $VAR expansion in environment
// values (§4.2), and the spawn-time pass 3 that turns a watcher's cmd/args into
// an argv (§6.3 step 1). Pure functions; callable from any thread.
#ifndef RINGMASTER_CORE_SUBSTITUTION_H_
#define RINGMASTER_CORE_SUBSTITUTION_H_

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace ringmaster {

// One $(circus.KEY) or ((circus.KEY)) reference in a text. KEY is made of
// [A-Za-z0-9_.-]; the whole reference is case-insensitive.
struct CircusRef {
  size_t pos = 0;         // offset of the first character of the reference
  size_t len = 0;         // length of the whole reference
  std::string key;        // lowercased, without "circus.": "env.home", "sockets.web", "wid"
  std::string_view text;  // the reference as written (points into the scanned text)
};

// Every reference, in order.
std::vector<CircusRef> FindCircusRefs(std::string_view text);

// Replaces each reference for which `replace` returns a value; the others are
// kept verbatim. Replacement text is not scanned again.
using RefReplacer = std::function<std::optional<std::string>(const CircusRef&)>;
std::string ReplaceCircusRefs(std::string_view text, const RefReplacer& replace);

// True if the text has a bare $WID (not followed by a name character).
bool ContainsBareWid(std::string_view text);

// Lowercased names X of every $(circus.sockets.X) in the text.
std::set<std::string> ReferencedSockets(std::string_view text);

// §4.2: $NAME with NAME matching [A-Z][A-Z0-9_]* is replaced by `env[NAME]`,
// or by nothing if undefined. Anything else (lower case, ${X}) stays literal.
std::string ExpandEnvVars(std::string_view text, const std::map<std::string, std::string>& env);

// What pass 3 knows about one spawn.
struct SpawnVars {
  int wid = 0;
  std::map<std::string, int> socket_fds;  // lowercase name -> fd
  const std::map<std::string, std::string>* child_env = nullptr;
  std::optional<int> ready_fd;
};

// Pass 3: $(circus.wid), ((circus.wid)), bare $WID, $(circus.sockets.X),
// $(circus.env.X) (variable name looked up case-insensitively in child_env)
// and $(circus.ready_fd). Anything unknown is left verbatim.
std::string SubstituteSpawn(std::string_view text, const SpawnVars& vars);

// §6.3 step 1: shell-split(pass3(cmd)) + shell-split(pass3(args)); with
// `shell`, {"/bin/sh", "-c", <those words joined with ShellQuote>,
// shell-split(pass3(shell_args))...}. Fails on unbalanced quotes or an empty
// command ("cmd: no closing quotation").
Result<std::vector<std::string>> BuildArgv(const WatcherConfig& w, const SpawnVars& vars);

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_SUBSTITUTION_H_
