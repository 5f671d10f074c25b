#include "daemon/zmq_controller.h"

#include <event2/event.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "core/protocol.h"
#include "daemon/runtime_dir.h"

namespace ringmaster {
namespace {

using nlohmann::json;
using Frames = std::vector<std::string>;
using Clock = std::chrono::steady_clock;

constexpr auto kDeadline = std::chrono::seconds(5);

// Answers {"echo": command}, except:
//   numwatchers: replies 50 ms later from a Timer (out-of-order replies);
//   numprocesses: keeps the responder in `held` for the test to call;
//   list: throws;  stats: drops the responder without calling it;
//   quit: replies, then flushes and closes the controller from inside Dispatch.
class FakeDispatcher : public Dispatcher {
 public:
  explicit FakeDispatcher(EventLoop& loop) : loop_(loop) {}

  void Dispatch(const Request& request, Responder respond) override {
    seen.push_back(request.command);
    if (request.command == "numwatchers") {
      auto timer = std::make_unique<Timer>(loop_, [respond, id = request.id] {
        respond(OkReply(id, {{"echo", "deferred"}}));
      });
      timer->Start(0.05);
      timers_.push_back(std::move(timer));
      return;
    }
    if (request.command == "numprocesses") {
      held = respond;
      return;
    }
    if (request.command == "list") throw std::runtime_error("boom");
    if (request.command == "stats") return;
    respond(OkReply(request.id, {{"echo", request.command}}));
    if (request.command == "quit" && controller != nullptr) controller->FlushAndClose();
  }

  std::vector<std::string> seen;
  Responder held;
  ZmqController* controller = nullptr;

 private:
  EventLoop& loop_;
  std::vector<std::unique_ptr<Timer>> timers_;
};

std::string MakeTempDir() {
  char tmpl[] = "/tmp/ringmaster_zmq_XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return "";
  return tmpl;
}

class ZmqControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
    endpoint_ = "ipc://" + dir_ + "/control.sock";
    pubsub_ = "ipc://" + dir_ + "/events.sock";
    controller_ = std::make_unique<ZmqController>(loop_, dispatcher_);
    dispatcher_.controller = controller_.get();
    Status s = controller_->Bind(endpoint_, pubsub_);
    ASSERT_TRUE(s.ok()) << s.message();
    client_ = Connect(zmq::socket_type::dealer);
  }

  void TearDown() override {
    client_.close();
    controller_.reset();
    std::filesystem::remove_all(dir_);
  }

  zmq::socket_t Connect(zmq::socket_type type) {
    zmq::socket_t s(client_ctx_, type);
    s.set(zmq::sockopt::linger, 0);
    s.connect(endpoint_);
    return s;
  }

