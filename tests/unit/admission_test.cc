#include "core/admission.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

struct Cell {
  const char* running;
  const char* incoming;
  Admit expected;
};

// Every cell of docs/protocol.md §10.2 (restart/reload and incr/decr/set
// share rows and columns; each member is checked).
TEST(Admission, EveryCellOfTheTable) {
  const Admit R = Admit::kRun, P = Admit::kPreempt, J = Admit::kJoin, B = Admit::kBusy;
  const char* incomings[] = {"stop", "rm", "start", "restart", "reload", "incr", "decr", "set", "quit"};
  struct Row {
    const char* running;
    Admit by_incoming[9];
  } rows[] = {
      {"", {R, R, R, R, R, R, R, R, R}},
      {"start", {P, P, J, B, B, B, B, B, P}},
      {"stop", {J, J, B, B, B, B, B, B, J}},
      {"restart", {P, P, B, B, B, B, B, B, P}},
      {"reload", {P, P, B, B, B, B, B, B, P}},
      {"incr", {P, P, B, B, B, B, B, B, P}},
      {"decr", {P, P, B, B, B, B, B, B, P}},
      {"set", {P, P, B, B, B, B, B, B, P}},
      {"rm", {B, B, B, B, B, B, B, B, J}},
  };
  for (const Row& row : rows) {
    for (int i = 0; i < 9; ++i) {
      EXPECT_EQ(Decide(row.running, incomings[i]), row.by_incoming[i])
          << "running=" << row.running << " incoming=" << incomings[i] << " got "
          << ToString(Decide(row.running, incomings[i]));
    }
  }
}

TEST(Admission, UnknownCommandsAreBusyNotRun) {
  EXPECT_EQ(Decide("start", "frobnicate"), Admit::kBusy);
  EXPECT_EQ(Decide("frobnicate", "stop"), Admit::kBusy);
}

}  // namespace
}  // namespace ringmaster
