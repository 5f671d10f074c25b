#include "core/config.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

TEST(ConfigTest, FindWatcherIsCaseInsensitive) {
  Config c;
  c.watchers.resize(2);
  c.watchers[0].name = "Web";
  c.watchers[1].name = "worker";
  ASSERT_NE(c.FindWatcher("web"), nullptr);
  EXPECT_EQ(c.FindWatcher("web")->name, "Web");
  EXPECT_EQ(c.FindWatcher("WORKER"), &c.watchers[1]);
  EXPECT_EQ(c.FindWatcher("work"), nullptr);
  EXPECT_EQ(c.FindWatcher(""), nullptr);
}

}  // namespace
}  // namespace ringmaster