  // Runs the daemon's loop without blocking until `done` or the deadline.
  bool RunUntil(const std::function<bool()>& done) {
    const auto deadline = Clock::now() + kDeadline;
    while (true) {
      event_base_loop(loop_.base(), EVLOOP_NONBLOCK);
      if (done()) return true;
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  static bool Readable(zmq::socket_t& s) { return (s.get(zmq::sockopt::events) & ZMQ_POLLIN) != 0; }

  // The next multipart message on `s`, or empty after the deadline.
  Frames Recv(zmq::socket_t& s) {
    if (!RunUntil([&] { return Readable(s); })) {
      ADD_FAILURE() << "no message within the deadline";
      return {};
    }
    Frames frames;
    bool more = true;
    while (more) {
      zmq::message_t part;
      if (!s.recv(part, zmq::recv_flags::dontwait)) break;
      more = part.more();
      frames.push_back(part.to_string());
    }
    return frames;
  }

  // A DEALER reply: exactly one frame holding a JSON object.
  json RecvReply(zmq::socket_t& s) {
    Frames frames = Recv(s);
    if (frames.size() != 1) {
      ADD_FAILURE() << "expected one frame, got " << frames.size();
      return json();
    }
    return json::parse(frames[0]);
  }
  json RecvReply() { return RecvReply(client_); }

  static void SendFrames(zmq::socket_t& s, const Frames& frames) {
    for (size_t i = 0; i < frames.size(); ++i) {
      auto flags = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
      s.send(zmq::buffer(frames[i]), flags);
    }
  }
  void Send(const std::string& body) { SendFrames(client_, {body}); }
  void Send(const json& body) { Send(body.dump()); }

  static json Call(const std::string& id, const std::string& command) {
    return {{"id", id}, {"command", command}};
  }

  void ExpectEcho(const json& reply, const std::string& id, const std::string& command) {
    ASSERT_TRUE(reply.is_object()) << reply;
    EXPECT_EQ(reply.value("status", ""), "ok") << reply;
    EXPECT_EQ(reply.value("echo", ""), command) << reply;
    EXPECT_EQ(reply["id"], id) << reply;
  }

  void ExpectError(const json& reply, int err, const std::string& reason, const json& id) {
    ASSERT_TRUE(reply.is_object()) << reply;
    EXPECT_EQ(reply.value("status", ""), "error") << reply;
    EXPECT_EQ(reply.value("errno", -1), err) << reply;
    EXPECT_EQ(reply.value("reason", ""), reason) << reply;
    EXPECT_TRUE(reply.contains("tb") && reply["tb"].is_null()) << reply;
    EXPECT_TRUE(reply.contains("id")) << reply;
    EXPECT_EQ(reply["id"], id) << reply;
  }

  EventLoop loop_;
  FakeDispatcher dispatcher_{loop_};
  std::string dir_;
  std::string endpoint_;
  std::string pubsub_;
  std::unique_ptr<ZmqController> controller_;
  zmq::context_t client_ctx_;
  zmq::socket_t client_;
};

TEST_F(ZmqControllerTest, AnswersADealerRequest) {
  Send(Call("q1", "status"));
  ExpectEcho(RecvReply(), "q1", "status");
}

TEST_F(ZmqControllerTest, KeepsAnyIdVerbatim) {
  json id = {{"nested", {1, 2, "x"}}, {"big", 18446744073709551615ull}};
  Send(json{{"id", id}, {"command", "STATUS"}});
  json reply = RecvReply();
  EXPECT_EQ(reply["id"], id);
  EXPECT_EQ(reply.value("echo", ""), "status");
}

struct BadInput {
  const char* name;
  Frames frames;  // after the routing id, as a DEALER sends them
  int err;
  std::string reason;
  json id;
  bool delimiter = false;  // the reply keeps a leading empty frame
};

// docs/protocol.md §3, row by row: each bad message gets one error reply,
// and a valid request sent right after it still gets its own.
TEST_F(ZmqControllerTest, EveryMalformedInputGetsOneReplyAndTheNextRequestToo) {
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  const std::vector<BadInput> inputs = {
      {"two frames", {"{}", "{}"}, 1, "invalid message: expected one frame, got 2", nullptr},
      {"three frames", {"a", "b", "c"}, 1, "invalid message: expected one frame, got 3", nullptr},
      {"delimiter and two frames",
       {"", "a", "b"},
       1,
       "invalid message: expected one frame, got 2",
       nullptr,
       true},
      {"empty body", {""}, 1, "empty message", nullptr},
      {"blank body", {" \t\r\n "}, 1, "empty message", nullptr},
      {"too large",
       {std::string(kMaxBodyBytes + 1, 'x')},
       1,
       "message too large (1048577 bytes, limit 1048576)",
       nullptr},
      {"not json", {"{nope"}, 1, "json invalid", nullptr},
      {"not utf-8", {"{\"command\": \"\xff\"}"}, 1, "json invalid", nullptr},
      {"too deep", {deep}, 1, "json invalid", nullptr},
      {"not an object", {"[1, 2]"}, 1, "invalid message: expected a JSON object", nullptr},
      {"string", {"\"status\""}, 1, "invalid message: expected a JSON object", nullptr},
      {"missing command", {R"({"id": "m1"})"}, 3, "message invalid 'command' is missing", "m1"},
      {"command not a string",
       {R"({"id": "m2", "command": 5})"},
       3,
       "'command' must be a string",
       "m2"},
      {"unknown command", {R"({"id": "m3", "command": "foo"})"}, 2, "unknown command: 'foo'", "m3"},
      {"properties null",
       {R"({"id": "m4", "command": "status", "properties": null})"},
       3,
       "'properties' must be an object",
       "m4"},
      {"properties array",
       {R"({"id": "m5", "command": "status", "properties": []})"},
       3,
       "'properties' must be an object",
       "m5"},
  };
  int n = 0;
  for (const BadInput& in : inputs) {
    SCOPED_TRACE(in.name);
    SendFrames(client_, in.frames);
    const std::string ok_id = "ok" + std::to_string(n++);
    Send(Call(ok_id, "status"));
    Frames frames = Recv(client_);
    ASSERT_EQ(frames.size(), in.delimiter ? 2u : 1u);
    if (in.delimiter) {
      EXPECT_EQ(frames[0], "");
    }
    ExpectError(json::parse(frames.back()), in.err, in.reason, in.id);
    ExpectEcho(RecvReply(), ok_id, "status");
  }
}

TEST_F(ZmqControllerTest, AllMalformedInputsQueuedTogetherAreAllAnswered) {
  SendFrames(client_, {"a", "b"});
  Send(std::string());
  Send(std::string("{nope"));
  Send(std::string("[]"));
  Send(std::string(R"({"command": "foo"})"));
  Send(Call("last", "status"));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(RecvReply().value("status", ""), "error");
  ExpectEcho(RecvReply(), "last", "status");
}

TEST_F(ZmqControllerTest, ReqSocketGetsItsReply) {
  zmq::socket_t req = Connect(zmq::socket_type::req);
  SendFrames(req, {Call("r1", "status").dump()});
  json reply = RecvReply(req);
  ExpectEcho(reply, "r1", "status");
  // A REQ socket alternates send/recv: a second round trip works too.
  SendFrames(req, {Call("r2", "status").dump()});
  ExpectEcho(RecvReply(req), "r2", "status");
}

TEST_F(ZmqControllerTest, ReqEnvelopeFromADealerKeepsTheDelimiter) {
  SendFrames(client_, {"", Call("e1", "status").dump()});
  Frames frames = Recv(client_);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0], "");
  ExpectEcho(json::parse(frames[1]), "e1", "status");
  // An enveloped error keeps it too.
  SendFrames(client_, {"", "{nope"});
  frames = Recv(client_);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0], "");
  ExpectError(json::parse(frames[1]), 1, "json invalid", nullptr);
}

