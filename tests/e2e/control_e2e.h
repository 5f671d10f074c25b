// e2e fixture for the control plane: a daemon with private ipc:// endpoints
// and a connected DEALER.
#ifndef RINGMASTER_TESTS_E2E_CONTROL_E2E_H_
#define RINGMASTER_TESTS_E2E_CONTROL_E2E_H_

#include <memory>
#include <string>

#include "tests/e2e/e2e_util.h"
#include "tests/support/zmq_client.h"

namespace ringmaster::test {

class ControlTest : public E2ETest {
 protected:
  std::string Endpoint() const { return "ipc://" + dir_->Path("ctl.sock"); }
  std::string PubEndpoint() const { return "ipc://" + dir_->Path("ev.sock"); }

  // Starts the daemon on `watchers` (ini text after [circus]) and waits until
  // the control endpoint answers.
  // `seconds`: how long the first answer may take (a start of thousands of
  // failing processes forks their burst allowance before control is served).
  void StartWith(const std::string& watchers, double seconds = 15) {
    StartDaemon(WriteConfig(CircusSection() + watchers));
    client_ = std::make_unique<ControlClient>(Endpoint());
    ASSERT_TRUE(WaitUntil([&] { return client_->Call("numwatchers", {}, 0.5).has_value(); }, seconds))
        << daemon_->Log();
  }
  nlohmann::json Call(const std::string& cmd, const nlohmann::json& props = nlohmann::json(),
                      double deadline = 15) {
    auto r = client_->Call(cmd, props, deadline);
    EXPECT_TRUE(r.has_value()) << "no reply to " << cmd << "\n" << daemon_->Log();
    return r.value_or(nlohmann::json::object());
  }
  std::string Sleeper(const std::string& name, int n = 1, const std::string& extra = "") {
    return "[watcher:" + name + "]\ncmd = " + Worker() + "\nnumprocesses = " + std::to_string(n) +
           "\n" + extra + "\n";
  }

  std::unique_ptr<ControlClient> client_;
};

}  // namespace ringmaster::test

#endif  // RINGMASTER_TESTS_E2E_CONTROL_E2E_H_
