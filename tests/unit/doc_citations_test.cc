// Every section the tree cites in docs/protocol.md or docs/config.md exists:
// the source comments say "docs/protocol.md §7.20" or "(docs/config.md §4 and
// §8)", and each number must be a heading of that document ("## 7. Commands",
// "### 7.2 decr, 7.3 incr" counts for both). The tree must also no longer
// point at the specs that lived outside the repository. Reads the source
// tree (RINGMASTER_SOURCE_DIR); no other I/O.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

namespace fs = std::filesystem;

// The section sign, written as an escape so that this file's own text holds
// no citation for the scan to find.
const std::string kSection = "\u00a7";

struct Citation {
  std::string doc;     // "protocol.md" or "config.md"
  std::string number;  // "7.20"
  std::string where;   // "core/x.cc:12"
};

bool ScannedFile(const fs::path& p) {
  static const std::set<std::string> kExts = {".cc",  ".h",  ".md",   ".txt",   ".sh",  ".ini",
                                              ".py",  ".js", ".mjs",  ".html",  ".css", ".cmake",
                                              ".json"};
  const std::string name = p.filename().string();
  return kExts.count(p.extension().string()) > 0 || name == "Makefile" || name == "CMakeLists.txt";
}

// Build trees, dependencies and version control are not the project's text.
bool SkippedDir(const fs::path& p) {
  const std::string name = p.filename().string();
  return name == ".git" || name == "node_modules" || name.rfind("build", 0) == 0;
}

std::vector<fs::path> SourceFiles(const fs::path& root) {
  std::vector<fs::path> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->is_directory() && SkippedDir(it->path())) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && ScannedFile(it->path())) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Lines(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string TrimNumber(std::string n) {
  while (!n.empty() && n.back() == '.') n.pop_back();
  return n;
}

// The citations on one line: a document name, a section number, and any
// further numbers chained to it ("§4 and §8", "§10.1-§10.2", "§6.1, §10").
std::vector<Citation> CitationsIn(const std::string& line, const std::string& where) {
  static const std::regex kHead("docs/(protocol|config)\\.md\\s*\\(?" + kSection +
                                "([0-9]+(?:\\.[0-9]+)*)");
  static const std::regex kNext("^\\s*(?:,|-|\xE2\x80\x93|and|or|&)?\\s*(?:and\\s*)?" +
                                kSection + "([0-9]+(?:\\.[0-9]+)*)");
  std::vector<Citation> out;
  for (auto it = std::sregex_iterator(line.begin(), line.end(), kHead);
       it != std::sregex_iterator(); ++it) {
    const std::string doc = (*it)[1].str() + ".md";
    out.push_back({doc, TrimNumber((*it)[2].str()), where});
    std::string rest = it->suffix().str();
    std::smatch m;
    while (std::regex_search(rest, m, kNext)) {
      out.push_back({doc, TrimNumber(m[1].str()), where});
      rest = m.suffix().str();
    }
  }
  return out;
}

// Section numbers of a document's headings: "## 7. Commands" gives 7,
// "### 7.2 decr, 7.3 incr" gives 7.2 and 7.3.
std::set<std::string> HeadingNumbers(const fs::path& doc) {
  static const std::regex kNumber("^[0-9]+(?:\\.[0-9]+)*\\.?,?$");
  std::set<std::string> out;
  for (const std::string& line : Lines(doc)) {
    if (line.empty() || line[0] != '#') continue;
    std::istringstream words(line.substr(line.find_first_not_of('#')));
    for (std::string w; words >> w;) {
      if (std::regex_match(w, kNumber)) {
        while (!w.empty() && (w.back() == ',' || w.back() == '.')) w.pop_back();
        out.insert(w);
      }
    }
  }
  return out;
}

TEST(DocCitationsTest, ParsesChainedCitations) {
  const std::vector<Citation> c = CitationsIn(
      "x (docs/config.md " + kSection + "4 and " + kSection + "8), docs/protocol.md " + kSection +
          "10.1-" + kSection + "10.2, then RFC 9112 " + kSection + "3",
      "f:1");
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].doc + c[0].number, "config.md4");
  EXPECT_EQ(c[1].doc + c[1].number, "config.md8");
  EXPECT_EQ(c[2].doc + c[2].number, "protocol.md10.1");
  EXPECT_EQ(c[3].doc + c[3].number, "protocol.md10.2");
}

TEST(DocCitationsTest, EveryCitedSectionExists) {
  const fs::path root = RINGMASTER_SOURCE_DIR;
  std::map<std::string, std::set<std::string>> headings;
  for (const char* doc : {"protocol.md", "config.md"}) {
    const fs::path p = root / "docs" / doc;
    ASSERT_TRUE(fs::exists(p)) << p << " is missing";
    headings[doc] = HeadingNumbers(p);
    EXPECT_GT(headings[doc].size(), 10u) << p << ": no numbered headings found";
  }

  size_t found = 0;
  std::string missing;
  for (const fs::path& file : SourceFiles(root)) {
    const std::vector<std::string> lines = Lines(file);
    const std::string rel = fs::relative(file, root).string();
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string where = rel + ":" + std::to_string(i + 1);
      for (const Citation& c : CitationsIn(lines[i], where)) {
        ++found;
        if (headings[c.doc].count(c.number) == 0) {
          missing += "\n  " + c.where + ": docs/" + c.doc + " " + kSection + c.number +
                     " has no heading";
        }
      }
    }
  }
  // A scan that finds nothing (wrong directory, broken pattern) must not pass.
  EXPECT_GT(found, 50u) << "only " << found << " citations found under " << root;
  EXPECT_TRUE(missing.empty()) << "cited sections that do not exist:" << missing;
}

TEST(DocCitationsTest, NothingPointsOutsideTheRepository) {
  const fs::path root = RINGMASTER_SOURCE_DIR;
  // Split so that this file does not match itself.
  const std::vector<std::string> stale = {"../shared" "/docs", "shared" "/docs", "control-" "protocol",
                                          "config-" "reference"};
  std::string hits;
  for (const fs::path& file : SourceFiles(root)) {
    const std::vector<std::string> lines = Lines(file);
    const std::string rel = fs::relative(file, root).string();
    for (size_t i = 0; i < lines.size(); ++i) {
      for (const std::string& s : stale) {
        if (lines[i].find(s) != std::string::npos) {
          hits += "\n  " + rel + ":" + std::to_string(i + 1) + ": '" + s +
                  "' (cite docs/protocol.md or docs/config.md instead)";
          break;
        }
      }
    }
  }
  EXPECT_TRUE(hits.empty()) << "references to the old external specs:" << hits;
}

}  // namespace
}  // namespace ringmaster
