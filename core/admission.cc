#include "core/admission.h"

#include <array>

namespace ringmaster {
namespace {

// Row/column groups of the §10.2 table.
enum Group { kNone, kStart, kStop, kRestart, kResize, kRm, kQuit, kUnknown, kGroups };

Group GroupOf(std::string_view c) {
  if (c.empty()) return kNone;
  if (c == "start") return kStart;
  if (c == "stop") return kStop;
  if (c == "restart" || c == "reload") return kRestart;
  if (c == "incr" || c == "decr" || c == "set") return kResize;
  if (c == "rm") return kRm;
  if (c == "quit") return kQuit;
  return kUnknown;
}

constexpr Admit R = Admit::kRun, P = Admit::kPreempt, J = Admit::kJoin, B = Admit::kBusy;

// kTable[running][incoming]; columns: none(unused) start stop restart resize rm quit.
// A watcher being removed has left the table (commands naming it get "not
// found" before admission), so only quit meets a running rm: join.
constexpr std::array<std::array<Admit, 7>, 7> kTable = {{
    //          -  start stop restart resize rm quit
    /* none  */ {R, R, R, R, R, R, R},
    /* start */ {R, J, P, B, B, P, P},
    /* stop  */ {R, B, J, B, B, J, J},
    /* rest. */ {R, B, P, B, B, P, P},
    /* resiz */ {R, B, P, B, B, P, P},
    /* rm    */ {R, B, B, B, B, B, J},
    /* quit  */ {R, B, J, B, B, J, J},
}};

}  // namespace

Admit Decide(std::string_view running, std::string_view incoming) {
  Group r = GroupOf(running), c = GroupOf(incoming);
  if (r == kUnknown || c == kUnknown || c == kNone) return Admit::kBusy;
  return kTable[r][c];
}

const char* ToString(Admit a) {
  switch (a) {
    case Admit::kRun: return "run";
    case Admit::kPreempt: return "preempt";
    case Admit::kJoin: return "join";
    case Admit::kBusy: return "busy";
  }
  return "?";
}

}  // namespace ringmaster
