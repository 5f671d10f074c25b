#include "core/config_loader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>

#include "daemon/real_config_env.h"
#include "tests/support/fake_config_env.h"

namespace ringmaster {
namespace {

using Lines = std::vector<std::string>;

TEST(ConfigLoaderTest, MissingMainFile) {
  FakeConfigEnv env;
  LoadResult r = LoadConfig("/etc/rm/missing.ini", env);
  EXPECT_FALSE(r.config);
  EXPECT_TRUE(r.unreadable);
  EXPECT_EQ(Formatted(r.errors),
            (Lines{"/etc/rm/missing.ini: cannot read: No such file or directory"}));
}

TEST(ConfigLoaderTest, UnreadableMainFile) {
  FakeConfigEnv env;
  env.unreadable["/etc/rm/main.ini"] = EACCES;
  LoadResult r = LoadConfig("/etc/rm/main.ini", env);
  EXPECT_TRUE(r.unreadable);
  EXPECT_EQ(Formatted(r.errors), (Lines{"/etc/rm/main.ini: cannot read: Permission denied"}));
}

TEST(ConfigLoaderTest, RelativeMainPathIsMadeAbsolute) {
  FakeConfigEnv env;
  env.cwd = "/srv";
  env.files["/srv/conf/main.ini"] = "[watcher:w]\ncmd = x\n";
  LoadResult r = LoadConfig("./conf/main.ini", env);
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->main_file, "/srv/conf/main.ini");
  EXPECT_EQ(r.config->watchers[0].loc, (SourceLoc{"/srv/conf/main.ini", 1}));
}

TEST(ConfigLoaderTest, MinimalConfig) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env, "[watcher:w]\ncmd = /bin/true\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_TRUE(r.warnings.empty()) << Dump(r.warnings);
  EXPECT_FALSE(r.unreadable);
  EXPECT_EQ(r.config->main_file, kMainIni);
  ASSERT_EQ(r.config->watchers.size(), 1u);
  EXPECT_EQ(r.config->watchers[0].cmd, "/bin/true");
}

// Applied as "no watchers", an empty file (a truncated deploy) stopped everything.
TEST(ConfigLoaderTest, FileWithNoSectionsIsRefused) {
  FakeConfigEnv env;
  for (const char* text : {"", "\n\n", "; comment\n# comment\n   \n", "rem old style\n"}) {
    LoadResult r = LoadText(env, text);
    EXPECT_FALSE(r.config) << text;
    EXPECT_FALSE(r.unreadable) << "a config error (errno 5), not an OS error";
    EXPECT_EQ(Formatted(r.errors),
              (Lines{"/etc/rm/main.ini: has no sections; refusing to apply an empty "
                     "configuration (write at least a [circus] section to run with no "
                     "watchers)"}))
        << text;
  }
}

TEST(ConfigLoaderTest, AnEmptyCircusSectionGivesAnEmptyConfig) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env, "[circus]\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_TRUE(r.config->watchers.empty());
}

TEST(ConfigLoaderTest, EmptyIncludedFilesAreFine) {
  FakeConfigEnv env;
  env.files["/etc/rm/empty.ini"] = "";
  LoadResult r = LoadText(env, "[circus]\ninclude = empty.ini\n[watcher:w]\ncmd = x\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->watchers.size(), 1u);
}

TEST(ConfigLoaderTest, IncludeOrder) {
  FakeConfigEnv env;
  env.files["/etc/rm/b2.ini"] = "";
  env.files["/etc/rm/b1.ini"] = "";
  env.files["/etc/rm/a.ini"] = "";
  env.files["/etc/rm/conf.d/z.ini"] = "";
  env.files["/etc/rm/conf.d/y.ini"] = "";
  env.files["/etc/rm/conf.d/readme.txt"] = "";
  env.files["/abs/x.ini"] = "";
  LoadResult r =
      LoadText(env, "[circus]\ninclude = b*.ini a.ini /abs/*.ini\ninclude_dir = conf.d\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(env.reads,
            (Lines{"/etc/rm/main.ini", "/etc/rm/b1.ini", "/etc/rm/b2.ini", "/etc/rm/a.ini",
                   "/abs/x.ini", "/etc/rm/conf.d/y.ini", "/etc/rm/conf.d/z.ini"}));
  EXPECT_TRUE(r.warnings.empty()) << Dump(r.warnings);
}

TEST(ConfigLoaderTest, MainFileWinsAndIncludesAddKeys) {
  FakeConfigEnv env;
  env.files["/etc/rm/inc.ini"] =
      "[circus]\ncheck_delay = 2\n[watcher:web]\nnumprocesses = 5\ngraceful_timeout = 7\n"
      "[watcher:api]\ncmd = api\n";
  LoadResult r = LoadText(env,
                          "[circus]\ninclude = inc.ini\n[watcher:web]\ncmd = web\n"
                          "numprocesses = 2\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->circus.check_delay, 2);
  const WatcherConfig* web = r.config->FindWatcher("web");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->numprocesses, 2);
  EXPECT_EQ(web->graceful_timeout, 7);
  EXPECT_NE(r.config->FindWatcher("api"), nullptr);
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/inc.ini:4: [watcher:web] numprocesses: duplicate key ignored; the "
                   "first definition at /etc/rm/main.ini:5 wins"}));
}

