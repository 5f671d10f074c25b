#include "core/endpoints.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <optional>
#include <string>

namespace ringmaster {
namespace {

TEST(RunDirFor, XdgRuntimeDirWins) {
  EXPECT_EQ(RunDirFor("/run/user/1000", 1000), "/run/user/1000/ringmaster");
  EXPECT_EQ(RunDirFor("/run/user/0", 0), "/run/user/0/ringmaster");
  EXPECT_EQ(RunDirFor("/run/user/1000/", 1000), "/run/user/1000/ringmaster");
  EXPECT_EQ(RunDirFor("/run/user/1000//", 1000), "/run/user/1000/ringmaster");
  EXPECT_EQ(RunDirFor("/", 1000), "/ringmaster");
}

TEST(RunDirFor, RootWithoutXdg) { EXPECT_EQ(RunDirFor("", 0), "/run/ringmaster"); }

TEST(RunDirFor, UserWithoutXdg) { EXPECT_EQ(RunDirFor("", 1000), "/tmp/ringmaster-1000"); }

TEST(RunDirFor, RelativeXdgIsIgnored) {
  EXPECT_EQ(RunDirFor("run/user", 1000), "/tmp/ringmaster-1000");
  EXPECT_EQ(RunDirFor("run/user", 0), "/run/ringmaster");
}

// Sets or unsets XDG_RUNTIME_DIR for one test and restores it afterwards.
class ScopedXdg {
 public:
  explicit ScopedXdg(const char* value) {
    if (const char* old = getenv("XDG_RUNTIME_DIR")) old_ = old;
    if (value != nullptr) {
      setenv("XDG_RUNTIME_DIR", value, 1);
    } else {
      unsetenv("XDG_RUNTIME_DIR");
    }
  }
  ~ScopedXdg() {
    if (old_) {
      setenv("XDG_RUNTIME_DIR", old_->c_str(), 1);
    } else {
      unsetenv("XDG_RUNTIME_DIR");
    }
  }

 private:
  std::optional<std::string> old_;
};

TEST(DefaultEndpoints, UseXdgRuntimeDir) {
  ScopedXdg xdg("/run/user/4242");
  EXPECT_EQ(DefaultRunDir(), "/run/user/4242/ringmaster");
  EXPECT_EQ(DefaultEndpoint(), "ipc:///run/user/4242/ringmaster/control.sock");
  EXPECT_EQ(DefaultPubsubEndpoint(), "ipc:///run/user/4242/ringmaster/events.sock");
  EXPECT_EQ(DefaultStatsEndpoint(), "ipc:///run/user/4242/ringmaster/stats.sock");
}

TEST(DefaultEndpoints, WithoutXdgDependOnUid) {
  ScopedXdg xdg(nullptr);
  const std::string expected =
      geteuid() == 0 ? "/run/ringmaster" : "/tmp/ringmaster-" + std::to_string(geteuid());
  EXPECT_EQ(DefaultRunDir(), expected);
  EXPECT_EQ(DefaultEndpoint(), "ipc://" + expected + "/control.sock");
}

TEST(DefaultEndpoints, EmptyXdgCountsAsUnset) {
  ScopedXdg xdg("");
  EXPECT_EQ(DefaultRunDir(), RunDirFor("", static_cast<unsigned>(geteuid())));
}

TEST(IpcPath, OnlyFileBackedIpcEndpoints) {
  EXPECT_EQ(IpcPath("ipc:///tmp/x/control.sock"), "/tmp/x/control.sock");
  EXPECT_EQ(IpcPath("ipc://relative.sock"), "relative.sock");
  EXPECT_EQ(IpcPath("ipc://@abstract"), "");
  EXPECT_EQ(IpcPath("ipc://"), "");
  EXPECT_EQ(IpcPath("tcp://127.0.0.1:5555"), "");
  EXPECT_EQ(IpcPath("IPC:///tmp/x"), "");
}

TEST(IsTcpEndpoint, Scheme) {
  EXPECT_TRUE(IsTcpEndpoint("tcp://127.0.0.1:5555"));
  EXPECT_TRUE(IsTcpEndpoint("tcp://*:5555"));
  EXPECT_FALSE(IsTcpEndpoint("ipc:///tmp/x"));
  EXPECT_FALSE(IsTcpEndpoint("tcp:/"));
}

}  // namespace
}  // namespace ringmaster
