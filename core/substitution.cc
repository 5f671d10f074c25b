#include "core/substitution.h"

#include <strings.h>

#include "core/config_values.h"
#include "core/shell_split.h"

namespace ringmaster {
namespace {

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Matches a reference starting at `pos`; fills `ref` and returns true.
bool MatchRefAt(std::string_view text, size_t pos, CircusRef* ref) {
  std::string_view open, close;
  if (text.compare(pos, 2, "$(") == 0) {
    open = "$(";
    close = ")";
  } else if (text.compare(pos, 2, "((") == 0) {
    open = "((";
    close = "))";
  } else {
    return false;
  }
  const size_t name = pos + open.size();
  constexpr std::string_view kPrefix = "circus.";
  if (text.size() < name + kPrefix.size() ||
      !EqualsIgnoreCase(text.substr(name, kPrefix.size()), kPrefix)) {
    return false;
  }
  const size_t key = name + kPrefix.size();
  size_t end = key;
  while (end < text.size() && IsKeyChar(text[end])) ++end;
  if (end == key || text.compare(end, close.size(), close) != 0) return false;
  ref->pos = pos;
  ref->len = end + close.size() - pos;
  ref->key = ToLower(text.substr(key, end - key));
  ref->text = text.substr(pos, ref->len);
  return true;
}

bool BareWidAt(std::string_view text, size_t pos) {
  return text.compare(pos, 4, "$WID") == 0 &&
         (pos + 4 >= text.size() || !IsNameChar(text[pos + 4]));
}

// The shared scanner: references through `replace`, bare $WID through `wid`.
std::string Scan(std::string_view text, const RefReplacer& replace,
                 const std::optional<std::string>& wid) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    CircusRef ref;
    if (MatchRefAt(text, i, &ref)) {
      std::optional<std::string> value = replace(ref);
      out += value ? *value : std::string(ref.text);
      i += ref.len;
    } else if (wid && BareWidAt(text, i)) {
      out += *wid;
      i += 4;
    } else {
      out += text[i++];
    }
  }
  return out;
}

Status SplitInto(std::string_view what, std::string_view text, const SpawnVars& vars,
                 std::vector<std::string>* out) {
  Result<std::vector<std::string>> words = ShellSplit(SubstituteSpawn(text, vars));
  if (!words.ok()) return Status::Error(std::string(what) + ": " + words.error());
  out->insert(out->end(), words->begin(), words->end());
  return Status::Ok();
}

}  // namespace

std::vector<CircusRef> FindCircusRefs(std::string_view text) {
  std::vector<CircusRef> refs;
  size_t i = 0;
  while (i < text.size()) {
    CircusRef ref;
    if (MatchRefAt(text, i, &ref)) {
      i += ref.len;
      refs.push_back(std::move(ref));
    } else {
      ++i;
    }
  }
  return refs;
}

std::string ReplaceCircusRefs(std::string_view text, const RefReplacer& replace) {
  return Scan(text, replace, std::nullopt);
}

bool ContainsBareWid(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (BareWidAt(text, i)) return true;
  }
  return false;
}

std::set<std::string> ReferencedSockets(std::string_view text) {
  std::set<std::string> names;
  for (const CircusRef& ref : FindCircusRefs(text)) {
    if (ref.key.rfind("sockets.", 0) == 0) names.insert(ref.key.substr(8));
  }
  return names;
}

std::string ExpandEnvVars(std::string_view text, const std::map<std::string, std::string>& env) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] >= 'A' && text[i + 1] <= 'Z') {
      size_t end = i + 2;
      while (end < text.size() && ((text[end] >= 'A' && text[end] <= 'Z') ||
                                   (text[end] >= '0' && text[end] <= '9') || text[end] == '_')) {
        ++end;
      }
      auto it = env.find(std::string(text.substr(i + 1, end - i - 1)));
      if (it != env.end()) out += it->second;
      i = end;
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::string SubstituteSpawn(std::string_view text, const SpawnVars& vars) {
  const std::string wid = std::to_string(vars.wid);
  auto replace = [&](const CircusRef& ref) -> std::optional<std::string> {
    if (ref.key == "wid") return wid;
    if (ref.key == "ready_fd") {
      if (vars.ready_fd) return std::to_string(*vars.ready_fd);
      return std::nullopt;
    }
    if (ref.key.rfind("sockets.", 0) == 0) {
      auto it = vars.socket_fds.find(ref.key.substr(8));
      if (it != vars.socket_fds.end()) return std::to_string(it->second);
      return std::nullopt;
    }
    if (ref.key.rfind("env.", 0) == 0 && vars.child_env != nullptr) {
      const std::string name = ref.key.substr(4);
      auto exact = vars.child_env->find(name);
      if (exact != vars.child_env->end()) return exact->second;
      for (const auto& [k, v] : *vars.child_env) {
        if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
      }
    }
    return std::nullopt;
  };
  return Scan(text, replace, wid);
}

Result<std::vector<std::string>> BuildArgv(const WatcherConfig& w, const SpawnVars& vars) {
  std::vector<std::string> argv;
  Status s = SplitInto("cmd", w.cmd, vars, &argv);
  if (!s.ok()) return s;
  if (w.args) {
    s = SplitInto("args", *w.args, vars, &argv);
    if (!s.ok()) return s;
  }
  if (argv.empty()) return Status::Error("cmd: the command is empty");
  if (!w.shell) return argv;
  std::vector<std::string> sh = {"/bin/sh", "-c", ShellJoin(argv)};
  if (w.shell_args) {
    s = SplitInto("shell_args", *w.shell_args, vars, &sh);
    if (!s.ok()) return s;
  }
  return sh;
}

}  // namespace ringmaster
