// The two halves of the command table agree: every spec in core/command_table.cc
// has a handler in daemon/commands/command_table.cc, and every handler a spec.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "core/command_spec.h"
#include "daemon/commands/command_context.h"

namespace ringmaster {
namespace {

TEST(CommandTable, EverySpecHasAHandler) {
  for (const CommandSpec& spec : AllCommandSpecs()) {
    const CommandEntry* entry = FindCommand(spec.name);
    ASSERT_NE(entry, nullptr) << "command '" << spec.name
                              << "' has a spec but no handler in daemon/commands/command_table.cc";
    EXPECT_NE(entry->handler, nullptr) << spec.name;
  }
}

TEST(CommandTable, EveryHandlerHasASpec) {
  for (const CommandEntry& entry : CommandTable()) {
    EXPECT_NE(FindCommandSpec(entry.name), nullptr)
        << "command '" << entry.name << "' has a handler but no spec in core/command_table.cc";
  }
}

TEST(CommandTable, NamesAreLowercaseAndUnique) {
  std::set<std::string> specs, handlers;
  for (const CommandSpec& spec : AllCommandSpecs()) {
    EXPECT_TRUE(specs.insert(spec.name).second) << "duplicate spec " << spec.name;
    for (char c : spec.name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << spec.name;
  }
  for (const CommandEntry& entry : CommandTable()) {
    EXPECT_TRUE(handlers.insert(std::string(entry.name)).second) << "duplicate handler " << entry.name;
  }
  EXPECT_EQ(specs, handlers);
}

}  // namespace
}  // namespace ringmaster
