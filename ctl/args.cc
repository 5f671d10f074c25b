#include "ctl/args.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace ringmaster {
namespace {

using nlohmann::json;
using PK = PositionalKind;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Positional layouts of the protocol's commands (docs/protocol.md §7).
// Commands missing here fall back to their required properties in order.
const std::map<std::string, std::vector<Positional>, std::less<>>& LayoutTable() {
  static const auto* kTable = new std::map<std::string, std::vector<Positional>, std::less<>>{
      {"add", {{"NAME", "name"}, {"CMD", "cmd"}, {"ARG", "args", PK::kRest, true}}},
      {"decr", {{"NAME", "name"}, {"NB", "nb", PK::kScalar, true}}},
      {"dstats", {}},
      {"get", {{"NAME", "name"}, {"KEY", "keys", PK::kRest}}},
      {"globaloptions", {{"OPTION", "option", PK::kScalar, true}}},
      {"incr", {{"NAME", "name"}, {"NB", "nb", PK::kScalar, true}}},
      {"kill", {{"NAME", "name"}, {"PID", "pid", PK::kScalar, true}}},
      {"list", {{"NAME", "name", PK::kScalar, true}}},
      {"listsockets", {}},
      {"numprocesses", {{"NAME", "name", PK::kScalar, true}}},
      {"numwatchers", {}},
      {"options", {{"NAME", "name"}}},
      {"quit", {}},
      {"reload", {{"NAME", "name", PK::kScalar, true}}},
      {"reloadconfig", {}},
      {"restart", {{"NAME", "name", PK::kScalar, true}}},
      {"rm", {{"NAME", "name"}}},
      {"set", {{"NAME", "name"}, {"KEY VALUE", "options", PK::kKeyValues}}},
      {"signal",
       {{"NAME", "name"},
        {"SIGNUM", "signum"},
        {"PID", "pid", PK::kScalar, true},
        {"CHILDPID", "childpid", PK::kScalar, true}}},
      {"start", {{"NAME", "name", PK::kScalar, true}}},
      {"stats", {{"NAME", "name", PK::kScalar, true}, {"PID", "process", PK::kScalar, true}}},
      {"status", {{"NAME", "name", PK::kScalar, true}}},
      {"stop", {{"NAME", "name", PK::kScalar, true}}},
      {"upgrade", {}},
  };
  return *kTable;
}

const PropSpec* FindProp(const CommandSpec& spec, std::string_view name) {
  for (const PropSpec& p : spec.props) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// A positional whose property the spec does not list is still sent (unknown
// properties are ignored by the daemon), typed as a plain string.
PropSpec PropOrString(const CommandSpec& spec, const std::string& name) {
  const PropSpec* p = FindProp(spec, name);
  return p ? *p : PropSpec{name, PropType::kString, false, ""};
}

Status Usage(const std::string& cmd, const std::string& what) {
  return Status::Error(cmd + ": " + what);
}

// Fills `props` from the positional words per the command's layout.
Status MapPositionals(const CommandSpec& spec, const std::vector<std::string>& words, json& props) {
  size_t i = 0;
  for (const Positional& pos : PositionalsFor(spec)) {
    const PropSpec prop = PropOrString(spec, pos.prop);
    const bool have = i < words.size();
    if (!have) {
      if (!pos.optional && !props.contains(pos.prop)) {
        return Usage(spec.name, "missing " + pos.label);
      }
      continue;
    }
    switch (pos.kind) {
      case PK::kScalar: {
        Result<json> v = ConvertWord(prop, words[i++]);
        if (!v.ok()) return Usage(spec.name, v.error());
        props[pos.prop] = std::move(v).value();
        break;
      }
      case PK::kRest: {
        json arr = json::array();
        while (i < words.size()) arr.push_back(words[i++]);
        props[pos.prop] = std::move(arr);
        break;
      }
      case PK::kKeyValues: {
        json obj = props.contains(pos.prop) && props[pos.prop].is_object() ? props[pos.prop]
                                                                           : json::object();
        for (; i < words.size(); i += 2) {
          if (i + 1 >= words.size()) {
            return Usage(spec.name, "option '" + words[i] + "' has no VALUE");
          }
          obj[words[i]] = ConvertOptionValue(words[i], words[i + 1]);
        }
        props[pos.prop] = std::move(obj);
        break;
      }
    }
  }
  if (i < words.size()) return Usage(spec.name, "unexpected argument '" + words[i] + "'");
  return Status::Ok();
}

// Handles one "--flag[=value]" word; may consume the next word as its value.
Status ApplyFlag(const CommandSpec& spec, const std::vector<std::string>& words, size_t& i,
                 json& props, GlobalOptions* globals, bool* help) {
  std::string word = words[i];
  std::optional<std::string> inline_value;
  if (size_t eq = word.find('='); eq != std::string::npos) {
    inline_value = word.substr(eq + 1);
    word.resize(eq);
  }
  auto take_value = [&](std::string* out) -> Status {
    if (inline_value) {
      *out = *inline_value;
    } else if (i + 1 < words.size()) {
      *out = words[++i];
    } else {
      return Usage(spec.name, "option '" + word + "' needs a value");
    }
    return Status::Ok();
  };

  if (word == "-h" || word == "--help") {
    *help = true;
    return Status::Ok();
  }
  if (word == "--json") {
    globals->json = true;
    return Status::Ok();
  }
  if (word == "--wait" || word == "--waiting") {  // --waiting: circusctl's spelling
    globals->wait = true;
    return Status::Ok();
  }
  if (word == "--timeout") {
    std::string v;
    if (Status s = take_value(&v); !s.ok()) return s;
    std::optional<double> t = ParseNumberWord(v);
    if (!t || *t <= 0) return Usage(spec.name, "--timeout must be a positive number of seconds");
    globals->timeout = *t;
    return Status::Ok();
  }

  std::string name = word.substr(word.rfind('-', 1) + 1);  // strip "-" or "--"
  std::replace(name.begin(), name.end(), '-', '_');
  const PropSpec* prop = name == "waiting" ? nullptr : FindProp(spec, name);
  bool negated = false;
  if (!prop && name.rfind("no_", 0) == 0) {
    prop = FindProp(spec, name.substr(3));
    negated = prop && prop->type == PropType::kBool;
    if (!negated) prop = nullptr;
  }
  if (!prop) {
    return Usage(spec.name, "unknown option '" + word + "' (see 'ringctl help " + spec.name + "')");
  }
  if (prop->type == PropType::kBool) {
    bool value = !negated;
    if (inline_value) {
      std::optional<bool> b = ParseBoolWord(*inline_value);
      if (!b) return Usage(spec.name, "'" + prop->name + "' must be a boolean");
      value = negated ? !*b : *b;
    }
    props[prop->name] = value;
    return Status::Ok();
  }
  std::string text;
  if (Status s = take_value(&text); !s.ok()) return s;
  Result<json> v = ConvertWord(*prop, text);
  if (!v.ok()) return Usage(spec.name, v.error());
  // A repeated array flag accumulates: --keys a --keys b.
  if (prop->type == PropType::kStringArray && props.contains(prop->name) &&
      props[prop->name].is_array() && text.rfind('[', 0) != 0) {
    props[prop->name].push_back(text);
  } else {
    props[prop->name] = std::move(v).value();
  }
  return Status::Ok();
}

Result<Invocation> ParseLocalCommand(const std::string& cmd, const std::vector<std::string>& words,
                                     GlobalOptions* globals) {
  Invocation inv;
  inv.command = cmd;
  std::vector<std::string> args;
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "--json") {
      globals->json = true;
    } else if (LooksLikeFlag(w)) {
      return Usage(cmd, "unknown option '" + w + "'");
    } else {
      args.push_back(w);
    }
  }
  if (args.size() > 1) return Usage(cmd, "unexpected argument '" + args[1] + "'");
  if (cmd == kHelpCommand) {
    if (!args.empty()) {
      inv.help_topic = Lower(args[0]);
      if (inv.help_topic != kHelpCommand && inv.help_topic != kListenCommand &&
          !FindCommandSpec(inv.help_topic)) {
        return Usage(cmd, "unknown command '" + args[0] + "'");
      }
    }
  } else {
    inv.listen_topic = args.empty() ? std::string(kDefaultListenTopic) : args[0];
  }
  return inv;
}

}  // namespace

