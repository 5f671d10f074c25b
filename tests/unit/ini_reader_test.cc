#include "core/ini_reader.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

struct Parsed {
  IniFile file;
  std::vector<Diagnostic> errors;
};

Parsed Parse(std::string_view text) {
  Parsed p;
  p.file = ParseIni("/f.ini", text, &p.errors);
  return p;
}

// "section|key|value|line" for each entry.
std::vector<std::string> Entries(const Parsed& p) {
  std::vector<std::string> out;
  for (const IniEntry& e : p.file.entries) {
    out.push_back(e.section + "|" + e.key + "|" + e.value + "|" + std::to_string(e.line));
  }
  return out;
}

std::vector<std::string> Errors(const Parsed& p) {
  std::vector<std::string> out;
  for (const Diagnostic& d : p.errors) out.push_back(d.Format());
  return out;
}

using Lines = std::vector<std::string>;

TEST(IniReaderTest, SectionsKeysAndLineNumbers) {
  Parsed p = Parse("[a]\nk = v\n\n[b]\nx: y\nNumprocesses=3\n");
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(Entries(p), (Lines{"a|k|v|2", "b|x|y|5", "b|Numprocesses|3|6"}));
  ASSERT_EQ(p.file.headers.size(), 2u);
  EXPECT_EQ(p.file.headers[1].name, "b");
  EXPECT_EQ(p.file.headers[1].line, 4);
  EXPECT_EQ(p.file.path, "/f.ini");
}

TEST(IniReaderTest, SplitsAtTheFirstSeparator) {
  Parsed p = Parse("[s]\na = b=c\nurl: http://x:1\nm:n = o\n");
  EXPECT_EQ(Entries(p), (Lines{"s|a|b=c|2", "s|url|http://x:1|3", "s|m|n = o|4"}));
}

TEST(IniReaderTest, Comments) {
  Parsed p = Parse("# top\n; top\n[s]\n# c\n; c\na = 1\n  # indented comment\n\t; too\n");
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(Entries(p), (Lines{"s|a|1|6"}));
}

TEST(IniReaderTest, RemLines) {
  Parsed p = Parse("rem header\n[s]\nREM x = 1\nrem\nRem\tfoo\nremark = 2\na = 1\n rem b\n");
  EXPECT_TRUE(p.errors.empty()) << Errors(p)[0];
  EXPECT_EQ(Entries(p), (Lines{"s|remark|2|6", "s|a|1\nrem b|7"}));
}

TEST(IniReaderTest, InlineComments) {
  Parsed p = Parse("[s]\na = b ;c\nb = b;c\nc = b #c\nd = ;all comment\ne =;x\n");
  EXPECT_EQ(Entries(p), (Lines{"s|a|b|2", "s|b|b;c|3", "s|c|b #c|4", "s|d||5", "s|e|;x|6"}));
}

TEST(IniReaderTest, EmptyQuotesMeanEmpty) {
  Parsed p = Parse("[s]\na = \"\"\nb =\nc = ''\nd = \"x\"\ne = \"\" x\n");
  EXPECT_EQ(Entries(p), (Lines{"s|a||2", "s|b||3", "s|c|''|4", "s|d|\"x\"|5", "s|e|\"\" x|6"}));
}

TEST(IniReaderTest, Continuation) {
  Parsed p = Parse("[s]\ncmd = a\n  b ; comment\n\n# note\n\tc\nnext = 1\n");
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(Entries(p), (Lines{"s|cmd|a\nb\nc|2", "s|next|1|7"}));
}

TEST(IniReaderTest, ContinuationOfEmptyValue) {
  Parsed p = Parse("[s]\nargs =\n  --a\n  --b\n");
  EXPECT_EQ(Entries(p), (Lines{"s|args|\n--a\n--b|2"}));
}

TEST(IniReaderTest, IndentedLineAfterHeaderIsAKey) {
  Parsed p = Parse("[s]\n  a = 1\n  b = 2\n[t]\n  c = 3\n");
  EXPECT_EQ(Entries(p), (Lines{"s|a|1\nb = 2|2", "t|c|3|5"}));
}

TEST(IniReaderTest, ContinuationDoesNotCrossSections) {
  Parsed p = Parse("[s]\na = 1\n[t]\n  x\n");
  EXPECT_EQ(Entries(p), (Lines{"s|a|1|2"}));
  EXPECT_EQ(Errors(p), (Lines{"/f.ini:4: line is not a section, a key or a comment"}));
}

TEST(IniReaderTest, SectionNames) {
  Parsed p = Parse("[watcher:web] ; trailing\n[a]b]\n[Watcher:X]\n[]\n  [indented]\n");
  std::vector<std::string> names;
  for (const IniHeader& h : p.file.headers) names.push_back(h.name);
  EXPECT_EQ(names, (Lines{"watcher:web", "a]b", "Watcher:X", "", "indented"}));
  EXPECT_TRUE(p.errors.empty());
}

TEST(IniReaderTest, EveryBadLineIsReported) {
  Parsed p = Parse("[s]\nnot a key\na = 1\nstill not\n[broken\n= value\nk ;x = 1\nb = 2\n");
  EXPECT_EQ(Errors(p), (Lines{
                           "/f.ini:2: line is not a section, a key or a comment",
                           "/f.ini:4: line is not a section, a key or a comment",
                           "/f.ini:5: section header has no closing ']'",
                           "/f.ini:6: line is not a section, a key or a comment (the key is empty)",
                           "/f.ini:7: line is not a section, a key or a comment",
                       }));
  EXPECT_EQ(Entries(p), (Lines{"s|a|1|3", "s|b|2|8"}));
}

