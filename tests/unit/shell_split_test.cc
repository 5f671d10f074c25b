#include "core/shell_split.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

using Words = std::vector<std::string>;

Words Split(std::string_view s) {
  Result<Words> r = ShellSplit(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.error();
  return r.ok() ? r.value() : Words{};
}

TEST(ShellSplitTest, Whitespace) {
  EXPECT_EQ(Split("a b\tc\nd  \r e"), (Words{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(Split(""), Words{});
  EXPECT_EQ(Split("   "), Words{});
}

TEST(ShellSplitTest, SingleQuotesAreLiteral) {
  EXPECT_EQ(Split("'a b' 'c\\d' '\"'"), (Words{"a b", "c\\d", "\""}));
}

TEST(ShellSplitTest, DoubleQuotesEscapeOnlyQuoteAndBackslash) {
  EXPECT_EQ(Split(R"("a b" "x\"y" "p\\q" "\$HOME" "\n")"),
            (Words{"a b", "x\"y", "p\\q", "\\$HOME", "\\n"}));
}

TEST(ShellSplitTest, BackslashOutsideQuotes) {
  EXPECT_EQ(Split(R"(a\ b c\\d \'e)"), (Words{"a b", "c\\d", "'e"}));
}

TEST(ShellSplitTest, AdjacentPartsJoin) {
  EXPECT_EQ(Split(R"(a"b c"d'e f'g)"), (Words{"ab cde fg"}));
}

TEST(ShellSplitTest, EmptyQuotesGiveAnEmptyWord) {
  EXPECT_EQ(Split("a '' \"\" b"), (Words{"a", "", "", "b"}));
}

TEST(ShellSplitTest, HashIsNotAComment) { EXPECT_EQ(Split("echo #x"), (Words{"echo", "#x"})); }

TEST(ShellSplitTest, Errors) {
  EXPECT_EQ(ShellSplit("a 'b").error(), "no closing quotation");
  EXPECT_EQ(ShellSplit("a \"b").error(), "no closing quotation");
  EXPECT_EQ(ShellSplit("a \\").error(), "no escaped character");
  EXPECT_EQ(ShellSplit("\"a\\").error(), "no escaped character");
}

TEST(ShellQuoteTest, SafeWordsUnchanged) {
  EXPECT_EQ(ShellQuote("abc-_@%+=:,./XYZ09"), "abc-_@%+=:,./XYZ09");
}

TEST(ShellQuoteTest, QuotesTheRest) {
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("$HOME"), "'$HOME'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\"'\"'s'");
}

TEST(ShellQuoteTest, RoundTripsThroughSplit) {
  const Words words = {"a b", "", "it's", "$x", "\"q\"", "back\\slash", "plain"};
  EXPECT_EQ(Split(ShellJoin(words)), words);
  EXPECT_EQ(ShellJoin({"echo", "a b"}), "echo 'a b'");
}

}  // namespace
}  // namespace ringmaster
