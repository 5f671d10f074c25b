// The wire rules: every malformed input of docs/protocol.md §3 gets exactly
// one error reply and the next valid request is still answered; REQ envelopes;
// casts; ids kept verbatim; out-of-order `waiting` replies.
#include "tests/e2e/control_e2e.h"

namespace ringmaster::test {
namespace {

class ControlProtocol : public ControlTest {
 protected:
  // Sends raw frames, expects one error reply with `errno` and `reason`, then
  // checks that a valid status request is still answered.
  void ExpectError(const std::vector<std::string>& frames, int err, const std::string& reason) {
    client_->SendFrames(frames);
    auto reply = client_->Recv(10);
    ASSERT_TRUE(reply.has_value()) << "no reply to " << (frames.empty() ? "" : frames.back());
    EXPECT_EQ((*reply)["status"], "error") << *reply;
    EXPECT_EQ((*reply)["errno"], err) << *reply;
    EXPECT_EQ((*reply)["reason"], reason) << *reply;
    EXPECT_TRUE((*reply)["tb"].is_null());
    EXPECT_TRUE((*reply)["time"].is_number());
    auto status = client_->Call("status", {}, 10);
    ASSERT_TRUE(status.has_value()) << "valid request after a malformed one got no reply";
    EXPECT_EQ((*status)["status"], "ok");
  }
};

TEST_F(ControlProtocol, EveryMalformedInputGetsOneReply) {
  StartWith(Sleeper("sleeper"));
  ExpectError({"a", "b"}, 1, "invalid message: expected one frame, got 2");
  ExpectError({""}, 1, "empty message");
  ExpectError({"   \n "}, 1, "empty message");
  std::string big = R"({"command": "status", "id": ")" + std::string(1048576, 'x') + "\"}";
  ExpectError({big}, 1, "message too large (" + std::to_string(big.size()) + " bytes, limit 1048576)");
  ExpectError({"{not json"}, 1, "json invalid");
  ExpectError({"\xff\xfe"}, 1, "json invalid");
  ExpectError({std::string(100, '[') + std::string(100, ']')}, 1, "json invalid");
  ExpectError({"[1,2]"}, 1, "invalid message: expected a JSON object");
  ExpectError({R"({"id": "x"})"}, 3, "message invalid 'command' is missing");
  ExpectError({R"({"id": "x", "command": 7})"}, 3, "'command' must be a string");
  ExpectError({R"({"id": "x", "command": "foo"})"}, 2, "unknown command: 'foo'");
  ExpectError({R"({"id": "x", "command": " status"})"}, 2, "unknown command: ' status'");
  ExpectError({R"({"id": "x", "command": "ipython"})"}, 2, "unknown command: 'ipython'");
  ExpectError({R"({"id": "x", "command": "status", "properties": null})"}, 3,
              "'properties' must be an object");
  ExpectError({R"({"id": "x", "command": "incr", "properties": {}})"}, 3,
              "message invalid 'name' is missing");
  ExpectError({R"({"id": "x", "command": "incr", "properties": {"name": "sleeper", "nb": "2"}})"},
              3, "'nb' must be an integer");
  ExpectError({R"({"id": "x", "command": "status", "properties": {"waiting": "yes"}})"}, 3,
              "'waiting' must be a boolean");
}

TEST_F(ControlProtocol, IdsAreEchoedVerbatimAndCommandsAreCaseInsensitive) {
  StartWith(Sleeper("sleeper"));
  client_->SendFrames({R"({"id": {"a": [1, 18446744073709551615]}, "command": "NUMWATCHERS"})"});
  auto r = client_->Recv(10);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["id"], nlohmann::json::parse(R"({"a": [1, 18446744073709551615]})"));
  EXPECT_EQ((*r)["numwatchers"], 1);
  client_->SendFrames({R"({"command": "numwatchers"})"});
  r = client_->Recv(10);
  ASSERT_TRUE(r);
  EXPECT_TRUE((*r)["id"].is_null());
}

TEST_F(ControlProtocol, ReqEnvelopeIsAnswered) {
  StartWith(Sleeper("sleeper"));
  ControlClient req(Endpoint(), ZMQ_REQ);
  auto r = req.Call("numwatchers", {}, 10);
  ASSERT_TRUE(r.has_value()) << "REQ sockets get replies (Circus drops them)";
  EXPECT_EQ((*r)["numwatchers"], 1);
}

TEST_F(ControlProtocol, CastsGetNoReply) {
  StartWith(Sleeper("sleeper", 1));
  client_->SendFrames({R"({"id": "c1", "command": "incr", "msg_type": "cast", "properties": {"name": "sleeper"}})"});
  client_->SendFrames({R"({"id": "c2", "command": "nope", "msg_type": "cast"})"});
  auto r = client_->Call("numwatchers", {}, 10);
  ASSERT_TRUE(r);
  // The next frame on the socket was the numwatchers reply: nothing for the casts.
  EXPECT_EQ((*r)["numwatchers"], 1);
  EXPECT_FALSE(client_->Recv(0.3).has_value());
  EXPECT_TRUE(WaitWorkers(2)) << "the cast incr was executed";
}

TEST_F(ControlProtocol, WaitingReplyMayArriveAfterLaterReplies) {
  StartWith("[watcher:slow]\ncmd = " + Worker("--ignore-term") + "\ngraceful_timeout = 2\n" +
            Sleeper("other"));
  ASSERT_TRUE(WaitWorkers(2));
  client_->SendFrames({R"({"id": "w1", "command": "stop", "properties": {"name": "slow", "waiting": true}})"});
  client_->SendFrames({R"({"id": "q1", "command": "numwatchers"})"});
  auto first = client_->Recv(10);
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)["id"], "q1");
  auto second = client_->Recv(15);
  ASSERT_TRUE(second);
  EXPECT_EQ((*second)["id"], "w1");
  EXPECT_EQ((*second)["status"], "ok");
}

TEST_F(ControlProtocol, ABurstOfRequestsIsFullyDrained) {
  StartWith(Sleeper("sleeper"));
  for (int i = 0; i < 300; ++i) {
    client_->SendFrames({nlohmann::json{{"id", i}, {"command", "status"}}.dump()});
  }
  std::set<int> ids;
  for (int i = 0; i < 300; ++i) {
    auto r = client_->Recv(10);
    ASSERT_TRUE(r) << "only " << ids.size() << " replies";
    ids.insert((*r)["id"].get<int>());
  }
  EXPECT_EQ(ids.size(), 300u);
}

}  // namespace
}  // namespace ringmaster::test
