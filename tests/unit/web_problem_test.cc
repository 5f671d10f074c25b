#include "web/problem.h"

#include <gtest/gtest.h>

namespace ringmaster {
namespace {

TEST(WebProblem, HasRfc7807Members) {
  nlohmann::json p = Problem(409, "watcher 'web' is busy", "/api/watchers/web/incr");
  EXPECT_EQ(p["type"], "about:blank");
  EXPECT_EQ(p["title"], "Conflict");
  EXPECT_EQ(p["status"], 409);
  EXPECT_EQ(p["detail"], "watcher 'web' is busy");
  EXPECT_EQ(p["instance"], "/api/watchers/web/incr");
  EXPECT_FALSE(Problem(400, "x").contains("instance"));
}

TEST(WebProblem, MapsProtocolErrorsToHttpCodes) {
  EXPECT_EQ(HttpStatusForError(1, "json invalid"), 400);
  EXPECT_EQ(HttpStatusForError(2, "unknown command: 'x'"), 400);
  EXPECT_EQ(HttpStatusForError(3, "program web not found"), 404);
  EXPECT_EQ(HttpStatusForError(3, "process 12 not found in 'web'"), 404);
  EXPECT_EQ(HttpStatusForError(3, "'nb' must be an integer"), 400);
  EXPECT_EQ(HttpStatusForError(5, "watcher 'web' is busy: 'restart' in progress"), 409);
  EXPECT_EQ(HttpStatusForError(5, "daemon is shutting down"), 503);
  EXPECT_EQ(HttpStatusForError(5, "config error: a.ini:3: bad"), 409);
  EXPECT_EQ(HttpStatusForError(6, "'reload' on watcher 'web' was cancelled by 'stop'"), 409);
  EXPECT_EQ(HttpStatusForError(6, "stop of 'web' failed"), 500);
  EXPECT_EQ(HttpStatusForError(4, "kill: Operation not permitted"), 500);
}

TEST(WebProblem, FromReplyKeepsReasonAndErrno) {
  nlohmann::json reply = {{"status", "error"}, {"reason", "program x not found"}, {"errno", 3}};
  nlohmann::json p = ProblemFromReply(reply, "/api/watchers/x/stop");
  EXPECT_EQ(p["status"], 404);
  EXPECT_EQ(p["detail"], "program x not found");
  EXPECT_EQ(p["errno"], 3);
}

}  // namespace
}  // namespace ringmaster
