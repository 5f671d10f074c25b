#include "ctl/help.h"

#include <algorithm>

#include "core/command_spec.h"
#include "ctl/args.h"
#include "ctl/table.h"

namespace ringmaster {
namespace {

constexpr const char* kListenSynopsis = "listen [TOPIC]";
constexpr const char* kListenSummary =
    "print events (\"<topic> <json>\" lines) until Ctrl-C; TOPIC is a prefix, default "
    "\"watcher.\" (e.g. watcher.web.)";
constexpr const char* kHelpSynopsis = "help [COMMAND]";
constexpr const char* kHelpSummary = "list the commands, or describe one";

// The placeholder after a flag, e.g. "--pid PID".
std::string ValueHint(const PropSpec& p) {
  switch (p.type) {
    case PropType::kInt:
    case PropType::kIntOrNumStr:
      return "N";
    case PropType::kNumber:
    case PropType::kNumberOrNumStr:
      return "SECONDS";
    case PropType::kSignal:
      return "SIGNAL";
    case PropType::kMatch:
      return "glob|simple|regex";
    case PropType::kCountOrPercent:
      return "N|N%";
    case PropType::kObject:
      return "JSON";
    case PropType::kStringArray:
    case PropType::kStringOrStringArray:
      return "WORD|JSON";
    default:
      return "VALUE";
  }
}

// --wait counts: it is what async commands are usually run with.
bool HasFlags(const CommandSpec& spec) {
  if (spec.async) return true;
  const std::vector<Positional> pos = PositionalsFor(spec);
  return std::any_of(spec.props.begin(), spec.props.end(), [&](const PropSpec& p) {
    return p.name != "waiting" && std::none_of(pos.begin(), pos.end(), [&](const Positional& x) {
             return x.prop == p.name;
           });
  });
}

std::string Indent(const std::string& table) {
  std::string out;
  size_t start = 0;
  while (start < table.size()) {
    size_t end = table.find('\n', start);
    out += "  " + table.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string CommandListHelp() {
  std::vector<TableRow> rows;
  for (const CommandSpec& spec : AllCommandSpecs()) {
    rows.push_back({Synopsis(spec), spec.summary});
  }
  rows.push_back({kListenSynopsis, "print events until Ctrl-C"});
  rows.push_back({kHelpSynopsis, kHelpSummary});
  return "Commands:\n" + Indent(FormatRows(rows)) +
         "\n'ringctl help COMMAND' describes a command's arguments and flags.\n";
}

std::string UsageLine(const std::string& name) {
  if (name == kListenCommand) return std::string("usage: ringctl ") + kListenSynopsis;
  if (name == kHelpCommand) return std::string("usage: ringctl ") + kHelpSynopsis;
  const CommandSpec* spec = FindCommandSpec(name);
  if (!spec) return "usage: ringctl [flags] COMMAND [ARGS]";
  return "usage: ringctl " + Synopsis(*spec) + (HasFlags(*spec) ? " [flags]" : "");
}

std::string UsageErrorText(const std::string& command, const std::string& error) {
  std::string out = "ringctl: " + error + "\n";
  if (command == kHelpCommand || command == kListenCommand || FindCommandSpec(command)) {
    out += UsageLine(command) + "\n";
  }
  return out;
}

std::string CommandHelp(const std::string& name) {
  if (name == kListenCommand) {
    return UsageLine(name) + "\n  " + kListenSummary +
           "\n\n  The events endpoint is --pubsub-endpoint, else $RINGMASTER_PUBSUB_ENDPOINT,\n"
           "  else the daemon's pubsub_endpoint (asked with globaloptions), else the default.\n";
  }
  if (name == kHelpCommand) return UsageLine(name) + "\n  " + kHelpSummary + "\n";
  const CommandSpec* spec = FindCommandSpec(name);
  if (!spec) return "unknown command '" + name + "'\n";

  std::string out = UsageLine(name) + "\n  " + spec->summary + "\n";
  const std::vector<Positional> positionals = PositionalsFor(*spec);
  std::vector<TableRow> args;
  for (const Positional& pos : positionals) {
    std::string help;
    for (const PropSpec& p : spec->props) {
      if (p.name == pos.prop) help = p.help;
    }
    if (pos.kind == PositionalKind::kKeyValues) {
      help += (help.empty() ? "" : "; ") +
              std::string(
                  "each VALUE is sent as an int, number, true/false or null when it reads as ") +
              "one, else as a string";
    }
    args.push_back({pos.label, help + (pos.optional ? "" : " (required)")});
  }
  std::vector<TableRow> flags;
  for (const PropSpec& p : spec->props) {
    if (p.name == "waiting") continue;
    bool positional = std::any_of(positionals.begin(), positionals.end(),
                                  [&](const Positional& x) { return x.prop == p.name; });
    if (positional) continue;
    std::string flag = FlagName(p.name);
    flag += p.type == PropType::kBool ? ", --no-" + flag.substr(2) : " " + ValueHint(p);
    flags.push_back({flag, p.help + (p.required ? " (required)" : "")});
  }
  if (spec->async) {
    flags.push_back({"--wait", "return when the operation has finished, with its result"});
  }
  if (!args.empty()) out += "\nArguments:\n" + Indent(FormatRows(args));
  if (!flags.empty()) out += "\nFlags:\n" + Indent(FormatRows(flags));
  out += "\n";
  if (!positionals.empty()) {
    out += "Each argument may also be given as a flag named after its property, e.g. " +
           FlagName(positionals.back().prop) + " VALUE.\n";
  }
  out += "Global flags --json, --wait and --timeout S may also follow the command.\n";
  return out;
}

std::string GlobalHelpFooter() {
  return CommandListHelp() +
         "\nWith no COMMAND, ringctl starts an interactive shell (history in ~/.ringctl_history,\n"
         "Tab completes commands and watcher names; 'exit' or Ctrl-D leaves it).\n"
         "\nEndpoint: --endpoint, else $RINGMASTER_ENDPOINT, else the daemon's default\n"
         "(ipc://RUNDIR/control.sock; RUNDIR is $XDG_RUNTIME_DIR/ringmaster, /run/ringmaster for\n"
         "root, else /tmp/ringmaster-UID), so 'ringctl status' finds a daemon started with\n"
         "defaults. --timeout defaults to 5 s, or 3600 s with --wait.\n"
         "\nExit codes:\n"
         "  0  success\n"
         "  1  the daemon replied with an error (printed as 'error: <reason>')\n"
         "  2  usage error (bad command or arguments; nothing was sent)\n"
         "  3  daemon unreachable, or no reply before the timeout\n";
}

}  // namespace ringmaster
