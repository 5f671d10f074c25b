#include "core/protocol.h"

#include <gtest/gtest.h>

#include <string>

namespace ringmaster {
namespace {

using nlohmann::json;

Request Ok(std::string_view body) {
  auto parsed = ParseRequest(body);
  if (auto* e = std::get_if<ProtocolError>(&parsed)) {
    ADD_FAILURE() << "unexpected error for " << body << ": " << e->reason;
    return {};
  }
  return std::get<Request>(parsed);
}

ProtocolError Err(std::string_view body) {
  auto parsed = ParseRequest(body);
  if (std::holds_alternative<Request>(parsed)) {
    ADD_FAILURE() << "expected an error for " << body;
    return {};
  }
  return std::get<ProtocolError>(parsed);
}

void ExpectError(std::string_view body, Errno err, const std::string& reason,
                 const json& id = nullptr) {
  SCOPED_TRACE(std::string(body.substr(0, 200)));
  ProtocolError e = Err(body);
  EXPECT_EQ(e.err, err);
  EXPECT_EQ(e.reason, reason);
  EXPECT_EQ(e.id, id);
  EXPECT_FALSE(e.cast);
}

std::string Nested(int depth) {
  return "{\"command\":\"status\",\"id\":" + std::string(depth - 1, '[') +
         std::string(depth - 1, ']') + "}";
}

TEST(ProtocolTest, ParsesAFullRequest) {
  Request r = Ok(R"({"id": "7c9e", "command": "incr",
                     "properties": {"name": "web", "nb": 2, "waiting": true}})");
  EXPECT_EQ(r.id, "7c9e");
  EXPECT_EQ(r.command, "incr");
  EXPECT_EQ(r.properties, json({{"name", "web"}, {"nb", 2}, {"waiting", true}}));
  EXPECT_FALSE(r.cast);
  EXPECT_TRUE(r.waiting());
}

TEST(ProtocolTest, PropertiesDefaultToEmptyObjectAndIdToNull) {
  Request r = Ok(R"({"command": "numwatchers"})");
  EXPECT_TRUE(r.properties.is_object());
  EXPECT_TRUE(r.properties.empty());
  EXPECT_TRUE(r.id.is_null());
  EXPECT_FALSE(r.waiting());
}

TEST(ProtocolTest, WaitingIsOnlyTrueForJsonTrue) {
  EXPECT_FALSE(Ok(R"({"command":"stop","properties":{"waiting":false}})").waiting());
  EXPECT_FALSE(Ok(R"({"command":"stop","properties":{"waiting":null}})").waiting());
}

TEST(ProtocolTest, TrimsAsciiWhitespace) {
  Request r = Ok(" \t\r\n\v\f{\"command\": \"list\"}\n\n ");
  EXPECT_EQ(r.command, "list");
}

TEST(ProtocolTest, CommandIsCaseInsensitiveAndLowercased) {
  EXPECT_EQ(Ok(R"({"command": "NUMWATCHERS"})").command, "numwatchers");
  EXPECT_EQ(Ok(R"({"command": "GlobalOptions"})").command, "globaloptions");
}

TEST(ProtocolTest, CommandIsNotTrimmed) {
  ExpectError(R"({"command": " status", "id": 1})", Errno::kUnknownCommand,
              "unknown command: ' status'", 1);
  ExpectError(R"({"command": "status ", "id": 1})", Errno::kUnknownCommand,
              "unknown command: 'status '", 1);
}

TEST(ProtocolTest, EmptyMessage) {
  ExpectError("", Errno::kInvalidJson, "empty message");
  ExpectError(" \r\n\t ", Errno::kInvalidJson, "empty message");
}

TEST(ProtocolTest, SizeLimitIsOneMebibyte) {
  const std::string prefix = R"({"command": "status", "id": ")";
  const std::string suffix = "\"}";
  std::string body =
      prefix + std::string(kMaxBodyBytes - prefix.size() - suffix.size(), 'x') + suffix;
  ASSERT_EQ(body.size(), kMaxBodyBytes);
  EXPECT_EQ(Ok(body).command, "status");
  // Whitespace around the body does not count.
  EXPECT_EQ(Ok("  " + body + "\n").command, "status");

  body.insert(prefix.size(), "y");
  ExpectError(body, Errno::kInvalidJson, "message too large (1048577 bytes, limit 1048576)");
}

