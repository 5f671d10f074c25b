#include "ctl/completion.h"

#include <algorithm>

#include "core/command_spec.h"
#include "ctl/args.h"

namespace ringmaster {
namespace {

const std::vector<std::string>& SignalNames() {
  static const std::vector<std::string> kNames = {"HUP",  "INT",  "QUIT", "KILL", "USR1",  "USR2",
                                                  "TERM", "CONT", "STOP", "TSTP", "WINCH", "ALRM"};
  return kNames;
}

const std::vector<std::string>& GlobalOptionNames() {
  static const std::vector<std::string> kNames = {"check_delay", "endpoint", "multicast_endpoint",
                                                  "pubsub_endpoint", "stats_endpoint"};
  return kNames;
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

const PropSpec* FindProp(const CommandSpec& spec, std::string_view flag) {
  std::string name(flag.substr(flag.find_first_not_of('-')));
  std::replace(name.begin(), name.end(), '-', '_');
  for (const PropSpec& p : spec.props) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<std::string> CommandNames() {
  std::vector<std::string> out;
  for (const CommandSpec& spec : AllCommandSpecs()) out.push_back(spec.name);
  out.insert(out.end(), {std::string(kHelpCommand), std::string(kListenCommand), "exit"});
  return out;
}

std::vector<std::string> Flags(const CommandSpec* spec) {
  std::vector<std::string> out = {"--json", "--help"};
  if (!spec) return out;
  out.insert(out.end(), {"--wait", "--timeout"});
  for (const PropSpec& p : spec->props) {
    if (p.name == "waiting") continue;
    out.push_back(FlagName(p.name));
    if (p.type == PropType::kBool) out.push_back("--no-" + FlagName(p.name).substr(2));
  }
  return out;
}

// Values for the property `prop` of `spec` (the word being typed fills it).
std::vector<std::string> ValuesFor(const PropSpec* prop, const std::vector<std::string>& before,
                                   const CompletionSource& source) {
  if (!prop) return {};
  if (prop->type == PropType::kSignal) return SignalNames();
  if (prop->type == PropType::kMatch) return {"glob", "regex", "simple"};
  if (prop->name == "name" && source.watcher_names) return source.watcher_names();
  if (prop->name == "option") return GlobalOptionNames();
  if ((prop->name == "keys" || prop->name == "options") && source.option_keys &&
      before.size() > 1) {
    return source.option_keys(before[1]);
  }
  return {};
}

}  // namespace

std::vector<std::string> CompletionCandidates(const std::vector<std::string>& before,
                                              std::string_view text,
                                              const CompletionSource& source) {
  std::vector<std::string> all;
  const std::string cmd = before.empty() ? "" : Lower(before[0]);
  const CommandSpec* spec = cmd.empty() ? nullptr : FindCommandSpec(cmd);
  if (before.empty()) {
    all = CommandNames();
  } else if (!text.empty() && text[0] == '-') {
    all = Flags(spec);
  } else if (cmd == kHelpCommand) {
    if (before.size() == 1) all = CommandNames();
  } else if (spec) {
    // Which positional slot is `text`? Flag words, and the values of flags
    // that take one, are not slots.
    size_t slot = 0;
    const PropSpec* pending_flag = nullptr;
    for (size_t i = 1; i < before.size(); ++i) {
      if (pending_flag) {
        pending_flag = nullptr;
      } else if (LooksLikeFlag(before[i])) {
        const PropSpec* p = FindProp(*spec, before[i]);
        bool takes_value = (p && p->type != PropType::kBool) || before[i] == "--timeout";
        if (takes_value && before[i].find('=') == std::string::npos) {
          static const PropSpec kTimeout{"timeout", PropType::kNumber, false, ""};
          pending_flag = p ? p : &kTimeout;
        }
      } else {
        ++slot;
      }
    }
    if (pending_flag) {
      all = ValuesFor(pending_flag, before, source);
    } else {
      size_t first = 0;
      for (const Positional& pos : PositionalsFor(*spec)) {
        // A layout property missing from the spec still completes by name.
        const PropSpec unlisted{pos.prop, PropType::kString, false, ""};
        const PropSpec* prop = &unlisted;
        for (const PropSpec& p : spec->props) {
          if (p.name == pos.prop) prop = &p;
        }
        if (pos.kind == PositionalKind::kScalar) {
          if (slot == first) all = ValuesFor(prop, before, source);
          ++first;
          continue;
        }
        // kRest / kKeyValues take every remaining slot; for KEY VALUE pairs
        // only the KEY slots complete.
        if (slot >= first && (pos.kind == PositionalKind::kRest || (slot - first) % 2 == 0)) {
          all = ValuesFor(prop, before, source);
        }
        break;
      }
    }
  }
  std::vector<std::string> out;
  for (std::string& c : all) {
    if (c.compare(0, text.size(), text) == 0) out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace ringmaster