TEST(ConfigLoaderTest, IncludeMatchingNothingWarns) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env, "[circus]\ninclude = nothing*.ini\ninclude_dir = /none\n");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/main.ini:2: [circus] include: '/etc/rm/nothing*.ini' matches no file",
                   "/etc/rm/main.ini:3: [circus] include_dir: '/none/*.ini' matches no file"}));
}

TEST(ConfigLoaderTest, IncludeIsExpandedWithTheDaemonEnvironment) {
  FakeConfigEnv env;
  env.environment["CONFDIR"] = "/opt/conf";
  env.files["/opt/conf/w.ini"] = "[watcher:w]\ncmd = x\n";
  LoadResult r = LoadText(env, "[circus]\ninclude = $(circus.env.confdir)/*.ini\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_EQ(r.config->watchers.size(), 1u);
}

TEST(ConfigLoaderTest, IncludesDoNotNest) {
  FakeConfigEnv env;
  env.files["/etc/rm/inc.ini"] =
      "[circus]\ninclude = deeper.ini\ninclude_dir = d\n"
      "check_delay = 3\n";
  env.files["/etc/rm/deeper.ini"] = "[watcher:deep]\ncmd = x\n";
  LoadResult r = LoadText(env, "[circus]\ninclude = inc.ini\n");
  ASSERT_TRUE(r.config) << Dump(r.errors);
  EXPECT_TRUE(r.config->watchers.empty());
  EXPECT_EQ(r.config->circus.check_delay, 3);
  EXPECT_EQ(Formatted(r.warnings),
            (Lines{"/etc/rm/inc.ini:2: [circus] include: ignored: only the main file may include "
                   "other files",
                   "/etc/rm/inc.ini:3: [circus] include_dir: ignored: only the main file may "
                   "include other files"}));
}

TEST(ConfigLoaderTest, UnreadableIncludedFileIsAnError) {
  FakeConfigEnv env;
  env.unreadable["/etc/rm/bad.ini"] = EACCES;
  env.files["/etc/rm/good.ini"] = "[watcher:g]\ncmd = x\n";
  LoadResult r = LoadText(env, "[circus]\ninclude = *.ini\n");
  EXPECT_FALSE(r.config);
  EXPECT_FALSE(r.unreadable);
  EXPECT_EQ(Formatted(r.errors), (Lines{"/etc/rm/bad.ini: cannot read: Permission denied"}));
  // The main file matches its own pattern but is read only once.
  EXPECT_EQ(env.reads, (Lines{"/etc/rm/main.ini", "/etc/rm/bad.ini", "/etc/rm/good.ini"}));
}

TEST(ConfigLoaderTest, ReportsEveryErrorFromEveryFile) {
  FakeConfigEnv env;
  env.files["/etc/rm/inc.ini"] = "[watcher:b]\ncmd = x\nnumprocesses = many\nbroken line\n";
  LoadResult r = LoadText(env,
                          "[circus]\ninclude = inc.ini\ncheck_delay = soon\n"
                          "[watcher:a]\nstop_signal = NOPE\n");
  EXPECT_FALSE(r.config);
  EXPECT_EQ(Formatted(r.errors),
            (Lines{"/etc/rm/main.ini:3: [circus] check_delay: 'soon' is not a duration in seconds",
                   "/etc/rm/main.ini:4: [watcher:a]: 'cmd' is required",
                   "/etc/rm/main.ini:5: [watcher:a] stop_signal: 'NOPE' is not a signal",
                   "/etc/rm/inc.ini:3: [watcher:b] numprocesses: 'many' is not an integer",
                   "/etc/rm/inc.ini:4: line is not a section, a key or a comment"}))
      << Dump(r.errors);
}

TEST(ConfigLoaderTest, WarningsDoNotBlockTheConfig) {
  FakeConfigEnv env;
  LoadResult r = LoadText(env, "[foo]\nx = 1\n[watcher:w]\ncmd = x\n");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(Formatted(r.warnings), (Lines{"/etc/rm/main.ini:1: [foo]: unknown section; ignored"}));
}

// A scratch directory for RealConfigEnv tests, removed afterwards.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ringmaster_cfg_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }
  void Write(const std::string& rel, const std::string& content, mode_t mode = 0600) {
    const std::string p = path_ + "/" + rel;
    std::ofstream(p) << content;
    chmod(p.c_str(), mode);
  }

 private:
  std::string path_;
};

