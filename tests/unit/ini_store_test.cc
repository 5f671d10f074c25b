#include "core/ini_store.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

IniFile File(const std::string& path, std::string_view text) {
  std::vector<Diagnostic> errors;
  IniFile f = ParseIni(path, text, &errors);
  EXPECT_TRUE(errors.empty());
  return f;
}

TEST(IniStoreTest, MergesSectionsAcrossPlacesAndFiles) {
  IniStore store;
  std::vector<Diagnostic> warnings;
  store.Merge(File("/a.ini", "[w]\nx = 1\n[other]\n[w]\ny = 2\n"), &warnings);
  store.Merge(File("/b.ini", "[w]\nz = 3\n[new]\nq = 4\n"), &warnings);
  EXPECT_TRUE(warnings.empty());
  ASSERT_EQ(store.sections().size(), 3u);
  EXPECT_EQ(store.sections()[0].name, "w");
  EXPECT_EQ(store.sections()[1].name, "other");
  EXPECT_EQ(store.sections()[2].name, "new");
  const IniSection* w = store.Find("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->loc, (SourceLoc{"/a.ini", 1}));
  ASSERT_EQ(w->values.size(), 3u);
  EXPECT_EQ(w->values[2].key, "z");
  EXPECT_EQ(w->values[2].loc, (SourceLoc{"/b.ini", 2}));
  EXPECT_TRUE(store.Find("other")->values.empty());
  EXPECT_EQ(store.Find("missing"), nullptr);
}

TEST(IniStoreTest, FirstDefinitionWins) {
  IniStore store;
  std::vector<Diagnostic> warnings;
  store.Merge(File("/main.ini", "[w]\ncmd = first\ncmd = second\n  cont\n"), &warnings);
  store.Merge(File("/inc.ini", "[w]\ncmd = third\nnew = 1\n"), &warnings);
  const IniValue* cmd = store.Find("w")->Find("cmd");
  ASSERT_NE(cmd, nullptr);
  EXPECT_EQ(cmd->value, "first");
  EXPECT_EQ(store.Find("w")->Find("new")->value, "1");
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(
      warnings[0].Format(),
      "/main.ini:3: [w] cmd: duplicate key ignored; the first definition at /main.ini:2 wins");
  EXPECT_EQ(warnings[1].Format(),
            "/inc.ini:2: [w] cmd: duplicate key ignored; the first definition at /main.ini:2 wins");
}

TEST(IniStoreTest, KeysAreCaseSensitive) {
  IniStore store;
  std::vector<Diagnostic> warnings;
  store.Merge(File("/a.ini", "[w]\ncmd = a\nCmd = b\n[W]\ncmd = c\n"), &warnings);
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(store.Find("w")->values.size(), 2u);
  EXPECT_EQ(store.Find("W")->Find("cmd")->value, "c");
}

}  // namespace
}  // namespace ringmaster