TEST(IniReaderTest, KeyBeforeAnySection) {
  Parsed p = Parse("a = 1\n  b\n[s]\nc = 2\n");
  EXPECT_EQ(Errors(p), (Lines{"/f.ini:1: a: key before the first section header",
                              "/f.ini:2: line is not a section, a key or a comment"}));
  EXPECT_EQ(Entries(p), (Lines{"s|c|2|4"}));
}

TEST(IniReaderTest, ByteOrderMarkIsIgnored) {
  Parsed p = Parse("\xEF\xBB\xBF[circus]\na = 1\n");
  EXPECT_TRUE(p.errors.empty());
  ASSERT_EQ(p.file.headers.size(), 1u);
  EXPECT_EQ(p.file.headers[0].name, "circus");
  EXPECT_EQ(Entries(p), (Lines{"circus|a|1|2"}));
}

TEST(IniReaderTest, CrLfAndNoFinalNewline) {
  Parsed p = Parse("[s]\r\na = 1\r\n  b\r\nc = 2");
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(Entries(p), (Lines{"s|a|1\nb|2", "s|c|2|4"}));
  EXPECT_TRUE(Parse("").file.entries.empty());
}

TEST(IniReaderTest, NulByteIsAnError) {
  Parsed p = Parse(std::string_view("[s]\na = x\0y\nb = 1\n", 18));
  EXPECT_EQ(Errors(p), (Lines{"/f.ini:2: line contains a NUL byte"}));
  EXPECT_EQ(Entries(p), (Lines{"s|b|1|3"}));
}

// Lines around and far beyond inih's 200-byte buffer.
TEST(IniReaderTest, LongLines) {
  for (size_t len : {190u, 196u, 197u, 198u, 199u, 200u, 201u, 300u, 5000u, 65536u - 4}) {
    const std::string value(len, 'v');
    Parsed p = Parse("[s]\nk = " + value + "\nafter = 1\n");
    EXPECT_TRUE(p.errors.empty()) << len;
    EXPECT_EQ(Entries(p), (Lines{"s|k|" + value + "|2", "s|after|1|3"})) << len;
  }
}

TEST(IniReaderTest, LongLineRulesMatchShortOnes) {
  const std::string big(400, 'x');
  Parsed p = Parse("[s]\nk = " + big + " ;comment " + big + "\ncmd = a\n    " + big + " ; c\n" +
                   big + " = " + "\"\"" + std::string(300, ' ') + "\n# " + big + "\n" + big + "\n");
  EXPECT_EQ(Entries(p), (Lines{"s|k|" + big + "|2", "s|cmd|a\n" + big + "|3", "s|" + big + "||5"}));
  EXPECT_EQ(Errors(p), (Lines{"/f.ini:7: line is not a section, a key or a comment"}));
}

TEST(IniReaderTest, LongSectionHeader) {
  const std::string name = "watcher:" + std::string(300, 'n');
  Parsed p = Parse("[" + name + "]\na = 1\n");
  ASSERT_EQ(p.file.headers.size(), 1u);
  EXPECT_EQ(p.file.headers[0].name, name);
  EXPECT_EQ(Entries(p), (Lines{name + "|a|1|2"}));
}

TEST(IniReaderTest, LineOver64KiBIsAnError) {
  const std::string huge(kMaxIniLine + 1 - 4, 'x');  // "k = " + value: one byte too many
  Parsed p = Parse("[s]\nk = " + huge + "\nb = 1\n");
  EXPECT_EQ(Errors(p), (Lines{"/f.ini:2: line is longer than 64 KiB"}));
  EXPECT_EQ(Entries(p), (Lines{"s|b|1|3"}));
  Parsed ok = Parse("[s]\nk = " + std::string(kMaxIniLine - 4, 'x') + "\n");
  EXPECT_TRUE(ok.errors.empty());
  EXPECT_EQ(ok.file.entries.size(), 1u);
}

TEST(IniReaderTest, DuplicatesAreKeptForTheStore) {
  Parsed p = Parse("[s]\na = 1\na = 2\n  more\n");
  EXPECT_EQ(Entries(p), (Lines{"s|a|1|2", "s|a|2\nmore|3"}));
}

// 50 MB of junk once took 500 MB: one diagnostic per line, unbounded.
TEST(IniReaderTest, StopsAfterTooManyErrors) {
  std::string junk;
  for (int i = 0; i < 100000; ++i) junk += "\x01\x02 junk\n";
  Parsed p = Parse(junk);
  ASSERT_EQ(p.errors.size(), kMaxIniErrors + 1);
  EXPECT_EQ(p.errors[0].Format(), "/f.ini:1: line is not a section, a key or a comment");
  EXPECT_EQ(p.errors.back().Format(),
            "/f.ini: more than 100 errors; the rest of the file was not read (is it an ini "
            "file?)");
}

TEST(IniReaderTest, StopsAfterTooManyKeys) {
  std::string text = "[watcher:w]\n";
  for (size_t i = 0; i < kMaxIniKeys + 5; ++i) text += "k" + std::to_string(i) + " = v\n";
  Parsed p = Parse(text);
  EXPECT_EQ(p.file.entries.size(), kMaxIniKeys);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].line, static_cast<int>(kMaxIniKeys) + 2);
}

}  // namespace
}  // namespace ringmaster