TEST(ProtocolTest, InvalidJson) {
  for (const char* body : {"{", "not json", "{\"command\": \"status\"} trailing", "[1,]",
                           "{'command': 'status'}", "{\"command\": NaN}", "\"unterminated"}) {
    ExpectError(body, Errno::kInvalidJson, "json invalid");
    EXPECT_FALSE(Err(body).detail.empty()) << body;
  }
}

TEST(ProtocolTest, InvalidUtf8IsJsonInvalid) {
  ExpectError("{\"command\": \"st\xff\xfe\"}", Errno::kInvalidJson, "json invalid");
  ExpectError("{\"command\": \"status\", \"id\": \"\xc3\"}", Errno::kInvalidJson, "json invalid");
  // Overlong encoding of '/'.
  ExpectError("{\"command\": \"\xc0\xaf\"}", Errno::kInvalidJson, "json invalid");
}

TEST(ProtocolTest, Depth64IsAcceptedAnd65Rejected) {
  Request r = Ok(Nested(64));
  EXPECT_TRUE(r.id.is_array());
  ExpectError(Nested(65), Errno::kInvalidJson, "json invalid");
  EXPECT_NE(Err(Nested(65)).detail.find("64"), std::string::npos);
}

TEST(ProtocolTest, VeryDeepDocumentIsRejectedWithoutRecursion) {
  const int depth = 100000;
  ExpectError(std::string(depth, '[') + std::string(depth, ']'), Errno::kInvalidJson,
              "json invalid");
  ExpectError(std::string(depth, '['), Errno::kInvalidJson, "json invalid");
  std::string objects;
  for (int i = 0; i < depth; ++i) objects += "{\"a\":";
  ExpectError(objects + "1" + std::string(depth, '}'), Errno::kInvalidJson, "json invalid");
}

TEST(ProtocolTest, NonObjectJson) {
  for (const char* body :
       {"[]", "[{\"command\": \"status\"}]", "\"status\"", "42", "null", "true"}) {
    ExpectError(body, Errno::kInvalidJson, "invalid message: expected a JSON object");
  }
}

TEST(ProtocolTest, CommandMissingOrNotAString) {
  ExpectError(R"({"id": "a"})", Errno::kMessageError, "message invalid 'command' is missing", "a");
  ExpectError(R"({"id": "b", "command": 5})", Errno::kMessageError, "'command' must be a string",
              "b");
  ExpectError(R"({"id": "c", "command": null})", Errno::kMessageError, "'command' must be a string",
              "c");
  ExpectError(R"({"id": "d", "command": ["status"]})", Errno::kMessageError,
              "'command' must be a string", "d");
}

TEST(ProtocolTest, UnknownCommandKeepsTheNameAsSent) {
  ExpectError(R"({"id": "u", "command": "foo"})", Errno::kUnknownCommand, "unknown command: 'foo'",
              "u");
  ExpectError(R"({"command": "FOO"})", Errno::kUnknownCommand, "unknown command: 'FOO'");
  ExpectError(R"({"command": "ipython"})", Errno::kUnknownCommand, "unknown command: 'ipython'");
  ExpectError(R"({"command": "listen"})", Errno::kUnknownCommand, "unknown command: 'listen'");
  ExpectError(R"({"command": ""})", Errno::kUnknownCommand, "unknown command: ''");
}

TEST(ProtocolTest, UnknownCommandIsReportedBeforeBadProperties) {
  ExpectError(R"({"command": "foo", "properties": 3})", Errno::kUnknownCommand,
              "unknown command: 'foo'");
}

TEST(ProtocolTest, PropertiesMustBeAnObject) {
  for (const char* props : {"null", "[]", "\"x\"", "1", "true"}) {
    ExpectError(std::string(R"({"id": 9, "command": "status", "properties": )") + props + "}",
                Errno::kMessageError, "'properties' must be an object", 9);
  }
}

