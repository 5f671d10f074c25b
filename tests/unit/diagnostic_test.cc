#include "core/diagnostic.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

TEST(DiagnosticTest, FormatsEveryPart) {
  Diagnostic d{"/etc/rm.ini", 14, "watcher:web", "numprocesses", "'three' is not an integer"};
  EXPECT_EQ(d.Format(), "/etc/rm.ini:14: [watcher:web] numprocesses: 'three' is not an integer");
}

TEST(DiagnosticTest, SectionLevelProblemHasNoKey) {
  Diagnostic d{"/etc/conf.d/api.ini", 3, "watcher:api", "", "'cmd' is required"};
  EXPECT_EQ(d.Format(), "/etc/conf.d/api.ini:3: [watcher:api]: 'cmd' is required");
}

TEST(DiagnosticTest, LineLevelProblemHasNoSection) {
  Diagnostic d{"/etc/rm.ini", 22, "", "", "line is not a section, a key or a comment"};
  EXPECT_EQ(d.Format(), "/etc/rm.ini:22: line is not a section, a key or a comment");
}

TEST(DiagnosticTest, FileLevelProblemHasNoLine) {
  Diagnostic d{"/etc/missing.ini", 0, "", "", "cannot read: No such file or directory"};
  EXPECT_EQ(d.Format(), "/etc/missing.ini: cannot read: No such file or directory");
}

TEST(DiagnosticTest, KeyWithoutSection) {
  Diagnostic d{"/a.ini", 1, "", "foo", "key before the first section header"};
  EXPECT_EQ(d.Format(), "/a.ini:1: foo: key before the first section header");
}

TEST(DiagnosticTest, NoFile) {
  Diagnostic d{"", 0, "", "", "boom"};
  EXPECT_EQ(d.Format(), "boom");
}

TEST(FormatDiagnosticsTest, PrefixesEachLine) {
  std::vector<Diagnostic> diags = {{"/a", 1, "circus", "x", "p1"}, {"/b", 0, "", "", "p2"}};
  std::vector<std::string> lines = FormatDiagnostics(diags, "ringmasterd: config error: ");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "ringmasterd: config error: /a:1: [circus] x: p1");
  EXPECT_EQ(lines[1], "ringmasterd: config error: /b: p2");
}

TEST(FormatDiagnosticsTest, LimitsAndCountsTheRest) {
  std::vector<Diagnostic> diags(53, Diagnostic{"/a", 1, "", "", "p"});
  std::vector<std::string> lines = FormatDiagnostics(diags, "E: ");
  ASSERT_EQ(lines.size(), 51u);
  EXPECT_EQ(lines[49], "E: /a:1: p");
  EXPECT_EQ(lines[50], "... and 3 more");
}

TEST(FormatDiagnosticsTest, ExactlyAtTheLimitHasNoTail) {
  std::vector<Diagnostic> diags(3, Diagnostic{"/a", 1, "", "", "p"});
  EXPECT_EQ(FormatDiagnostics(diags, "", 3).size(), 3u);
  EXPECT_TRUE(FormatDiagnostics({}, "").empty());
}

// Diagnostics echo file content; a binary file must not put raw bytes
// (terminal escapes, NULs, broken UTF-8) into the log or a reply.
TEST(DiagnosticTest, EscapesNonPrintableBytes) {
  EXPECT_EQ(EscapeForDisplay("plain text ~!"), "plain text ~!");
  EXPECT_EQ(EscapeForDisplay(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(EscapeForDisplay("\x1b[2J\t\r\n\x7f"), "\\x1b[2J\\x09\\x0d\\x0a\\x7f");
  EXPECT_EQ(EscapeForDisplay("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")
      << "valid UTF-8 is kept";
  EXPECT_EQ(EscapeForDisplay("\xff\xfe\xc3"), "\\xff\\xfe\\xc3");
  EXPECT_EQ(EscapeForDisplay("\xc0\xaf"), "\\xc0\\xaf") << "overlong";
  EXPECT_EQ(EscapeForDisplay("\xed\xa0\x80"), "\\xed\\xa0\\x80") << "surrogate";
}

TEST(DiagnosticTest, FormatEscapesEveryPart) {
  Diagnostic d{"/f.ini", 3, "watcher:\x01", "k\xff", "'\x1b]0;pwned\x07' is not an integer"};
  EXPECT_EQ(d.Format(),
            "/f.ini:3: [watcher:\\x01] k\\xff: '\\x1b]0;pwned\\x07' is not an integer");
}

}  // namespace
}  // namespace ringmaster