TEST_F(ZmqControllerTest, CastsGetNoReplyValidOrNot) {
  Send(json{{"id", "c1"}, {"command", "status"}, {"msg_type", "cast"}});
  Send(json{{"id", "c2"}, {"command", "nope"}, {"msg_type", "cast"}});
  Send(json{{"id", "c3"}, {"command", "status"}, {"msg_type", "cast"}, {"properties", 1}});
  Send(json{{"command", 7}, {"msg_type", "cast"}});
  Send(json{{"id", "c5"}, {"command", "list"}, {"msg_type", "cast"}});   // throws
  Send(json{{"id", "c6"}, {"command", "stats"}, {"msg_type", "cast"}});  // drops it
  Send(Call("after", "status"));
  // The first frame to arrive is the call's reply: nothing was sent for casts.
  ExpectEcho(RecvReply(), "after", "status");
  EXPECT_EQ(dispatcher_.seen, (std::vector<std::string>{"status", "list", "stats", "status"}));
  // And nothing is trailing behind it.
  Send(Call("after2", "status"));
  ExpectEcho(RecvReply(), "after2", "status");
}

TEST_F(ZmqControllerTest, DeferredReplyArrivesAfterALaterRequestsReply) {
  Send(Call("slow", "numwatchers"));
  Send(Call("fast", "status"));
  ExpectEcho(RecvReply(), "fast", "status");
  ExpectEcho(RecvReply(), "slow", "deferred");
}

TEST_F(ZmqControllerTest, DeferredReplyToAPeerThatLeftIsDropped) {
  zmq::socket_t gone = Connect(zmq::socket_type::dealer);
  SendFrames(gone, {Call("g1", "numwatchers").dump()});
  ASSERT_TRUE(RunUntil([&] { return dispatcher_.seen.size() == 1; }));
  gone.close();
  // The timer fires and the reply goes nowhere; the daemon carries on.
  Send(Call("here", "numwatchers"));
  ExpectEcho(RecvReply(), "here", "deferred");
}

TEST_F(ZmqControllerTest, PipelinedBurstIsAllAnswered) {
  constexpr int kCount = 200;
  for (int i = 0; i < kCount; ++i) Send(Call("p" + std::to_string(i), "status"));
  std::set<std::string> ids;
  for (int i = 0; i < kCount; ++i) {
    json reply = RecvReply();
    ASSERT_TRUE(reply.is_object());
    ids.insert(reply["id"].get<std::string>());
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kCount));
}