TEST(ProtocolTest, PropertyValidationErrors) {
  ExpectError(R"({"id": "m", "command": "incr", "properties": {}})", Errno::kMessageError,
              "message invalid 'name' is missing", "m");
  ExpectError(R"({"id": "n", "command": "incr", "properties": {"name": "w", "nb": "2"}})",
              Errno::kMessageError, "'nb' must be an integer", "n");
  ExpectError(R"({"command": "stop", "properties": {"waiting": "yes"}})", Errno::kMessageError,
              "'waiting' must be a boolean");
  ExpectError(R"({"command": "signal", "properties": {"name": "w", "signum": "NOPE"}})",
              Errno::kMessageError, "signal invalid");
  ExpectError(R"({"command": "start", "properties": {"name": "w", "match": "fuzzy"}})",
              Errno::kMessageError, "unknown match method fuzzy");
}

TEST(ProtocolTest, UnknownPropertiesAndKeysAreIgnored) {
  Request r = Ok(R"({"command": "globaloptions", "extra": 1,
                     "properties": {"name": "x", "match": "glob", "waiting": false}})");
  EXPECT_EQ(r.command, "globaloptions");
  EXPECT_EQ(r.properties["name"], "x");
}

TEST(ProtocolTest, IdIsKeptVerbatim) {
  EXPECT_EQ(Ok(R"({"id": "abc", "command": "list"})").id, "abc");
  EXPECT_EQ(Ok(R"({"id": {"a": [1, {"b": null}]}, "command": "list"})").id,
            json::parse(R"({"a": [1, {"b": null}]})"));
  Request big = Ok(R"({"id": 18446744073709551615, "command": "list"})");
  EXPECT_TRUE(big.id.is_number_unsigned());
  EXPECT_EQ(big.id.get<uint64_t>(), 18446744073709551615ULL);
  EXPECT_EQ(big.id.dump(), "18446744073709551615");
  Request neg = Ok(R"({"id": -9223372036854775808, "command": "list"})");
  EXPECT_EQ(neg.id.dump(), "-9223372036854775808");
  EXPECT_EQ(Ok(R"({"id": 1.5, "command": "list"})").id, 1.5);
  EXPECT_TRUE(Ok(R"({"id": null, "command": "list"})").id.is_null());
  EXPECT_EQ(Ok(R"({"id": "", "command": "list"})").id, "");
}

// nlohmann keeps every int64/uint64 exactly; beyond that a number becomes a
// double (precision lost), and one beyond double's range is not valid JSON here.
TEST(ProtocolTest, IdsBeyondUint64BecomeDoubles) {
  Request r = Ok(R"({"id": 18446744073709551616, "command": "list"})");
  EXPECT_TRUE(r.id.is_number_float());
  EXPECT_DOUBLE_EQ(r.id.get<double>(), 18446744073709551616.0);
  ExpectError(R"({"id": 1e400, "command": "list"})", Errno::kInvalidJson, "json invalid");
}

TEST(ProtocolTest, IdIsNullWhenTheBodyIsNotAnObject) {
  ExpectError(R"([{"id": "x", "command": "list"}])", Errno::kInvalidJson,
              "invalid message: expected a JSON object");
  ExpectError(R"({"id": "x", "command": "list")", Errno::kInvalidJson, "json invalid");
}

TEST(ProtocolTest, DuplicateKeysLastWins) {
  Request r = Ok(R"({"command": "foo", "command": "list", "id": 1, "id": 2,
                     "properties": {"name": "a", "name": "b"}})");
  EXPECT_EQ(r.command, "list");
  EXPECT_EQ(r.id, 2);
  EXPECT_EQ(r.properties["name"], "b");
}

TEST(ProtocolTest, CastsAreFlagged) {
  EXPECT_TRUE(Ok(R"({"command": "list", "msg_type": "cast"})").cast);
  EXPECT_FALSE(Ok(R"({"command": "list", "msg_type": "call"})").cast);
  EXPECT_FALSE(Ok(R"({"command": "list", "msg_type": "CAST"})").cast);
  EXPECT_FALSE(Ok(R"({"command": "list", "msg_type": 1})").cast);
}

TEST(ProtocolTest, MalformedCastsAreFlaggedToo) {
  ProtocolError e = Err(R"({"id": "c1", "command": "foo", "msg_type": "cast"})");
  EXPECT_EQ(e.err, Errno::kUnknownCommand);
  EXPECT_TRUE(e.cast);
  EXPECT_EQ(e.id, "c1");
  EXPECT_TRUE(Err(R"({"msg_type": "cast"})").cast);
  EXPECT_TRUE(Err(R"({"command": "incr", "msg_type": "cast"})").cast);
  EXPECT_TRUE(Err(R"({"command": "list", "properties": [], "msg_type": "cast"})").cast);
}

