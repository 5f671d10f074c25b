// The substitution passes of docs/config.md §4 on one text: finding
// $(circus.X) / ((circus.X)) references, $VAR expansion, and pass 3 with the
// argv build of §6.3 (the text as cmd, and split at the first NUL into cmd
// and args, with and without `shell`).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/substitution.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ringmaster;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  for (const CircusRef& ref : FindCircusRefs(text)) {
    if (ref.pos + ref.len > text.size() || ref.text != text.substr(ref.pos, ref.len)) {
      __builtin_trap();
    }
  }
  // Replacing nothing gives the text back.
  if (ReplaceCircusRefs(text, [](const CircusRef&) { return std::nullopt; }) != text) {
    __builtin_trap();
  }
  (void)ReplaceCircusRefs(text, [](const CircusRef& ref) { return "<" + ref.key + ">"; });
  (void)ContainsBareWid(text);
  (void)ReferencedSockets(text);

  static const std::map<std::string, std::string> kEnv = {
      {"HOME", "/home/app"}, {"PATH", "/usr/bin"}, {"A", "$A$(circus.wid)"}, {"EMPTY", ""}};
  (void)ExpandEnvVars(text, kEnv);

  SpawnVars vars;
  vars.wid = 3;
  vars.socket_fds = {{"web", 5}, {"admin", 6}};
  vars.child_env = &kEnv;
  vars.ready_fd = 7;
  (void)SubstituteSpawn(text, vars);

  WatcherConfig w;
  w.name = "fuzz";
  size_t nul = text.find('\0');
  w.cmd = std::string(text.substr(0, nul));
  if (nul != std::string_view::npos) w.args = std::string(text.substr(nul + 1));
  (void)BuildArgv(w, vars);
  w.shell = true;
  w.shell_args = "-e";
  (void)BuildArgv(w, vars);
  return 0;
}
