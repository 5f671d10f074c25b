#include "daemon/memory_trim.h"

#include <malloc.h>

namespace ringmaster {

void TuneAllocator() {
  mallopt(M_MMAP_THRESHOLD, 64 * 1024);
  mallopt(M_TRIM_THRESHOLD, 128 * 1024);
  mallopt(M_ARENA_MAX, 1);
}

MemoryTrimmer::MemoryTrimmer(EventLoop& loop, double period, uint64_t burst, uint64_t quiet)
    : timer_(loop, [this] { Tick(); }), period_(period), burst_(burst), quiet_(quiet) {}

void MemoryTrimmer::Note(uint64_t units) {
  since_trim_ += units;
  this_period_ += units;
  if (!timer_.pending()) timer_.Start(period_);
}

void MemoryTrimmer::Tick() {
  const bool quiet = this_period_ < quiet_;
  this_period_ = 0;
  if (quiet && since_trim_ >= burst_) {
    // Returns the free memory of every arena (the ZeroMQ I/O thread has its
    // own), including free pages in the middle of the heap.
    malloc_trim(0);
    ++trims_;
    since_trim_ = 0;
  }
  // Keep watching while a burst may be going on; otherwise go idle (the
  // next Note() re-arms). Small amounts of work never trigger a trim.
  if (since_trim_ > 0 && !(quiet && since_trim_ < burst_)) timer_.Start(period_);
}

}  // namespace ringmaster