TEST(ProtocolTest, WallTimeIsEpochSecondsWithAFraction) {
  const double t = WallTime();
  EXPECT_GT(t, 1.7e9);
  EXPECT_LT(t, 1e10);
}

TEST(ProtocolTest, OkReplyShape) {
  json r = OkReply("q1", {{"numwatchers", 2}});
  EXPECT_EQ(r["status"], "ok");
  EXPECT_TRUE(r["time"].is_number_float());
  EXPECT_EQ(r["numwatchers"], 2);
  EXPECT_EQ(r["id"], "q1");
  EXPECT_EQ(r.size(), 4u);
  EXPECT_EQ(OkReply(nullptr).size(), 3u);
  EXPECT_TRUE(OkReply(nullptr)["id"].is_null());
}

TEST(ProtocolTest, OkReplyStatusFieldCanCarryTheWatcherState) {
  json r = OkReply("q4", {{"status", "active"}});
  EXPECT_EQ(r["status"], "active");
}

TEST(ProtocolTest, ErrorReplyShape) {
  json r = ErrorReply("q2", Errno::kMessageError, "program nope not found");
  EXPECT_EQ(r["status"], "error");
  EXPECT_EQ(r["reason"], "program nope not found");
  EXPECT_TRUE(r["tb"].is_null());
  EXPECT_TRUE(r["time"].is_number_float());
  EXPECT_EQ(r["errno"], 3);
  EXPECT_EQ(r["id"], "q2");
  EXPECT_EQ(r.size(), 6u);
}

TEST(ProtocolTest, SerializeReplyKeepsCircusKeyOrder) {
  json ok = {{"status", "ok"}, {"time", 1732190001.25}, {"numwatchers", 2},
             {"a", 1},         {"zeta", {{"y", 1}}},    {"id", "q1"}};
  EXPECT_EQ(
      SerializeReply(ok),
      R"({"status":"ok","time":1732190001.25,"a":1,"numwatchers":2,"zeta":{"y":1},"id":"q1"})");
  json err = {{"status", "error"}, {"reason", "x"}, {"tb", nullptr},
              {"time", 1.5},       {"errno", 3},    {"id", nullptr}};
  EXPECT_EQ(SerializeReply(err),
            R"({"status":"error","reason":"x","tb":null,"time":1.5,"errno":3,"id":null})");
  json state = {{"status", "active"}, {"time", 2.0}, {"id", 7}};
  EXPECT_EQ(SerializeReply(state), R"({"status":"active","time":2.0,"id":7})");
}

TEST(ProtocolTest, SerializeReplySplicesARawMemberBeforeTheId) {
  json ok = {{"status", "ok"}, {"time", 1.5}, {"name", "w\"x"}, {"id", "q1"}};
  EXPECT_EQ(SerializeReply(ok, "info", R"({"12":{"pid":12}})"),
            R"({"status":"ok","time":1.5,"name":"w\"x","info":{"12":{"pid":12}},"id":"q1"})");
  json bare = {{"status", "ok"}};
  EXPECT_EQ(SerializeReply(bare, "k\"", "[]"), R"({"status":"ok","k\"":[]})");
}

TEST(ProtocolTest, SerializeReplyRoundTripsRealReplies) {
  json reply = OkReply(json::parse("18446744073709551615"), {{"pids", {1, 2}}});
  const std::string text = SerializeReply(reply);
  EXPECT_EQ(text.rfind(R"({"status":"ok","time":)", 0), 0u);
  EXPECT_NE(text.find(R"("pids":[1,2],"id":18446744073709551615})"), std::string::npos);
  EXPECT_EQ(json::parse(text), reply);
  json err = ErrorReply("e", Errno::kBadMsgData, "stop failed");
  EXPECT_EQ(json::parse(SerializeReply(err)), err);
}

TEST(ProtocolTest, SerializeReplyDoesNotThrowOnInvalidUtf8) {
  json r = {{"status", "ok"}, {"time", 1.0}, {"name", "bad\xff"}, {"id", nullptr}};
  std::string text;
  EXPECT_NO_THROW(text = SerializeReply(r));
  EXPECT_NO_THROW(json::parse(text));
}

}  // namespace
}  // namespace ringmaster
