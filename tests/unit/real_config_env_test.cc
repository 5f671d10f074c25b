#include "daemon/real_config_env.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace ringmaster {
namespace {

class RealConfigEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ringmaster_env_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string Write(const std::string& name, const std::string& content, mode_t mode) {
    const std::string p = dir_ + "/" + name;
    std::ofstream(p) << content;
    chmod(p.c_str(), mode);
    return p;
  }

  std::string dir_;
  RealConfigEnv env_;
};

TEST_F(RealConfigEnvTest, ReadFile) {
  const std::string p = Write("a.ini", std::string("x\0y", 3), 0600);
  EXPECT_EQ(env_.ReadFile(p).value(), std::string("x\0y", 3));
  EXPECT_EQ(env_.ReadFile(dir_ + "/none").error(), "cannot read: No such file or directory");
  EXPECT_EQ(env_.ReadFile(dir_).error(), "cannot read: Is a directory");
}

TEST_F(RealConfigEnvTest, GlobIsSorted) {
  Write("b.ini", "", 0600);
  Write("a.ini", "", 0600);
  Write("c.txt", "", 0600);
  EXPECT_EQ(env_.Glob(dir_ + "/*.ini"),
            (std::vector<std::string>{dir_ + "/a.ini", dir_ + "/b.ini"}));
  EXPECT_TRUE(env_.Glob(dir_ + "/*.none").empty());
}

TEST_F(RealConfigEnvTest, Permissions) {
  EXPECT_FALSE(env_.IsGroupOrOtherReadable(Write("p", "", 0600)));
  EXPECT_TRUE(env_.IsGroupOrOtherReadable(Write("g", "", 0640)));
  EXPECT_TRUE(env_.IsGroupOrOtherReadable(Write("o", "", 0604)));
}

TEST_F(RealConfigEnvTest, UsersAndGroups) {
  std::optional<UserInfo> root = env_.LookupUser("root");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->uid, 0u);
  EXPECT_EQ(root->gid, 0u);
  EXPECT_EQ(root->name, "root");
  EXPECT_EQ(env_.LookupUser("0")->name, "root");
  EXPECT_FALSE(env_.LookupUser("no-such-user-ringmaster"));
  EXPECT_FALSE(env_.LookupUser("4294967294"));
  EXPECT_EQ(env_.LookupGroup("root"), 0u);
  EXPECT_EQ(env_.LookupGroup("0"), 0u);
  EXPECT_FALSE(env_.LookupGroup("no-such-group-ringmaster"));
}

TEST_F(RealConfigEnvTest, EnvironmentAndCwd) {
  const char* path = getenv("PATH");
  ASSERT_NE(path, nullptr);
  EXPECT_EQ(env_.Environment().at("PATH"), path);
  char buf[4096];
  ASSERT_NE(getcwd(buf, sizeof(buf)), nullptr);
  EXPECT_EQ(env_.Cwd(), buf);
}

}  // namespace
}  // namespace ringmaster