// More than one drain's worth: the rest is picked up on the next iteration.
TEST_F(ZmqControllerTest, BurstLargerThanOneDrainIsAllAnswered) {
  constexpr int kCount = 1000;
  for (int i = 0; i < kCount; ++i) Send(Call(std::to_string(i), "status"));
  for (int i = 0; i < kCount; ++i) {
    json reply = RecvReply();
    ASSERT_TRUE(reply.is_object());
    EXPECT_EQ(reply["id"], std::to_string(i));  // one DEALER: order is kept
  }
}

// A reply sent outside a drain (here: by the test, as a timer would) processes
// the ROUTER's pending commands, which can swallow the ZMQ_FD wake-up for a
// request that is already queued. That request must still be answered.
TEST_F(ZmqControllerTest, SendOutsideADrainDoesNotStrandQueuedInput) {
  Send(Call("held", "numprocesses"));
  ASSERT_TRUE(RunUntil([&] { return dispatcher_.held != nullptr; }));
  Send(Call("queued", "status"));
  // Let the request reach the ROUTER's pipe without running the loop. If it
  // has not arrived yet the test still passes; it never fails spuriously.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  dispatcher_.held(OkReply("held", {{"echo", "numprocesses"}}));
  ExpectEcho(RecvReply(), "held", "numprocesses");
  ExpectEcho(RecvReply(), "queued", "status");
}

TEST_F(ZmqControllerTest, ConcurrentClientsInAThreadAreAllAnswered) {
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      zmq::socket_t s(client_ctx_, zmq::socket_type::dealer);
      s.set(zmq::sockopt::linger, 0);
      s.set(zmq::sockopt::rcvtimeo, 5000);
      s.connect(endpoint_);
      for (int i = 0; i < kEach; ++i) {
        std::string id = std::to_string(t) + "-" + std::to_string(i);
        s.send(zmq::buffer(Call(id, "status").dump()), zmq::send_flags::none);
        zmq::message_t m;
        if (!s.recv(m)) return;
        if (json::parse(m.to_string())["id"] == id) ++answered;
      }
    });
  }
  bool done = RunUntil([&] { return answered.load() == kThreads * kEach; });
  for (auto& th : threads) th.join();
  EXPECT_TRUE(done);
  EXPECT_EQ(answered.load(), kThreads * kEach);
}

TEST_F(ZmqControllerTest, ExceptionInACommandIsAnInternalErrorReply) {
  Send(Call("x1", "list"));
  ExpectError(RecvReply(), 5, "internal error: boom", "x1");
  Send(Call("x2", "status"));
  ExpectEcho(RecvReply(), "x2", "status");
}

TEST_F(ZmqControllerTest, ResponderDroppedWithoutAReplyStillAnswers) {
  Send(Call("d1", "stats"));
  ExpectError(RecvReply(), 5, "internal error: command 'stats' finished without a reply", "d1");
}

TEST_F(ZmqControllerTest, SecondReplyFromOneResponderIsDropped) {
  Send(Call("h1", "numprocesses"));
  ASSERT_TRUE(RunUntil([&] { return dispatcher_.held != nullptr; }));
  dispatcher_.held(OkReply("h1", {{"echo", "first"}}));
  dispatcher_.held(OkReply("h1", {{"echo", "second"}}));
  ExpectEcho(RecvReply(), "h1", "first");
  Send(Call("h2", "status"));
  ExpectEcho(RecvReply(), "h2", "status");
}

TEST_F(ZmqControllerTest, ReplyAfterCloseIsANoOp) {
  Send(Call("h1", "numprocesses"));
  ASSERT_TRUE(RunUntil([&] { return dispatcher_.held != nullptr; }));
  controller_->Close();
  EXPECT_FALSE(controller_->bound());
  dispatcher_.held(OkReply("h1", json::object()));  // must not crash
  controller_.reset();
  dispatcher_.held(OkReply("h1", json::object()));  // nor after destruction
}

TEST_F(ZmqControllerTest, FlushAndCloseDeliversTheFinalReply) {
  Send(Call("bye", "quit"));
  ExpectEcho(RecvReply(), "bye", "quit");
  EXPECT_FALSE(controller_->bound());
}

