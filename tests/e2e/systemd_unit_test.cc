// dist/ringmaster.service and the journal log format (README "Running under
// systemd"): the unit parses and has the settings the README promises
// (checked by systemd-analyze verify where it is installed), and a daemon
// whose stdout is the stream named by JOURNAL_STREAM logs "<N>message" lines
// without timestamps.
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <map>
#include <regex>
#include <sstream>

#include "tests/e2e/e2e_util.h"

namespace ringmaster::test {
namespace {

std::string UnitPath() { return ExamplesDir() + "/../dist/ringmaster.service"; }

// section -> key -> every value given (Exec* lines may repeat).
using Ini = std::map<std::string, std::multimap<std::string, std::string>>;

Ini ParseUnit(const std::string& text, std::string* error) {
  Ini ini;
  std::istringstream in(text);
  std::string line, section;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') *error += "line " + std::to_string(n) + ": bad section\n";
      section = line.substr(1, line.size() - 2);
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos || eq == 0 || section.empty()) {
      *error += "line " + std::to_string(n) + ": not KEY=VALUE in a section: " + line + "\n";
      continue;
    }
    ini[section].emplace(line.substr(0, eq), line.substr(eq + 1));
  }
  return ini;
}

std::string One(const Ini& ini, const std::string& section, const std::string& key) {
  auto s = ini.find(section);
  if (s == ini.end() || s->second.count(key) != 1) return "<" + key + " not given once>";
  return s->second.find(key)->second;
}

std::pair<int, std::string> Shell(const std::string& cmd) { return RunShell(cmd); }

void ReplaceAll(std::string* s, const std::string& from, const std::string& to) {
  for (size_t pos = s->find(from); pos != std::string::npos; pos = s->find(from, pos + to.size())) {
    s->replace(pos, from.size(), to);
  }
}

TEST(SystemdUnit, HasTheDocumentedSettingsAndVerifies) {
  const std::string text = ReadFile(UnitPath());
  ASSERT_FALSE(text.empty()) << UnitPath();
  std::string error;
  Ini ini = ParseUnit(text, &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(One(ini, "Service", "Type"), "notify");
  EXPECT_EQ(One(ini, "Service", "NotifyAccess"), "main");
  EXPECT_EQ(One(ini, "Service", "ExecStart"), "/usr/sbin/ringmasterd /etc/ringmaster/watchers.ini");
  EXPECT_EQ(One(ini, "Service", "ExecReload"), "/usr/bin/ringctl reloadconfig --wait");
  EXPECT_EQ(One(ini, "Service", "ExecStop"), "-/usr/bin/ringctl quit --wait");
  EXPECT_EQ(One(ini, "Service", "KillMode"), "process");
  EXPECT_EQ(One(ini, "Service", "Restart"), "no");
  EXPECT_EQ(One(ini, "Service", "RuntimeDirectory"), "ringmaster");
  // The daemon refuses a runtime directory that group or others can read.
  EXPECT_EQ(One(ini, "Service", "RuntimeDirectoryMode"), "0700");
  EXPECT_EQ(One(ini, "Install", "WantedBy"), "multi-user.target");

  // The ringctl lines parse as ringctl commands (--help: no daemon needed).
  for (const char* cmd : {"reloadconfig", "quit"}) {
    auto [rc, out] = Shell(std::string(RINGCTL_PATH) + " " + cmd + " --wait --help");
    EXPECT_EQ(rc, 0) << cmd << ": " << out;
  }

  if (Shell("command -v systemd-analyze").first != 0) {
    GTEST_SKIP() << "systemd-analyze is not installed; only the keys were checked";
  }
  // verify wants the commands to exist: point them at this build.
  std::string local = text;
  ReplaceAll(&local, "/usr/sbin/ringmasterd", DaemonPath());
  ReplaceAll(&local, "/usr/bin/ringctl", RINGCTL_PATH);
  TempDir dir;
  const std::string path = dir.Path("ringmaster.service");
  ASSERT_TRUE(WriteFile(path, local));
  auto [rc, out] = Shell("systemd-analyze verify '" + path + "'");
  EXPECT_EQ(rc, 0) << out;
  // A misspelt key or a bad value is only a warning to verify.
  EXPECT_EQ(out, "") << out;
}

class JournalLog : public E2ETest {
 protected:
  // Starts the daemon with JOURNAL_STREAM naming its log file (its stdout
  // and stderr), or another file when `matching` is false.
  void Start(bool matching) {
    ASSERT_TRUE(WriteFile(dir_->Path("ringmasterd.log"), ""));
    ASSERT_TRUE(WriteFile(dir_->Path("other"), ""));
    struct stat st;
    ASSERT_EQ(stat(dir_->Path(matching ? "ringmasterd.log" : "other").c_str(), &st), 0);
    DaemonOptions opts;
    opts.env = {{"JOURNAL_STREAM", std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)}};
    daemon_ = std::make_unique<Daemon>(*dir_, opts);
    ASSERT_TRUE(daemon_->Start(WriteConfig(CircusSection() + "[watcher:w]\ncmd = " + Worker() + "\n")));
    ASSERT_TRUE(daemon_->WaitForLog("watcher 'w': active", 15)) << daemon_->Log();
  }
};

TEST_F(JournalLog, PriorityPrefixAndNoTimestamp) {
  Start(true);
  const std::string log = daemon_->Log();
  EXPECT_TRUE(std::regex_search(log, std::regex("(^|\n)<6>ringmasterd .* started \\(pid "))) << log;
  EXPECT_TRUE(std::regex_search(log, std::regex("(^|\n)<6>watcher 'w': active\n"))) << log;
  // loglevel = debug in the test config.
  EXPECT_TRUE(std::regex_search(log, std::regex("(^|\n)<7>"))) << log;
  EXPECT_FALSE(std::regex_search(log, std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}"))) << log;
  EXPECT_FALSE(std::regex_search(log, std::regex("\\[(INFO|DEBUG|WARNING|ERROR)\\]"))) << log;
}

TEST_F(JournalLog, AnotherStreamKeepsThePlainFormat) {
  Start(false);
  const std::string log = daemon_->Log();
  EXPECT_TRUE(std::regex_search(
      log, std::regex("(^|\n)[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ \\[INFO\\] watcher 'w': active")))
      << log;
  EXPECT_FALSE(std::regex_search(log, std::regex("(^|\n)<[0-9]>"))) << log;
}

}  // namespace
}  // namespace ringmaster::test
