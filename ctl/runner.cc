#include "ctl/runner.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>

#include "ctl/format.h"
#include "ctl/help.h"
#include "ctl/listen.h"
#include "ctl/status_view.h"

namespace ringmaster {
namespace {

using nlohmann::json;

constexpr int kExitInterrupted = 130;  // 128 + SIGINT, as shells report it

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Prints the transport failure and returns its exit code.
int ReportCallError(const CallResult& r, const Client& client, double timeout,
                    bool waiting = false) {
  std::cerr << DescribeCallError(r, client.endpoint(), timeout) << "\n";
  if (waiting && r.error == CallError::kTimeout) {
    // The daemon did take the request: the operation may well go on.
    std::cerr << "ringctl: the operation may still be in progress (see 'ringctl status'); "
                 "raise --timeout to wait longer\n";
  }
  return r.error == CallError::kInterrupted ? kExitInterrupted : kExitUnreachable;
}

int ReportErrorReply(const json& reply) {
  std::cerr << "error: " << ErrorReason(reply) << "\n";
  return kExitErrorReply;
}

void Print(const std::string& text) {
  std::cout << text;
  std::cout.flush();
}

// A best-effort read used only to enrich human output: failures yield null.
json Peek(Client& client, const std::string& command, const json& props, double timeout) {
  CallResult r = client.Call(command, props, timeout);
  if (r.error != CallError::kNone || IsErrorReply(r.reply)) return json();
  return r.reply;
}

// The watcher's desired process count, or nullopt if it cannot be read.
// `status` with detail has it (§10.5); Circus only via `get numprocesses`.
std::optional<int64_t> DesiredCount(Client& client, const Invocation& inv, double timeout) {
  const std::string name = inv.properties.value("name", std::string());
  json status = Peek(client, "status", {{"name", name}, {"detail", true}}, timeout);
  if (status.is_object() && status.contains("detail") && status["detail"].is_object()) {
    const json n = status["detail"].value("numprocesses", json());
    if (n.is_number_integer()) return n.get<int64_t>();
  }
  json got = Peek(client, "get", {{"name", name}, {"keys", {"numprocesses"}}}, timeout);
  if (!got.is_object() || !got.contains("options")) return std::nullopt;
  const json n = got["options"].value("numprocesses", json());
  if (!n.is_number_integer()) return std::nullopt;
  return n.get<int64_t>();
}

// `status` as a table. Prefers one request with detail (§10.5); a daemon
// without the extension (Circus) gets status + list + stats + get per watcher.
int RunStatus(const Invocation& inv, const GlobalOptions& globals, Client& client) {
  const double timeout = globals.EffectiveTimeout();
  json props = inv.properties;
  props["detail"] = true;
  props["summary"] = true;  // pids, not 1,000 process objects; Circus ignores it
  CallResult r = client.Call("status", props, timeout);
  if (r.error != CallError::kNone) return ReportCallError(r, client, timeout);
  if (IsErrorReply(r.reply)) return ReportErrorReply(r.reply);

  const std::string name = inv.properties.value("name", std::string());
  std::optional<std::vector<WatcherRow>> rows = RowsFromStatusDetail(r.reply, name, Now());
  if (!rows) {
    rows.emplace();
    for (const auto& [watcher, state] : StatesFromStatusReply(r.reply, name)) {
      WatcherFacts facts;
      facts.name = watcher;
      facts.state = state;
      facts.list_reply = Peek(client, "list", {{"name", watcher}}, timeout);
      facts.stats_reply = Peek(client, "stats", {{"name", watcher}}, timeout);
      facts.get_reply =
          Peek(client, "get", {{"name", watcher}, {"keys", {"numprocesses"}}}, timeout);
      rows->push_back(RowFromFacts(facts));
    }
  }
  if (rows->empty()) {
    Print("(no watchers)\n");
  } else {
    Print(FormatStatusTable(std::move(*rows)));
  }
  return kExitOk;
}

}  // namespace

int RunInvocation(const Invocation& inv, const GlobalOptions& globals, Client& client) {
  if (inv.command == kHelpCommand) {
    Print(inv.help_topic.empty() ? CommandListHelp() : CommandHelp(inv.help_topic));
    return kExitOk;
  }
  if (inv.command == kListenCommand) return RunListen(inv.listen_topic, globals, client);

  try {
    if (inv.command == "status" && !globals.json) return RunStatus(inv, globals, client);

    const double timeout = globals.EffectiveTimeout();
    const bool waiting = inv.properties.value("waiting", false) == true;
    // Without waiting, incr/decr replies are bare (§5), yet the new desired
    // count is what a human asked about. The daemon applies the resize after
    // replying, so reading it back races; read the base count first and
    // apply the daemon's rule (desired ± nb, clamped at 0) instead.
    std::optional<int64_t> before;
    const bool resize = inv.command == "incr" || inv.command == "decr";
    if (resize && !waiting && !globals.json) before = DesiredCount(client, inv, timeout);
    CallResult r = client.Call(inv.command, inv.properties, timeout);
    if (r.error != CallError::kNone) return ReportCallError(r, client, timeout, waiting);
    if (globals.json) {
      Print(r.reply.dump() + "\n");
      return IsErrorReply(r.reply) ? kExitErrorReply : kExitOk;
    }
    if (IsErrorReply(r.reply)) return ReportErrorReply(r.reply);

    json reply = r.reply;
    if (resize && before && !reply.contains("numprocesses")) {
      const int64_t nb = inv.properties.value("nb", int64_t{1});
      reply["numprocesses"] = std::max<int64_t>(0, *before + (inv.command == "incr" ? nb : -nb));
    }
    Print(FormatReply(inv, reply));
    return kExitOk;
  } catch (const json::exception& e) {
    // A reply of an unexpected shape must not crash ringctl.
    std::cerr << "ringctl: unexpected reply from " << client.endpoint() << ": " << e.what()
              << " (try --json)\n";
    return kExitErrorReply;
  }
}

}  // namespace ringmaster