TEST_F(ZmqControllerTest, PublishesEventsWithTopicAndBody) {
  zmq::socket_t sub(client_ctx_, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::subscribe, "watcher.");
  sub.connect(pubsub_);
  const json body = {{"process_pid", 4242}, {"time", 1732190001.25}};
  // PUB drops what it sends before the subscription has propagated, so
  // publish until the first event arrives (bounded by the deadline).
  Frames frames;
  const auto deadline = Clock::now() + kDeadline;
  while (frames.empty() && Clock::now() < deadline) {
    controller_->Publish("My Web", "spawn", body);
    zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(10));
    if (item.revents & ZMQ_POLLIN) frames = Recv(sub);
  }
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0], "watcher.my_web.spawn");
  EXPECT_EQ(json::parse(frames[1]), body);
}

TEST_F(ZmqControllerTest, PublishAfterCloseIsANoOp) {
  controller_->Close();
  controller_->Publish("web", "stop", {{"time", 1.0}});
}

TEST_F(ZmqControllerTest, SecondDaemonOnTheSameEndpointIsRefused) {
  ZmqController other(loop_, dispatcher_);
  Status s = other.Bind(endpoint_, "ipc://" + dir_ + "/events2.sock");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot bind control endpoint " + endpoint_), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("address in use"), std::string::npos) << s.message();
  // The first daemon still owns its endpoint.
  Send(Call("still", "status"));
  ExpectEcho(RecvReply(), "still", "status");
}

// Bind failures that need no running controller.
class ZmqBindTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    chmod(dir_.c_str(), 0700);
    std::filesystem::remove_all(dir_);
  }

  EventLoop loop_;
  FakeDispatcher dispatcher_{loop_};
  std::string dir_;
};

