#include "web/snapshot.h"

#include <gtest/gtest.h>

#include <thread>

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
  a->built_mono = 1;
  store.Set(a);
  auto held = store.Get();
  auto b = std::make_shared<Snapshot>();
  b->built_mono = 2;
  store.Set(b);
  EXPECT_EQ(held->built_mono, 1);  // readers keep their immutable copy
  EXPECT_EQ(store.Get()->built_mono, 2);
}

TEST(WebSnapshot, WaitNewerReturnsOnPublishOrTimeout) {
  SnapshotStore store;
  auto a = std::make_shared<Snapshot>();
  a->built_mono = 1;
  store.Set(a);
  // Already newer: no wait.
  EXPECT_EQ(store.WaitNewer(0.5, std::chrono::milliseconds(0))->built_mono, 1);
  // Nothing newer: the timeout, then the latest.
  EXPECT_EQ(store.WaitNewer(1, std::chrono::milliseconds(20))->built_mono, 1);
  // Published from another thread while waiting.
  std::thread t([&] {
    auto b = std::make_shared<Snapshot>();
    b->built_mono = 2;
    store.Set(b);
  });
  EXPECT_EQ(store.WaitNewer(1, std::chrono::seconds(30))->built_mono, 2);
  t.join();
}

TEST(WebSnapshot, TokenIsKeptApartFromSnapshots) {
  SnapshotStore store;
  EXPECT_EQ(store.token(), "");
  store.set_token("s3cret");
  EXPECT_EQ(store.token(), "s3cret");
}

}  // namespace
}  // namespace ringmaster
