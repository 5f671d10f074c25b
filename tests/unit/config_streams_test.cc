// stdout_stream.* / stderr_stream.* (docs/config.md §6.2), through LoadConfig.
#include "core/config_streams.h"

#include <gtest/gtest.h>

#include "tests/support/fake_config_env.h"

namespace ringmaster {
namespace {

using Lines = std::vector<std::string>;

LoadResult Watcher(FakeConfigEnv& env, const std::string& keys) {
  return LoadText(env, "[watcher:w]\ncmd = x\n" + keys);
}

TEST(ConfigStreamsTest, NoStreamByDefault) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env, "");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->watchers[0].stdout_stream, StreamConfig{});
  EXPECT_EQ(r.config->watchers[0].stderr_stream.cls, StreamClass::kNone);
}

TEST(ConfigStreamsTest, FileStream) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env,
                         "stdout_stream.class = FileStream\n"
                         "stdout_stream.filename = /var/log/w.log\n"
                         "stdout_stream.max_bytes = 1024\n"
                         "stdout_stream.backup_count = 3\n"
                         "stdout_stream.time_format = %H:%M\n"
                         "stdout_stream.refresh_time = 1\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_TRUE(r.warnings.empty()) << Dump(r.warnings);
  const StreamConfig& s = r.config->watchers[0].stdout_stream;
  EXPECT_EQ(s.cls, StreamClass::kFile);
  EXPECT_EQ(s.filename, "/var/log/w.log");
  EXPECT_EQ(s.max_bytes, 1024);
  EXPECT_EQ(s.backup_count, 3);
  EXPECT_EQ(s.time_format, "%H:%M");
  EXPECT_EQ(s.raw.size(), 6u);
  EXPECT_EQ(s.raw.at("class"), "FileStream");
  EXPECT_EQ(r.config->watchers[0].stderr_stream.cls, StreamClass::kNone);
}

TEST(ConfigStreamsTest, FilenameAloneMeansFileStream) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env, "stderr_stream.filename = err.log\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->watchers[0].stderr_stream.cls, StreamClass::kFile);
  EXPECT_EQ(r.config->watchers[0].stderr_stream.filename, "err.log");
  EXPECT_EQ(r.config->watchers[0].stderr_stream.max_bytes, 0);
  EXPECT_EQ(r.config->watchers[0].stderr_stream.backup_count, 0);
}

TEST(ConfigStreamsTest, ClassNames) {
  FakeConfigEnv env;
  struct Case {
    const char* cls;
    StreamClass want;
  };
  for (const Case& c : {Case{"circus.stream.FileStream", StreamClass::kFile},
                        Case{"WatchedFileStream", StreamClass::kWatchedFile},
                        Case{"circus.stream.WatchedFileStream", StreamClass::kWatchedFile},
                        Case{"StdoutStream", StreamClass::kStdout},
                        Case{"circus.stream.StdoutStream", StreamClass::kStdout}}) {
    LoadResult r = Watcher(
        env, std::string("stdout_stream.class = ") + c.cls + "\nstdout_stream.filename = /f\n");
    ASSERT_TRUE(r.config) << c.cls << Dump(r.errors);
    EXPECT_EQ(r.config->watchers[0].stdout_stream.cls, c.want) << c.cls;
  }
}

TEST(ConfigStreamsTest, LaterClassesWarn) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env,
                         "stdout_stream.class = TimedRotatingFileStream\n"
                         "stdout_stream.filename = /f\nstdout_stream.rotate_when = midnight\n"
                         "stdout_stream.rotate_interval = 2\nstdout_stream.utc = true\n"
                         "stderr_stream.class = FancyStdoutStream\nstderr_stream.color = red\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->watchers[0].stdout_stream.cls, StreamClass::kTimedRotatingFile);
  EXPECT_EQ(r.config->watchers[0].stderr_stream.cls, StreamClass::kFancyStdout);
  EXPECT_EQ(r.config->watchers[0].stderr_stream.time_format, "%Y-%m-%d %H:%M:%S");
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:3: [watcher:w] stdout_stream.class: TimedRotatingFileStream "
                   "is accepted but not implemented yet",
                   "/etc/rm/main.ini:8: [watcher:w] stderr_stream.class: FancyStdoutStream is "
                   "accepted but not implemented yet"}));
}

