#include "daemon/clock.h"

namespace ringmaster {
namespace {

class LoopTimer final : public OneShotTimer {
 public:
  LoopTimer(EventLoop& loop, Callback cb) : timer_(loop, std::move(cb)) {}
  void Start(double seconds) override { timer_.Start(seconds); }
  void Cancel() override { timer_.Cancel(); }
  bool pending() const override { return timer_.pending(); }

 private:
  Timer timer_;
};

}  // namespace

std::unique_ptr<OneShotTimer> LoopClock::NewTimer(Callback cb) {
  return std::make_unique<LoopTimer>(loop_, std::move(cb));
}

}  // namespace ringmaster
