#include "ctl/complete_words.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

using Words = std::vector<std::string>;

// A source that counts how often the daemon would be asked.
struct FakeSource {
  int lists = 0;
  CompletionSource source{[this] {
                            ++lists;
                            return Words{"web", "worker"};
                          },
                          [](const std::string&) { return Words{"numprocesses"}; }};
};

TEST(CompleteWords, CommandsWithoutAskingTheDaemon) {
  FakeSource fake;
  Words got = CompleteWords({"st"}, fake.source, nullptr);
  EXPECT_EQ(got, (Words{"start", "stats", "status", "stop"}));
  EXPECT_EQ(fake.lists, 0);
  got = CompleteWords({"e"}, fake.source, nullptr);
  EXPECT_TRUE(got.empty()) << "'exit' belongs to the interactive shell";
}

TEST(CompleteWords, GlobalFlagsBeforeTheCommand) {
  FakeSource fake;
  EXPECT_EQ(CompleteWords({"--ti"}, fake.source, nullptr), Words{"--timeout"});
  EXPECT_TRUE(CompleteWords({"--timeout", ""}, fake.source, nullptr).empty());
  EXPECT_EQ(CompleteWords({"--timeout", "2", "--json", "numw"}, fake.source, nullptr),
            Words{"numwatchers"});
}

TEST(CompleteWords, WatcherNamesAndTheEndpointOnTheLine) {
  FakeSource fake;
  std::string endpoint;
  Words got = CompleteWords({"--endpoint", "ipc:///x", "stop", "w"}, fake.source, &endpoint);
  EXPECT_EQ(got, (Words{"web", "worker"}));
  EXPECT_EQ(endpoint, "ipc:///x");
  EXPECT_EQ(fake.lists, 1);
  CompleteWords({"--endpoint=tcp://127.0.0.1:5555", "start", ""}, fake.source, &endpoint);
  EXPECT_EQ(endpoint, "tcp://127.0.0.1:5555");
}

TEST(CompleteWords, CommandFlagsAndOptionKeys) {
  FakeSource fake;
  EXPECT_EQ(CompleteWords({"restart", "--max-s"}, fake.source, nullptr), Words{"--max-surge"});
  EXPECT_EQ(CompleteWords({"set", "web", "num"}, fake.source, nullptr), Words{"numprocesses"});
  EXPECT_TRUE(CompleteWords({}, fake.source, nullptr).empty());
}

}  // namespace
}  // namespace ringmaster