TEST(ConfigStreamsTest, ClassErrors) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env,
                         "stdout_stream.class = QueueStream\n"
                         "stderr_stream.class = my.module.Stream\n");
  EXPECT_EQ(Formatted(r.errors),
            (Lines{"/etc/rm/main.ini:3: [watcher:w] stdout_stream.class: QueueStream is not "
                   "available outside Python",
                   "/etc/rm/main.ini:4: [watcher:w] stderr_stream.class: unknown stream class "
                   "'my.module.Stream' (use FileStream, WatchedFileStream, StdoutStream, "
                   "TimedRotatingFileStream or FancyStdoutStream)"}));
}

TEST(ConfigStreamsTest, RequiredKeys) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env,
                         "stdout_stream.class = FileStream\n"
                         "stderr_stream.class = TimedRotatingFileStream\n");
  EXPECT_EQ(Formatted(r.errors),
            (Lines{"/etc/rm/main.ini:3: [watcher:w] stdout_stream.class: stdout_stream.filename "
                   "is required for FileStream",
                   "/etc/rm/main.ini:4: [watcher:w] stderr_stream.class: stderr_stream.filename "
                   "is required for TimedRotatingFileStream",
                   "/etc/rm/main.ini:4: [watcher:w] stderr_stream.class: "
                   "stderr_stream.rotate_when is required for TimedRotatingFileStream"}));
  LoadResult none = Watcher(env, "stdout_stream.max_bytes = 5\n");
  EXPECT_EQ(Formatted(none.errors),
            (Lines{"/etc/rm/main.ini:3: [watcher:w] stdout_stream.max_bytes: stdout_stream has "
                   "neither a class nor a filename; set stdout_stream.class or "
                   "stdout_stream.filename"}));
}

TEST(ConfigStreamsTest, ValueErrors) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env,
                         "stdout_stream.filename = /f\nstdout_stream.max_bytes = big\n"
                         "stdout_stream.backup_count = -1\n"
                         "stderr_stream.class = TimedRotatingFileStream\n"
                         "stderr_stream.filename = /g\nstderr_stream.rotate_when = X\n"
                         "stderr_stream.rotate_interval = 0\nstderr_stream.utc = sometimes\n");
  EXPECT_EQ(
      Formatted(r.errors),
      (Lines{"/etc/rm/main.ini:4: [watcher:w] stdout_stream.max_bytes: 'big' is not an "
             "integer",
             "/etc/rm/main.ini:5: [watcher:w] stdout_stream.backup_count: must be at least 0, "
             "not -1",
             "/etc/rm/main.ini:8: [watcher:w] stderr_stream.rotate_when: 'X' is not S, M, H, "
             "D, MIDNIGHT or W0-W6",
             "/etc/rm/main.ini:9: [watcher:w] stderr_stream.rotate_interval: must be at least "
             "1, not 0",
             "/etc/rm/main.ini:10: [watcher:w] stderr_stream.utc: 'sometimes' is not a "
             "boolean (use true or false)"}));
  LoadResult color = Watcher(env,
                             "stdout_stream.class = FancyStdoutStream\n"
                             "stdout_stream.color = pink\n");
  EXPECT_EQ(Formatted(color.errors),
            (Lines{"/etc/rm/main.ini:4: [watcher:w] stdout_stream.color: unknown color 'pink' "
                   "(use red, green, yellow, blue, magenta, cyan or white)"}));
}

TEST(ConfigStreamsTest, KeysOfAnotherClassWarn) {
  FakeConfigEnv env;
  LoadResult r = Watcher(env,
                         "stdout_stream.class = StdoutStream\nstdout_stream.filename = /f\n"
                         "stdout_stream.bogus = 1\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:4: [watcher:w] stdout_stream.filename: not a key of "
                   "StdoutStream; ignored",
                   "/etc/rm/main.ini:5: [watcher:w] stdout_stream.bogus: not a key of "
                   "StdoutStream; ignored"}));
}

TEST(ConfigStreamsTest, ValuesGetPass2) {
  FakeConfigEnv env;
  env.environment["LOGS"] = "/var/log";
  LoadResult r = Watcher(env, "stdout_stream.filename = $(circus.env.logs)/w.log\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->watchers[0].stdout_stream.filename, "/var/log/w.log");
}

}  // namespace
}  // namespace ringmaster
