#include "web/actions.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

using Query = std::multimap<std::string, std::string>;

TEST(WebActions, QueryValuesAreTyped) {
  ActionRequest r = BuildActionRequest(
      "restart", "web", Query{{"graceful", "true"}, {"max_surge", "1"}, {"max_unavailable", "25%"}}, "", "h1");
  ASSERT_FALSE(r.request.is_null()) << r.error;
  EXPECT_EQ(r.request["command"], "restart");
  EXPECT_EQ(r.request["id"], "h1");
  nlohmann::json p = r.request["properties"];
  EXPECT_EQ(p["name"], "web");
  EXPECT_EQ(p["match"], "simple");
  EXPECT_EQ(p["graceful"], true);
  EXPECT_EQ(p["max_surge"], 1);
  EXPECT_EQ(p["max_unavailable"], "25%");
  EXPECT_FALSE(r.waiting);

  r = BuildActionRequest("incr", "web", Query{{"nb", "-2"}, {"waiting", "1"}}, "", "h2");
  EXPECT_EQ(r.request["properties"]["nb"], -2);
  EXPECT_TRUE(r.waiting);
  EXPECT_FALSE(r.request["properties"].contains("match"));

  r = BuildActionRequest("signal", "web", Query{{"signum", "USR1"}, {"pid", "12"}}, "", "h3");
  EXPECT_EQ(r.request["properties"]["signum"], "USR1");
  EXPECT_EQ(r.request["properties"]["pid"], "12");
}

TEST(WebActions, JsonBodyIsPassedAsGiven) {
  ActionRequest r = BuildActionRequest("decr", "web", {}, R"({"nb": 3, "waiting": true})", "h");
  ASSERT_FALSE(r.request.is_null()) << r.error;
  EXPECT_EQ(r.request["properties"]["nb"], 3);
  EXPECT_TRUE(r.waiting);
  r = BuildActionRequest("incr", "web", {}, R"({"nb": "3"})", "h");
  EXPECT_EQ(r.request["properties"]["nb"], "3");  // the command's check reports it
  r = BuildActionRequest("reloadconfig", "", {}, "  \n", "h");
  EXPECT_EQ(r.request["properties"], nlohmann::json::object());
}

TEST(WebActions, Errors) {
  EXPECT_EQ(BuildActionRequest("explode", "web", {}, "", "h").status, 404);
  ActionRequest r = BuildActionRequest("incr", "web", Query{{"nb", "two"}}, "", "h");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.error.find("'nb' must be an integer"), std::string::npos);
  EXPECT_EQ(BuildActionRequest("stop", "web", Query{{"graceful", "1"}}, "", "h").status, 400);
  EXPECT_EQ(BuildActionRequest("stop", "web", Query{{"waiting", "maybe"}}, "", "h").status, 400);
  EXPECT_EQ(BuildActionRequest("stop", "web", {}, "[1]", "h").status, 400);
  EXPECT_EQ(BuildActionRequest("stop", "web", {}, "{bad", "h").status, 400);
  r = BuildActionRequest("stop", "web", {}, R"({"nope": 1})", "h");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.error.find("unknown option 'nope'"), std::string::npos);
}

}  // namespace
}  // namespace ringmaster
