#include "core/config_context.h"

#include <gtest/gtest.h>

#include "tests/support/fake_config_env.h"

namespace ringmaster {
namespace {

using Lines = std::vector<std::string>;

class ConfigContextTest : public ::testing::Test {
 protected:
  ConfigContextTest() : ctx_(env_, &errors_, &warnings_) {
    section_.name = "watcher:w";
    section_.loc = {"/f.ini", 1};
    section_.values.push_back(IniValue{"cmd", "", {"/f.ini", 2}});
    section_.values.push_back(IniValue{"cmd", "", {"/g.ini", 5}});
  }
  KeyRef At(size_t i) { return KeyRef{&section_, &section_.values[i]}; }

  FakeConfigEnv env_;
  std::vector<Diagnostic> errors_, warnings_;
  LoadContext ctx_;
  IniSection section_;
};

TEST_F(ConfigContextTest, ReportsAtTheKeyOrSection) {
  ctx_.KeyError(At(0), "bad");
  ctx_.SectionError(section_, "worse");
  ctx_.KeyWarning(At(1), "hm");
  ctx_.SectionWarning(section_, "meh");
  EXPECT_EQ(Formatted(errors_),
            (Lines{"/f.ini:2: [watcher:w] cmd: bad", "/f.ini:1: [watcher:w]: worse"}));
  EXPECT_EQ(Formatted(warnings_),
            (Lines{"/g.ini:5: [watcher:w] cmd: hm", "/f.ini:1: [watcher:w]: meh"}));
  EXPECT_EQ(ctx_.error_count(), 2u);
}

TEST_F(ConfigContextTest, WarnOncePerKeyAndFile) {
  ctx_.WarnOncePerFile(At(0), "one");
  ctx_.WarnOncePerFile(At(0), "again");
  ctx_.WarnOncePerFile(At(1), "other file");
  EXPECT_EQ(Formatted(warnings_),
            (Lines{"/f.ini:2: [watcher:w] cmd: one", "/g.ini:5: [watcher:w] cmd: other file"}));
}

TEST_F(ConfigContextTest, Assign) {
  int out = 7;
  EXPECT_TRUE(ctx_.Assign(At(0), Result<int64_t>(int64_t{3}), &out));
  EXPECT_EQ(out, 3);
  EXPECT_FALSE(ctx_.Assign(At(0), Result<int64_t>(Status::Error("nope")), &out));
  EXPECT_EQ(out, 3);
  EXPECT_EQ(Formatted(errors_), (Lines{"/f.ini:2: [watcher:w] cmd: nope"}));
}

TEST_F(ConfigContextTest, SubstituteOutsideSpawnKeys) {
  const std::map<std::string, std::string> table = {{"home", "/h"}};
  const std::set<std::string> sockets = {"web"};
  LoadVars vars{&table, &sockets, false, false};
  EXPECT_EQ(ctx_.Substitute(At(0),
                            "$(circus.env.HOME) ((circus.env.home)) $(circus.env.x) "
                            "$(circus.wid) $(circus.sockets.web)",
                            vars),
            "/h /h $(circus.env.x) $(circus.wid) $(circus.sockets.web)");
  EXPECT_TRUE(errors_.empty());
  EXPECT_EQ(
      Formatted(warnings_),
      (Lines{"/f.ini:2: [watcher:w] cmd: unknown reference '$(circus.env.x)'; left as written",
             "/f.ini:2: [watcher:w] cmd: unknown reference '$(circus.wid)'; left as written",
             "/f.ini:2: [watcher:w] cmd: '$(circus.sockets.web)' is only substituted in cmd, "
             "args and shell_args; left as written"}));
}

TEST_F(ConfigContextTest, SubstituteSpawnKeysKeepPass3References) {
  const std::map<std::string, std::string> table = {{"home", "/h"}};
  const std::set<std::string> sockets = {"web"};
  LoadVars vars{&table, &sockets, true, true};
  const std::string text =
      "$(circus.wid) $(circus.sockets.WEB) $(circus.ready_fd) $(circus.env.NOTIFY_SOCKET) "
      "$(circus.env.home)";
  EXPECT_EQ(
      ctx_.Substitute(At(0), text, vars),
      "$(circus.wid) $(circus.sockets.WEB) $(circus.ready_fd) $(circus.env.NOTIFY_SOCKET) /h");
  EXPECT_TRUE(errors_.empty());
  EXPECT_TRUE(warnings_.empty()) << Dump(warnings_);
}

// Circus passes a reference to a missing socket through as text (its
// issue395.ini loads): a warning, the text left as written, no error.
TEST_F(ConfigContextTest, MissingSocketIsLeftAsWrittenWithAWarning) {
  const std::set<std::string> sockets;
  EXPECT_EQ(ctx_.Substitute(At(0), "$(circus.sockets.db)", LoadVars{nullptr, &sockets, true, false}),
            "$(circus.sockets.db)");
  EXPECT_EQ(ctx_.Substitute(At(1), "((circus.sockets.db))", LoadVars{nullptr, nullptr, false, false}),
            "((circus.sockets.db))");
  EXPECT_TRUE(errors_.empty()) << Dump(errors_);
  EXPECT_EQ(Formatted(warnings_),
            (Lines{"/f.ini:2: [watcher:w] cmd: '$(circus.sockets.db)' names no [socket:db] section; "
                   "left as written, as Circus does",
                   "/g.ini:5: [watcher:w] cmd: '((circus.sockets.db))' names no [socket:db] "
                   "section; left as written, as Circus does"}));
}

}  // namespace
}  // namespace ringmaster
