#include "core/process_fsm.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace ringmaster {
namespace {

using S = ProcState;
using E = ProcEvent;

constexpr S kAllStates[] = {S::kSpawning, S::kStarting, S::kReady,
                            S::kStopping, S::kKilling,  S::kExited};
constexpr E kAllEvents[] = {E::kExecOk,        E::kExecFailed,   E::kReady, E::kReadyFailed,
                            E::kStopRequested, E::kGraceExpired, E::kExited};

struct Cell {
  S state;
  E event;
  bool valid;
  S next;
  uint32_t actions;
};

// Written out independently of the implementation: one row per cell, all 42.
// Invalid cells carry next = kExited / kActNone, the Transition defaults.
constexpr uint32_t kStop = kActSendStopSignal | kActArmGraceTimer;
const Cell kExpected[] = {
    // kSpawning
    {S::kSpawning, E::kExecOk, true, S::kStarting, kActEmitSpawn | kActArmReadyTimer},
    {S::kSpawning, E::kExecFailed, true, S::kExited, kActSpawnFailure},
    {S::kSpawning, E::kReady, false, S::kExited, kActNone},
    {S::kSpawning, E::kReadyFailed, false, S::kExited, kActNone},
    {S::kSpawning, E::kStopRequested, true, S::kKilling, kActKillTree},
    {S::kSpawning, E::kGraceExpired, false, S::kExited, kActNone},
    {S::kSpawning, E::kExited, true, S::kExited, kActSpawnFailure},
    // kStarting
    {S::kStarting, E::kExecOk, false, S::kExited, kActNone},
    {S::kStarting, E::kExecFailed, false, S::kExited, kActNone},
    {S::kStarting, E::kReady, true, S::kReady, kActCancelReadyTimer | kActEmitReady},
    {S::kStarting, E::kReadyFailed, true, S::kStopping, kActCancelReadyTimer | kStop},
    {S::kStarting, E::kStopRequested, true, S::kStopping, kActCancelReadyTimer | kStop},
    {S::kStarting, E::kGraceExpired, false, S::kExited, kActNone},
    {S::kStarting, E::kExited, true, S::kExited, kActCancelReadyTimer | kActEmitReap | kActCrash},
    // kReady
    {S::kReady, E::kExecOk, false, S::kExited, kActNone},
    {S::kReady, E::kExecFailed, false, S::kExited, kActNone},
    {S::kReady, E::kReady, false, S::kExited, kActNone},
    {S::kReady, E::kReadyFailed, false, S::kExited, kActNone},
    {S::kReady, E::kStopRequested, true, S::kStopping, kStop},
    {S::kReady, E::kGraceExpired, false, S::kExited, kActNone},
    {S::kReady, E::kExited, true, S::kExited, kActEmitReap | kActCrash},
    // kStopping
    {S::kStopping, E::kExecOk, false, S::kExited, kActNone},
    {S::kStopping, E::kExecFailed, false, S::kExited, kActNone},
    {S::kStopping, E::kReady, true, S::kStopping, kActNone},
    {S::kStopping, E::kReadyFailed, true, S::kStopping, kActNone},
    {S::kStopping, E::kStopRequested, true, S::kStopping, kActNone},
    {S::kStopping, E::kGraceExpired, true, S::kKilling, kActKillTree},
    {S::kStopping, E::kExited, true, S::kExited,
     kActCancelGraceTimer | kActEmitReap | kActRequestedExit},
    // kKilling
    {S::kKilling, E::kExecOk, true, S::kKilling, kActNone},
    {S::kKilling, E::kExecFailed, true, S::kKilling, kActNone},
    {S::kKilling, E::kReady, true, S::kKilling, kActNone},
    {S::kKilling, E::kReadyFailed, true, S::kKilling, kActNone},
    {S::kKilling, E::kStopRequested, true, S::kKilling, kActNone},
    {S::kKilling, E::kGraceExpired, false, S::kExited, kActNone},
    {S::kKilling, E::kExited, true, S::kExited, kActEmitReap | kActRequestedExit},
    // kExited: terminal
    {S::kExited, E::kExecOk, false, S::kExited, kActNone},
    {S::kExited, E::kExecFailed, false, S::kExited, kActNone},
    {S::kExited, E::kReady, false, S::kExited, kActNone},
    {S::kExited, E::kReadyFailed, false, S::kExited, kActNone},
    {S::kExited, E::kStopRequested, false, S::kExited, kActNone},
    {S::kExited, E::kGraceExpired, false, S::kExited, kActNone},
    {S::kExited, E::kExited, false, S::kExited, kActNone},
};

std::string Name(S s, E e) { return std::string(ToString(s)) + " x " + std::string(ToString(e)); }

TEST(ProcessFsmTest, ExpectedTableListsEveryCellExactlyOnce) {
  for (S s : kAllStates) {
    for (E e : kAllEvents) {
      int n = 0;
      for (const Cell& c : kExpected) n += (c.state == s && c.event == e);
      EXPECT_EQ(n, 1) << Name(s, e);
    }
  }
  EXPECT_EQ(std::size(kExpected), std::size(kAllStates) * std::size(kAllEvents));
}

TEST(ProcessFsmTest, EveryCellMatches) {
  for (const Cell& c : kExpected) {
    SCOPED_TRACE(Name(c.state, c.event));
    const Transition t = Step(c.state, c.event);
    EXPECT_EQ(t.valid, c.valid);
    EXPECT_EQ(t.next, c.next) << "got " << ToString(t.next) << ", want " << ToString(c.next);
    EXPECT_EQ(t.actions, c.actions)
        << std::hex << "got 0x" << t.actions << ", want 0x" << c.actions;
  }
}

// Invariants that hold across the table, stated separately so a future edit
// of both the table and kExpected still has to respect them.
TEST(ProcessFsmTest, TableInvariants) {
  for (S s : kAllStates) {
    for (E e : kAllEvents) {
      SCOPED_TRACE(Name(s, e));
      const Transition t = Step(s, e);
      if (!t.valid) {
        EXPECT_EQ(t.actions, kActNone);
        continue;
      }
      // Exactly one exit classification for every transition into kExited.
      const uint32_t cls = t.actions & (kActSpawnFailure | kActCrash | kActRequestedExit);
      if (t.next == S::kExited) {
        EXPECT_TRUE(cls == kActSpawnFailure || cls == kActCrash || cls == kActRequestedExit);
      } else {
        EXPECT_EQ(cls, kActNone);
      }
      // Timers and kills only happen on the way into the state that owns them.
      if (t.actions & kActArmGraceTimer) {
        EXPECT_EQ(t.next, S::kStopping);
      }
      if (t.actions & kActKillTree) {
        EXPECT_EQ(t.next, S::kKilling);
      }
      if (e == E::kExited) {
        EXPECT_EQ(t.next, S::kExited);
      }
    }
  }
}

TEST(ProcessFsmTest, OutOfRangeInputsAreInvalid) {
  EXPECT_FALSE(Step(static_cast<S>(99), E::kExited).valid);
  EXPECT_FALSE(Step(S::kReady, static_cast<E>(99)).valid);
}

TEST(ProcessFsmTest, StateNames) {
  EXPECT_EQ(ToString(S::kSpawning), "spawning");
  EXPECT_EQ(ToString(S::kStarting), "starting");
  EXPECT_EQ(ToString(S::kReady), "ready");
  EXPECT_EQ(ToString(S::kStopping), "stopping");
  EXPECT_EQ(ToString(S::kKilling), "killing");
  EXPECT_EQ(ToString(S::kExited), "exited");
}

TEST(ProcessFsmTest, EventNamesAreDistinct) {
  std::set<std::string_view> names;
  for (E e : kAllEvents) names.insert(ToString(e));
  EXPECT_EQ(names.size(), std::size(kAllEvents));
  EXPECT_EQ(names.count("unknown"), 0u);
  EXPECT_EQ(ToString(E::kExecOk), "exec_ok");
  EXPECT_EQ(ToString(E::kStopRequested), "stop_requested");
  EXPECT_EQ(ToString(E::kExited), "exited");
}

TEST(ProcessFsmTest, ProtocolState) {
  EXPECT_EQ(ProtocolState(S::kSpawning), "starting");
  EXPECT_EQ(ProtocolState(S::kStarting), "starting");
  EXPECT_EQ(ProtocolState(S::kReady), "ready");
  EXPECT_EQ(ProtocolState(S::kStopping), "stopping");
  EXPECT_EQ(ProtocolState(S::kKilling), "stopping");
  EXPECT_EQ(ProtocolState(S::kExited), "exited");
}

// A few whole lifecycles, as the daemon would drive them.
std::vector<S> Drive(S s, std::initializer_list<E> events) {
  std::vector<S> path{s};
  for (E e : events) {
    const Transition t = Step(s, e);
    EXPECT_TRUE(t.valid) << Name(s, e);
    s = t.next;
    path.push_back(s);
  }
  return path;
}

TEST(ProcessFsmTest, Lifecycles) {
  EXPECT_EQ(Drive(S::kSpawning, {E::kExecOk, E::kReady, E::kStopRequested, E::kExited}),
            (std::vector<S>{S::kSpawning, S::kStarting, S::kReady, S::kStopping, S::kExited}));
  EXPECT_EQ(
      Drive(S::kSpawning, {E::kExecOk, E::kReady, E::kStopRequested, E::kGraceExpired, E::kExited}),
      (std::vector<S>{S::kSpawning, S::kStarting, S::kReady, S::kStopping, S::kKilling,
                      S::kExited}));
  EXPECT_EQ(Drive(S::kSpawning, {E::kExecOk, E::kReadyFailed, E::kExited}),
            (std::vector<S>{S::kSpawning, S::kStarting, S::kStopping, S::kExited}));
  EXPECT_EQ(Drive(S::kSpawning, {E::kStopRequested, E::kExecOk, E::kExited}),
            (std::vector<S>{S::kSpawning, S::kKilling, S::kKilling, S::kExited}));
}

}  // namespace
}  // namespace ringmaster