std::vector<Positional> PositionalsFor(const CommandSpec& spec) {
  const auto& table = LayoutTable();
  if (auto it = table.find(spec.name); it != table.end()) return it->second;
  std::vector<Positional> out;
  for (const PropSpec& p : spec.props) {
    if (!p.required || p.type == PropType::kBool) continue;
    std::string label = p.name;
    for (char& c : label) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out.push_back({label, p.name, PK::kScalar, false});
  }
  return out;
}

std::string Synopsis(const CommandSpec& spec) {
  std::string out = spec.name;
  int open = 0;
  for (const Positional& pos : PositionalsFor(spec)) {
    out += ' ';
    if (pos.optional) {
      out += '[';
      ++open;
    }
    switch (pos.kind) {
      case PK::kScalar:
        out += pos.label;
        break;
      case PK::kRest:
        out += pos.label + "...";
        break;
      case PK::kKeyValues:
        out += pos.label + " [" + pos.label + "...]";
        break;
    }
  }
  out.append(open, ']');
  return out;
}

std::string FlagName(std::string_view prop) {
  std::string out = "--";
  out += prop;
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

Result<Invocation> ParseCommandWords(const std::vector<std::string>& words,
                                     GlobalOptions* globals) {
  if (words.empty()) return Status::Error("no command given (see 'ringctl help')");
  const std::string cmd = Lower(words[0]);
  if (cmd == kHelpCommand || cmd == kListenCommand) {
    return ParseLocalCommand(cmd, words, globals);
  }
  const CommandSpec* spec = FindCommandSpec(cmd);
  if (!spec) return Status::Error("unknown command '" + words[0] + "' (see 'ringctl help')");

  Invocation inv;
  inv.command = spec->name;
  std::vector<std::string> positionals;
  bool flags_done = false;
  bool help = false;
  for (size_t i = 1; i < words.size(); ++i) {
    if (!flags_done && words[i] == "--") {
      flags_done = true;
    } else if (!flags_done && LooksLikeFlag(words[i])) {
      if (Status s = ApplyFlag(*spec, words, i, inv.properties, globals, &help); !s.ok()) {
        return s;
      }
    } else {
      positionals.push_back(words[i]);
    }
  }
  if (help) {
    Invocation h;
    h.command = std::string(kHelpCommand);
    h.help_topic = spec->name;
    return h;
  }
  if (Status s = MapPositionals(*spec, positionals, inv.properties); !s.ok()) return s;
  if (globals->wait) inv.properties["waiting"] = true;
  if (Status s = ValidateProperties(*spec, inv.properties); !s.ok()) {
    return Usage(spec->name, s.message());
  }
  return inv;
}

}  // namespace ringmaster