TEST_F(ZmqBindTest, StaleSocketFileIsReplaced) {
  const std::string path = dir_ + "/control.sock";
  {
    // A socket file left by a crashed daemon: bound, never listening.
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    close(fd);
  }
  ZmqController controller(loop_, dispatcher_);
  Status s = controller.Bind("ipc://" + path, "ipc://" + dir_ + "/events.sock");
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST_F(ZmqBindTest, NonSocketFileIsNotRemoved) {
  const std::string path = dir_ + "/control.sock";
  FILE* f = fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  ZmqController controller(loop_, dispatcher_);
  Status s = controller.Bind("ipc://" + path, "ipc://" + dir_ + "/events.sock");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not a socket"), std::string::npos) << s.message();
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST_F(ZmqBindTest, BadEndpointNamesTheEndpointAndZmqError) {
  ZmqController controller(loop_, dispatcher_);
  Status s = controller.Bind("bogus://x", "ipc://" + dir_ + "/events.sock");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "cannot bind control endpoint bogus://x: " +
                             std::string(zmq_strerror(EPROTONOSUPPORT)));
  EXPECT_FALSE(controller.bound());
}

TEST_F(ZmqBindTest, BadPubsubEndpointLeavesNothingBound) {
  ZmqController controller(loop_, dispatcher_);
  const std::string control = "ipc://" + dir_ + "/control.sock";
  Status s = controller.Bind(control, "bogus://y");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot bind pubsub endpoint bogus://y: "), std::string::npos)
      << s.message();
  EXPECT_FALSE(controller.bound());
  // The control endpoint was released: another controller can take it.
  ZmqController again(loop_, dispatcher_);
  Status s2 = again.Bind(control, "ipc://" + dir_ + "/events.sock");
  EXPECT_TRUE(s2.ok()) << s2.message();
}

TEST_F(ZmqBindTest, TcpEndpointBinds) {
  ZmqController controller(loop_, dispatcher_);
  Status s = controller.Bind("tcp://127.0.0.1:*", "tcp://127.0.0.1:*");
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST_F(ZmqBindTest, DefaultRunDirWithGroupAccessIsRefused) {
  const std::string run = dir_ + "/ringmaster";
  ASSERT_EQ(mkdir(run.c_str(), 0700), 0);
  ASSERT_EQ(chmod(run.c_str(), 0755), 0);
  std::optional<std::string> old;
  if (const char* v = getenv("XDG_RUNTIME_DIR")) old = v;
  setenv("XDG_RUNTIME_DIR", dir_.c_str(), 1);
  ZmqController controller(loop_, dispatcher_);
  Status s = controller.Bind("", "");  // the defaults, in $XDG_RUNTIME_DIR/ringmaster
  if (old) {
    setenv("XDG_RUNTIME_DIR", old->c_str(), 1);
  } else {
    unsetenv("XDG_RUNTIME_DIR");
  }
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot bind control endpoint ipc://" + run + "/control.sock"),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("mode 0755"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("chmod 700 " + run), std::string::npos) << s.message();
  EXPECT_FALSE(std::filesystem::exists(run + "/control.sock"));
}

TEST_F(ZmqBindTest, DefaultRunDirIsCreatedPrivate) {
  std::optional<std::string> old;
  if (const char* v = getenv("XDG_RUNTIME_DIR")) old = v;
  setenv("XDG_RUNTIME_DIR", dir_.c_str(), 1);
  ZmqController controller(loop_, dispatcher_);
  Status s = controller.Bind("", "");
  if (old) {
    setenv("XDG_RUNTIME_DIR", old->c_str(), 1);
  } else {
    unsetenv("XDG_RUNTIME_DIR");
  }
  ASSERT_TRUE(s.ok()) << s.message();
  struct stat st;
  ASSERT_EQ(lstat((dir_ + "/ringmaster").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/ringmaster/control.sock"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/ringmaster/events.sock"));
}

// EnsurePrivateDir (daemon/runtime_dir.h).
class RuntimeDirTest : public ZmqBindTest {};

TEST_F(RuntimeDirTest, CreatesMissingDirWithMode0700) {
  const std::string run = dir_ + "/run";
  const mode_t old_umask = umask(0);  // a permissive umask must not leak into the mode
  Status s = EnsurePrivateDir(run);
  umask(old_umask);
  ASSERT_TRUE(s.ok()) << s.message();
  struct stat st;
  ASSERT_EQ(lstat(run.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(st.st_uid, geteuid());
  EXPECT_TRUE(EnsurePrivateDir(run).ok());  // idempotent
}

TEST_F(RuntimeDirTest, RefusesGroupOrOtherAccess) {
  for (mode_t mode : {0755, 0750, 0701, 0770, 0707}) {
    const std::string run = dir_ + "/run" + std::to_string(mode);
    ASSERT_EQ(mkdir(run.c_str(), 0700), 0);
    ASSERT_EQ(chmod(run.c_str(), mode), 0);
    Status s = EnsurePrivateDir(run);
    ASSERT_FALSE(s.ok()) << std::oct << mode;
    char octal[8];
    snprintf(octal, sizeof(octal), "%04o", static_cast<unsigned>(mode));
    EXPECT_NE(s.message().find(run), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(std::string("mode ") + octal), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("owner uid " + std::to_string(geteuid())), std::string::npos)
        << s.message();
    EXPECT_NE(s.message().find("chmod 700"), std::string::npos) << s.message();
  }
}

TEST_F(RuntimeDirTest, RefusesAnotherOwner) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  const std::string run = dir_ + "/run";
  ASSERT_EQ(mkdir(run.c_str(), 0700), 0);
  ASSERT_EQ(chown(run.c_str(), 12345, 12345), 0);
  Status s = EnsurePrivateDir(run);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(run + " is owned by uid 12345 (mode 0700)"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("remove it"), std::string::npos) << s.message();
}

TEST_F(RuntimeDirTest, RefusesASymlinkToAPrivateDir) {
  const std::string target = dir_ + "/target";
  const std::string link = dir_ + "/run";
  ASSERT_EQ(mkdir(target.c_str(), 0700), 0);
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  Status s = EnsurePrivateDir(link);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("symbolic link"), std::string::npos) << s.message();
}

TEST_F(RuntimeDirTest, RefusesARegularFile) {
  const std::string run = dir_ + "/run";
  FILE* f = fopen(run.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  Status s = EnsurePrivateDir(run);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("regular file"), std::string::npos) << s.message();
}

TEST_F(RuntimeDirTest, MissingParentIsAnError) {
  Status s = EnsurePrivateDir(dir_ + "/no/such/run");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("parent directory must exist"), std::string::npos) << s.message();
}

TEST_F(RuntimeDirTest, ClaimIpcSocketPathAllowsAMissingPath) {
  EXPECT_TRUE(ClaimIpcSocketPath(dir_ + "/none.sock").ok());
}

}  // namespace
}  // namespace ringmaster
