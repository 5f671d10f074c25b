#include "ctl/shell.h"

#include <editline/readline.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "core/shell_split.h"
#include "ctl/completion.h"
#include "ctl/format.h"
#include "ctl/help.h"
#include "ctl/interrupt.h"
#include "ctl/runner.h"

namespace ringmaster {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kHistoryLimit = 1000;
// Completion must not freeze the prompt when the daemon is slow or gone.
constexpr double kCompletionTimeout = 1.0;
// Tab is often hit several times in a row; one `list` serves them all.
constexpr auto kWatcherCacheTtl = std::chrono::seconds(2);

// libedit's completion hooks are plain C callbacks without a context
// pointer, so the shell's state lives here for the duration of RunShell.
struct ShellState {
  Client* client = nullptr;
  std::vector<std::string> watchers;
  Clock::time_point watchers_at;
  std::vector<std::string> candidates;  // of the completion in progress
  size_t next_candidate = 0;
};
ShellState* g_shell = nullptr;

std::vector<std::string> FetchWatchers() {
  ShellState& s = *g_shell;
  if (!s.watchers.empty() && Clock::now() - s.watchers_at < kWatcherCacheTtl) return s.watchers;
  s.watchers.clear();
  CallResult r = s.client->Call("list", json::object(), kCompletionTimeout);
  if (r.error == CallError::kNone && !IsErrorReply(r.reply)) {
    for (const json& n : r.reply.value("watchers", json::array())) {
      if (n.is_string()) s.watchers.push_back(n.get<std::string>());
    }
  }
  s.watchers_at = Clock::now();
  return s.watchers;
}

std::vector<std::string> FetchOptionKeys(const std::string& watcher) {
  std::vector<std::string> keys;
  CallResult r = g_shell->client->Call("options", {{"name", watcher}}, kCompletionTimeout);
  if (r.error == CallError::kNone && !IsErrorReply(r.reply)) {
    const json options = r.reply.value("options", json::object());
    for (const auto& [key, value] : options.items()) {
      keys.push_back(key);
    }
  }
  return keys;
}

char* NextCandidate(const char* /*text*/, int state) {
  ShellState& s = *g_shell;
  if (state == 0) s.next_candidate = 0;
  if (s.next_candidate >= s.candidates.size()) return nullptr;
  // libedit frees each match with free().
  return strdup(s.candidates[s.next_candidate++].c_str());
}

char** Complete(const char* text, int start, int /*end*/) {
  rl_attempted_completion_over = 1;  // never fall back to file names
  // The words before the one being completed; an unfinished quote there just
  // splits on blanks, which is good enough to find the command and slot.
  std::string before_text(rl_line_buffer, static_cast<size_t>(start));
  std::vector<std::string> before;
  if (Result<std::vector<std::string>> split = ShellSplit(before_text); split.ok()) {
    before = split.value();
  } else {
    size_t pos = 0;
    while ((pos = before_text.find_first_not_of(" \t", pos)) != std::string::npos) {
      size_t end = before_text.find_first_of(" \t", pos);
      before.push_back(before_text.substr(pos, end - pos));
      pos = end;
    }
  }
  CompletionSource source{FetchWatchers, FetchOptionKeys};
  g_shell->candidates = CompletionCandidates(before, text, source);
  if (g_shell->candidates.empty()) return nullptr;
  return rl_completion_matches(text, NextCandidate);
}

std::string HistoryPath() {
  const char* home = std::getenv("HOME");
  if (!home || !*home) return "";
  return std::string(home) + "/.ringctl_history";
}

bool Confirm(const char* question) {
  char* answer = readline(question);
  if (!answer) return false;
  const bool yes = answer[0] == 'y' || answer[0] == 'Y';
  std::free(answer);
  return yes;
}

// One line: parse like argv, run, report. Returns the command's exit code,
// or -1 when the user asked to leave.
int RunLine(const std::string& line, const GlobalOptions& globals, Client& client,
            bool interactive) {
  Result<std::vector<std::string>> words = ShellSplit(line);
  if (!words.ok()) {
    std::cerr << "ringctl: " << words.error() << "\n";
    return kExitUsage;
  }
  if (words->empty()) return kExitOk;
  const std::string first = words->front();
  if (first == "exit" || first == "EOF") return -1;
  GlobalOptions g = globals;
  Result<Invocation> inv = ParseCommandWords(words.value(), &g);
  if (!inv.ok()) {
    std::cerr << UsageErrorText(first, inv.error());
    return kExitUsage;
  }
  if (inv->command == "quit" && interactive &&
      !Confirm("Stop ringmasterd and all its watchers? [y/N] ")) {
    return kExitOk;
  }
  ClearInterrupted();
  return RunInvocation(inv.value(), g, client);
}

}  // namespace

int RunShell(const GlobalOptions& globals, Client& client) {
  const bool interactive = isatty(STDIN_FILENO) != 0;
  ShellState state;
  state.client = &client;
  g_shell = &state;
  // Ctrl-C must cancel the command in progress (or the line being edited),
  // not kill the shell; the client notices the flag and gives up its wait.
  InstallInterruptHandlers();

  const std::string history = HistoryPath();
  if (interactive) {
    rl_readline_name = "ringctl";
    rl_attempted_completion_function = Complete;
    using_history();
    stifle_history(kHistoryLimit);
    if (!history.empty()) read_history(history.c_str());
    std::cout << "ringctl shell on " << client.endpoint()
              << "; 'help' lists commands, Tab completes, 'exit' or Ctrl-D leaves.\n";
  }

  int last_failure = kExitOk;
  while (true) {
    ClearInterrupted();
    std::string line;
    if (interactive) {
      char* raw = readline("ringctl> ");
      if (!raw) {
        // libedit returns NULL both at end of input and when Ctrl-C
        // interrupted the read; only the former leaves the shell.
        if (Interrupted()) {
          std::cout << "\n";
          continue;
        }
        std::cout << "\n";
        break;
      }
      line = raw;
      std::free(raw);
      if (line.find_first_not_of(" \t") != std::string::npos) {
        add_history(line.c_str());
        if (!history.empty()) write_history(history.c_str());
      }
    } else if (!std::getline(std::cin, line)) {
      break;
    }
    int rc = RunLine(line, globals, client, interactive);
    if (rc < 0) break;
    if (rc != kExitOk) last_failure = rc;
  }
  g_shell = nullptr;
  return interactive ? kExitOk : last_failure;
}

}  // namespace ringmaster
