#include "web/snapshot.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

TEST(WebSnapshot, FindWatcherViewIsCaseInsensitive) {
  nlohmann::json status = {{"watchers", {{{"name", "Web"}, {"state", "active"}}, {{"name", "api"}}}}};
  EXPECT_EQ(FindWatcherView(status, "web")["state"], "active");
  EXPECT_EQ(FindWatcherView(status, "API")["name"], "api");
  EXPECT_TRUE(FindWatcherView(status, "we").is_null());
  EXPECT_TRUE(FindWatcherView(nlohmann::json::object(), "web").is_null());
}

TEST(WebSnapshot, StoreHandsOutTheLatest) {
  SnapshotStore store;
  EXPECT_EQ(store.Get(), nullptr);
  auto a = std::make_shared<Snapshot>();
  a->token = "a";
  store.Set(a);
  auto held = store.Get();
  auto b = std::make_shared<Snapshot>();
  b->token = "b";
  store.Set(b);
  EXPECT_EQ(held->token, "a");  // readers keep their immutable copy
  EXPECT_EQ(store.Get()->token, "b");
}

}  // namespace
}  // namespace ringmaster
