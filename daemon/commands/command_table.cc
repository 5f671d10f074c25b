// The command table: every control command and its handler, in one array
// (ZeroMQ and HTTP dispatch through it; specs live in core/command_spec.cc).
#include "daemon/commands/command_context.h"

namespace ringmaster {

void CmdAdd(CommandContext&, const Request&, Responder);
void CmdDecr(CommandContext&, const Request&, Responder);
void CmdDstats(CommandContext&, const Request&, Responder);
void CmdGet(CommandContext&, const Request&, Responder);
void CmdGlobaloptions(CommandContext&, const Request&, Responder);
void CmdIncr(CommandContext&, const Request&, Responder);
void CmdKill(CommandContext&, const Request&, Responder);
void CmdList(CommandContext&, const Request&, Responder);
void CmdListsockets(CommandContext&, const Request&, Responder);
void CmdNumprocesses(CommandContext&, const Request&, Responder);
void CmdNumwatchers(CommandContext&, const Request&, Responder);
void CmdOptions(CommandContext&, const Request&, Responder);
void CmdQuit(CommandContext&, const Request&, Responder);
void CmdReload(CommandContext&, const Request&, Responder);
void CmdReloadconfig(CommandContext&, const Request&, Responder);
void CmdRestart(CommandContext&, const Request&, Responder);
void CmdRm(CommandContext&, const Request&, Responder);
void CmdSet(CommandContext&, const Request&, Responder);
void CmdSignal(CommandContext&, const Request&, Responder);
void CmdStart(CommandContext&, const Request&, Responder);
void CmdStats(CommandContext&, const Request&, Responder);
void CmdStatus(CommandContext&, const Request&, Responder);
void CmdStop(CommandContext&, const Request&, Responder);
void CmdUpgrade(CommandContext&, const Request&, Responder);

const std::vector<CommandEntry>& CommandTable() {
  static const std::vector<CommandEntry> kTable = {
      {"add", CmdAdd},
      {"decr", CmdDecr},
      {"dstats", CmdDstats},
      {"get", CmdGet},
      {"globaloptions", CmdGlobaloptions},
      {"incr", CmdIncr},
      {"kill", CmdKill},
      {"list", CmdList},
      {"listsockets", CmdListsockets},
      {"numprocesses", CmdNumprocesses},
      {"numwatchers", CmdNumwatchers},
      {"options", CmdOptions},
      {"quit", CmdQuit},
      {"reload", CmdReload},
      {"reloadconfig", CmdReloadconfig},
      {"restart", CmdRestart},
      {"rm", CmdRm},
      {"set", CmdSet},
      {"signal", CmdSignal},
      {"start", CmdStart},
      {"stats", CmdStats},
      {"status", CmdStatus},
      {"stop", CmdStop},
      {"upgrade", CmdUpgrade},
  };
  return kTable;
}

const CommandEntry* FindCommand(std::string_view name) {
  for (const CommandEntry& e : CommandTable()) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

}  // namespace ringmaster
