#include "core/config_context.h"

#include "core/known_keys.h"
#include "core/substitution.h"

namespace ringmaster {

void LoadContext::KeyError(const KeyRef& k, std::string problem) {
  Error(Diagnostic{k.value->loc.file, k.value->loc.line, k.section->name, k.value->key,
                   std::move(problem)});
}

void LoadContext::KeyWarning(const KeyRef& k, std::string problem) {
  Warning(Diagnostic{k.value->loc.file, k.value->loc.line, k.section->name, k.value->key,
                     std::move(problem)});
}

void LoadContext::SectionError(const IniSection& s, std::string problem) {
  Error(Diagnostic{s.loc.file, s.loc.line, s.name, "", std::move(problem)});
}

void LoadContext::SectionWarning(const IniSection& s, std::string problem) {
  Warning(Diagnostic{s.loc.file, s.loc.line, s.name, "", std::move(problem)});
}

void LoadContext::WarnOncePerFile(const KeyRef& k, std::string problem) {
  if (warned_once_.emplace(k.value->loc.file, k.value->key).second) {
    KeyWarning(k, std::move(problem));
  }
}

std::string LoadContext::Substitute(const KeyRef& k, std::string_view text, const LoadVars& vars) {
  auto replace = [&](const CircusRef& ref) -> std::optional<std::string> {
    const std::string written(ref.text);
    if (ref.key.rfind("env.", 0) == 0) {
      if (vars.env != nullptr) {
        auto it = vars.env->find(ref.key.substr(4));
        if (it != vars.env->end()) return it->second;
      }
      // Pass 3 looks again in the child's final environment; the only name it
      // can have that is unknown here is NOTIFY_SOCKET.
      if (!vars.spawn_key || ref.key != "env.notify_socket") {
        KeyWarning(k, "unknown reference '" + written + "'; left as written");
      }
      return std::nullopt;
    }
    if (ref.key.rfind("sockets.", 0) == 0) {
      const std::string name = ref.key.substr(8);
      if (vars.sockets == nullptr || vars.sockets->count(name) == 0) {
        // Circus passes such a reference through as text (its issue395.ini);
        // so does ringmaster, with a warning, instead of refusing the file.
        KeyWarning(k, "'" + written + "' names no [socket:" + name +
                          "] section; left as written, as Circus does");
      } else if (!vars.spawn_key) {
        KeyWarning(k, "'" + written +
                          "' is only substituted in cmd, args and shell_args; left as written");
      }
      return std::nullopt;
    }
    if (vars.spawn_key) {
      if (ref.key == "wid") return std::nullopt;
      if (ref.key == "ready_fd") {
        if (!vars.ready_fd_set) KeyWarning(k, "'" + written + "' is used but ready_fd is not set");
        return std::nullopt;
      }
      if (IsWatcherOptionName(ref.key)) {
        KeyWarning(k, "'" + written + "' is accepted but not implemented yet; left as written");
        return std::nullopt;
      }
    }
    KeyWarning(k, "unknown reference '" + written + "'; left as written");
    return std::nullopt;
  };
  return ReplaceCircusRefs(text, replace);
}

}  // namespace ringmaster
