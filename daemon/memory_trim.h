// Gives freed heap memory back to the kernel after a burst of work (e.g.
// thousands of control requests): glibc keeps freed chunks in its arenas,
// so RSS stayed at its peak long after the burst. The trimmer counts units
// of work and, once a whole quiet period follows a burst, calls
// malloc_trim(0) (a few ms at most). Nothing is scheduled while idle.
// Loop thread only.
#ifndef RINGMASTER_DAEMON_MEMORY_TRIM_H_
#define RINGMASTER_DAEMON_MEMORY_TRIM_H_

#include <cstdint>

#include "daemon/event_loop.h"

namespace ringmaster {

// Sets glibc's allocator up for a long-running daemon whose heap is small but
// whose bursts are not (a 200 KB status reply, thousands of queued requests):
// a fixed mmap threshold (glibc raises it after every large free, so large
// replies end up in the heap and stay there), a fixed trim threshold, and one
// arena for every thread (each arena keeps its own partly used pages; the
// daemon's threads allocate little, so they hardly ever wait for the lock).
// Called once, first thing in main.
void TuneAllocator();

class MemoryTrimmer {
 public:
  // A burst is at least `burst` units; quiet means fewer than `quiet` units
  // in one period of `period` seconds.
  MemoryTrimmer(EventLoop& loop, double period = 2.0, uint64_t burst = 200, uint64_t quiet = 20);
  MemoryTrimmer(const MemoryTrimmer&) = delete;
  MemoryTrimmer& operator=(const MemoryTrimmer&) = delete;

  void Note(uint64_t units = 1);
  uint64_t trims() const { return trims_; }

 private:
  void Tick();

  Timer timer_;
  double period_;
  uint64_t burst_, quiet_;
  uint64_t since_trim_ = 0;  // units since the last trim
  uint64_t this_period_ = 0;
  uint64_t trims_ = 0;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_MEMORY_TRIM_H_
