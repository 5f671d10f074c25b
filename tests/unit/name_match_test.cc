#include "core/name_match.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

const std::vector<std::string> kNames = {"Web", "web2", "worker", "api"};

std::vector<size_t> M(const std::string& pat, const std::string& method) {
  auto r = MatchNames(kNames, pat, method);
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? r.value() : std::vector<size_t>{};
}

TEST(NameMatch, SimpleIsExactCaseInsensitive) {
  EXPECT_EQ(M("WEB", "simple"), (std::vector<size_t>{0}));
  EXPECT_TRUE(M("we", "simple").empty());
}

TEST(NameMatch, GlobMatchesWholeLowercasedName) {
  EXPECT_EQ(M("w*", "glob"), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(M("web?", "glob"), (std::vector<size_t>{1}));
  EXPECT_EQ(M("[!w]*", "glob"), (std::vector<size_t>{3}));
  EXPECT_TRUE(M("eb", "glob").empty());
}

TEST(NameMatch, RegexIsAnchoredAtTheStartOnly) {
  EXPECT_EQ(M("we", "regex"), (std::vector<size_t>{0, 1}));
  EXPECT_TRUE(M("eb", "regex").empty());
  EXPECT_EQ(M("W.R", "regex"), (std::vector<size_t>{2}));
}

TEST(NameMatch, Errors) {
  auto bad = MatchNames(kNames, "x", "fuzzy");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "unknown match method fuzzy");
  auto re = MatchNames(kNames, "(", "regex");
  ASSERT_FALSE(re.ok());
  EXPECT_EQ(re.error().rfind("invalid regex '(': ", 0), 0u) << re.error();
}

}  // namespace
}  // namespace ringmaster
