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

}  // namespace
}  // namespace ringmaster
