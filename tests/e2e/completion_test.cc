// The shell completion of ringctl (dist/completion/) against the real daemon.
// bash: the script is sourced in a plain bash, COMP_WORDS/COMP_CWORD are set
// as bash would, and COMPREPLY must hold commands and the live watcher names
// that `ringctl --complete-words` fetched. zsh: the function runs with
// words/CURRENT/PREFIX set and compadd replaced by a stub that prints.
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <sstream>

#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {
namespace {

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string Dir(const std::string& path) { return path.substr(0, path.rfind('/')); }

// The lines `shell` prints for `script`, with ringctl on PATH as it would
// be once installed; `env` (e.g. VAR=x) is prepended.
std::vector<std::string> RunShell(const std::string& shell, const std::string& script,
                                  const std::string& env) {
  const std::string cmd = "env PATH=" + Quote(Dir(RINGCTL_PATH)) + ":\"$PATH\" " + env +
                          " timeout 30 " + shell + " -c " + Quote(script);
  std::vector<std::string> out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  pclose(p);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::string Array(const std::vector<std::string>& words) {
  std::string array = "ringctl";
  for (const std::string& w : words) array += " " + Quote(w);
  return "(" + array + ")";
}

// Debian's bash-completion, which the script uses when it is loaded.
constexpr char kBashCompletion[] = "/usr/share/bash-completion/bash_completion";

// COMPREPLY after completing the last of `words` (after "ringctl"), typed
// at the end of the line; with `library`, after loading bash-completion.
std::vector<std::string> Complete(const std::vector<std::string>& words,
                                  const std::string& env = "", bool library = false) {
  std::string line = "ringctl";
  for (const std::string& w : words) line += " " + w;
  const std::string script =
      std::string(library ? std::string("source ") + kBashCompletion + "; " : "") + "source " +
      Quote(std::string(DIST_DIR) + "/completion/ringctl.bash") + "; COMP_WORDS=" + Array(words) +
      "; COMP_CWORD=" + std::to_string(words.size()) + "; COMP_LINE=" + Quote(line) +
      "; COMP_POINT=${#COMP_LINE}; _ringctl; printf '%s\\n' \"${COMPREPLY[@]}\"";
  return RunShell("bash --norc --noprofile", script, env);
}

// What the zsh completion hands compadd for the last of `words`.
std::vector<std::string> CompleteZsh(const std::vector<std::string>& words,
                                     const std::string& env = "") {
  const std::string script =
      "compadd() { [[ $1 == -a ]] && print -l -- \"${(@P)2}\"; }; words=" + Array(words) +
      "; CURRENT=" + std::to_string(words.size() + 1) + "; PREFIX=" + Quote(words.back()) +
      "; source " + Quote(std::string(DIST_DIR) + "/completion/_ringctl");
  return RunShell("zsh -f", script, env);
}

bool Has(const std::vector<std::string>& v, const std::string& word) {
  return std::find(v.begin(), v.end(), word) != v.end();
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += s + " ";
  return out;
}

class BashCompletion : public ControlTest {
 protected:
  std::string EndpointEnv() const { return "RINGMASTER_ENDPOINT=" + Quote(Endpoint()); }
};

TEST_F(BashCompletion, CommandsFromTheTable) {
  StartWith(Sleeper("webfront", 1));
  std::vector<std::string> got = Complete({"st"}, EndpointEnv());
  for (const char* c : {"start", "stats", "status", "stop"}) EXPECT_TRUE(Has(got, c)) << Join(got);
  EXPECT_FALSE(Has(got, "restart")) << "only words starting with 'st': " << Join(got);
  got = Complete({""}, EndpointEnv());
  for (const char* c : {"add", "listen", "reloadconfig", "upgrade", "help"}) {
    EXPECT_TRUE(Has(got, c)) << Join(got);
  }
  EXPECT_FALSE(Has(got, "exit")) << "exit is the interactive shell's: " << Join(got);
  got = Complete({"restart", "--max-"}, EndpointEnv());
  EXPECT_TRUE(Has(got, "--max-surge")) << Join(got);
  EXPECT_TRUE(Has(got, "--max-unavailable")) << Join(got);
}

TEST_F(BashCompletion, LiveWatcherNames) {
  StartWith(Sleeper("webfront", 1) + Sleeper("worker", 1, "autostart = false"));
  std::vector<std::string> got = Complete({"start", ""}, EndpointEnv());
  EXPECT_TRUE(Has(got, "webfront")) << Join(got);
  EXPECT_TRUE(Has(got, "worker")) << Join(got);
  got = Complete({"stop", "we"}, EndpointEnv());
  EXPECT_EQ(got, std::vector<std::string>{"webfront"});
  // --endpoint on the line is where the names come from, as for the command.
  got = Complete({"--endpoint", Endpoint(), "--json", "status", "wo"});
  EXPECT_EQ(got, std::vector<std::string>{"worker"});
  // A watcher added at runtime is offered at once: the names are live.
  Call("add", {{"name", "late"}, {"cmd", Worker()}});
  got = Complete({"restart", "l"}, EndpointEnv());
  EXPECT_EQ(got, std::vector<std::string>{"late"});
}

TEST_F(BashCompletion, DeadDaemonGivesCommandsButNoNamesQuickly) {
  const std::string dead = "RINGMASTER_ENDPOINT=" + Quote("ipc://" + dir_->Path("nobody.sock"));
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> got = Complete({"start", ""}, dead);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(got.empty()) << Join(got);
  EXPECT_LT(seconds, 5.0) << "a dead daemon must not hang the shell";
  got = Complete({"sta"}, dead);
  EXPECT_TRUE(Has(got, "start")) << Join(got);
  EXPECT_TRUE(Has(got, "status")) << Join(got);
}

// The path most users have: bash-completion's word splitting loaded.
TEST_F(BashCompletion, WithBashCompletionLoaded) {
  ASSERT_TRUE(FileExists(kBashCompletion)) << "Debian package bash-completion; run make deps";
  StartWith(Sleeper("webfront", 1));
  std::vector<std::string> got = Complete({"st"}, EndpointEnv(), true);
  for (const char* c : {"start", "stats", "status", "stop"}) EXPECT_TRUE(Has(got, c)) << Join(got);
  got = Complete({"--json", "start", "w"}, EndpointEnv(), true);
  EXPECT_EQ(got, std::vector<std::string>{"webfront"});
}

TEST_F(BashCompletion, ZshOffersTheSameWords) {
  StartWith(Sleeper("webfront", 1));
  std::vector<std::string> got = CompleteZsh({"st"}, EndpointEnv());
  for (const char* c : {"start", "stats", "status", "stop"}) EXPECT_TRUE(Has(got, c)) << Join(got);
  got = CompleteZsh({"start", ""}, EndpointEnv());
  EXPECT_EQ(got, std::vector<std::string>{"webfront"});
}

}  // namespace
}  // namespace ringmaster::test
