#include "web/event_streams.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

TEST(WebEventStreams, FrameIsOneSseEvent) {
  std::string f = EventStreams::Frame(7, "Web App", "reap", {{"process_pid", 12}, {"exit_code", -9}});
  EXPECT_EQ(f.rfind("id: 7\nevent: reap\ndata: {", 0), 0u) << f;
  EXPECT_EQ(f.substr(f.size() - 2), "\n\n");
  nlohmann::json data = nlohmann::json::parse(f.substr(f.find("data: ") + 6));
  EXPECT_EQ(data["topic"], "watcher.web_app.reap");
  EXPECT_EQ(data["watcher"], "Web App");
  EXPECT_EQ(data["exit_code"], -9);
}

TEST(WebEventStreams, BoundedQueuesDropAndCount) {
  EventStreams s(/*max_clients=*/2, /*queue_capacity=*/2);
  auto a = s.Open();
  auto b = s.Open();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(s.Open(), nullptr);  // at the cap
  for (int i = 0; i < 3; ++i) s.Publish("x" + std::to_string(i));
  EXPECT_EQ(s.dropped(), 2u);  // one per client
  std::vector<std::string> got;
  ASSERT_TRUE(s.Next(*a, &got, std::chrono::milliseconds(0)));
  EXPECT_EQ(got, (std::vector<std::string>{"x0", "x1"}));
  s.Close(b);
  EXPECT_EQ(s.clients(), 1u);
  EXPECT_NE(s.Open(), nullptr);
  s.Shutdown();
  got.clear();
  EXPECT_FALSE(s.Next(*a, &got, std::chrono::milliseconds(1000)));
  EXPECT_EQ(s.Open(), nullptr);
}

}  // namespace
}  // namespace ringmaster