TEST(ConfigLoaderTest, RealEnvWithIncludesAndTokenFile) {
  TempDir dir;
  ASSERT_EQ(mkdir((dir.path() + "/conf.d").c_str(), 0700), 0);
  dir.Write("main.ini",
            "[circus]\ninclude_dir = conf.d\nhttpd = true\nhttpd_host = 0.0.0.0\n"
            "http_token_file = " +
                dir.path() + "/token\n[watcher:a]\ncmd = a\n");
  dir.Write("conf.d/2.ini", "[watcher:c]\ncmd = c\n");
  dir.Write("conf.d/1.ini", "[watcher:b]\ncmd = b\npriority = 1\n[watcher:a]\ncmd = ignored\n");
  dir.Write("token", "s3cret \n\n", 0640);
  RealConfigEnv env;
  LoadResult r = LoadConfig(dir.path() + "/main.ini", env);
  ASSERT_TRUE(r.config) << Dump(r.errors);
  ASSERT_EQ(r.config->watchers.size(), 3u);
  EXPECT_EQ(r.config->watchers[0].name, "b");
  EXPECT_EQ(r.config->watchers[1].name, "a");
  EXPECT_EQ(r.config->watchers[1].cmd, "a");
  EXPECT_EQ(r.config->circus.http_token, "s3cret");
  EXPECT_TRUE(HasDiag(r.warnings, "conf.d/1.ini:5: [watcher:a] cmd: duplicate key ignored"))
      << Dump(r.warnings);
  EXPECT_TRUE(HasDiag(r.warnings, "is readable by group or others")) << Dump(r.warnings);
}

TEST(ConfigLoaderTest, RealEnvMissingFile) {
  TempDir dir;
  RealConfigEnv env;
  LoadResult r = LoadConfig(dir.path() + "/nope.ini", env);
  EXPECT_TRUE(r.unreadable);
  EXPECT_EQ(Formatted(r.errors),
            (Lines{dir.path() + "/nope.ini: cannot read: No such file or directory"}));
}

// --check on 50 MB of junk took 505 MB of memory.
TEST(ConfigLoaderTest, FilesLargerThan16MiBAreRefused) {
  FakeConfigEnv env;
  const std::string big = "[circus]\n" + std::string(16 * 1024 * 1024, ';') + "\n";
  LoadResult r = LoadText(env, big);
  EXPECT_FALSE(r.config);
  EXPECT_EQ(Formatted(r.errors), (Lines{"/etc/rm/main.ini: larger than 16 MiB"}));

  env.files["/etc/rm/big.ini"] = big;
  r = LoadText(env, "[circus]\ninclude = big.ini\n[watcher:w]\ncmd = x\n");
  EXPECT_FALSE(r.config);
  EXPECT_EQ(Formatted(r.errors), (Lines{"/etc/rm/big.ini: larger than 16 MiB"}));

  // Exactly 16 MiB is fine.
  std::string at_limit = "[watcher:w]\ncmd = x\n";
  at_limit += std::string(16 * 1024 * 1024 - at_limit.size(), '\n');
  r = LoadText(env, at_limit);
  EXPECT_TRUE(r.config) << Dump(r.errors);
}

TEST(ConfigLoaderTest, RealFilesAreReadOnlyUpToTheLimit) {
  RealConfigEnv env;
  Result<std::string> zero = env.ReadFile("/dev/zero");  // endless
  ASSERT_TRUE(zero.ok()) << zero.error();
  EXPECT_EQ(zero.value().size(), ConfigEnv::kMaxConfigRead);
  LoadResult r = LoadConfig("/dev/zero", env);
  EXPECT_EQ(Formatted(r.errors), (Lines{"/dev/zero: larger than 16 MiB"}));
}

}  // namespace
}  // namespace ringmaster
