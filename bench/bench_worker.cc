// bench_worker: the process that bench_spawn (directly, as the baseline) and
// ringmasterd (as the supervised watcher) start.
//
//   bench_worker FIFO
//
// The first thing it does is read CLOCK_MONOTONIC; that instant is what the
// bench calls "running". It then writes one line "<pid> <ns>\n" (a single
// write of fewer than PIPE_BUF bytes, so lines from concurrent workers never
// interleave) to FIFO and blocks until SIGTERM/SIGKILL.
//
// It keeps the FIFO open and waits in poll() on it: when the harness (the only
// reader) goes away, poll reports POLLERR and the worker exits. That way a
// crashed or interrupted harness never leaves 500 paused workers behind. If
// the harness is already gone at start, open(O_NONBLOCK) fails with ENXIO and
// the worker exits 1 immediately instead of blocking in open().
//
// Only libc is used, so exec cost is as small as the loader allows.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);

  if (argc != 2) {
    fprintf(stderr, "usage: bench_worker FIFO\n");
    return 2;
  }

  // The bench expects SIGTERM to terminate the worker. If the supervisor
  // handed us SIGTERM ignored or blocked, say so on stderr (it ends up in
  // the supervisor's log) and restore the default so measurements stay sane.
  struct sigaction old_action;
  if (sigaction(SIGTERM, nullptr, &old_action) == 0 && old_action.sa_handler == SIG_IGN) {
    fprintf(stderr, "bench_worker %d: SIGTERM was inherited ignored\n", getpid());
    signal(SIGTERM, SIG_DFL);
  }
  sigset_t mask;
  if (sigprocmask(SIG_SETMASK, nullptr, &mask) == 0 && sigismember(&mask, SIGTERM) == 1) {
    fprintf(stderr, "bench_worker %d: SIGTERM was inherited blocked\n", getpid());
    sigemptyset(&mask);
    sigprocmask(SIG_SETMASK, &mask, nullptr);
  }

  int fd = open(argv[1], O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "bench_worker: open %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  // Blocking from here on: if the pipe were ever full, wait rather than drop.
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);

  char line[64];
  int n = snprintf(line, sizeof(line), "%d %lld\n", static_cast<int>(getpid()),
                   static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec);
  ssize_t w;
  do {
    w = write(fd, line, static_cast<size_t>(n));
  } while (w < 0 && errno == EINTR);
  if (w != n) return 1;

  // events = 0: only POLLERR (no reader left) / POLLHUP / POLLNVAL wake us.
  pollfd pfd = {fd, 0, 0};
  for (;;) {
    int r = poll(&pfd, 1, -1);
    if (r > 0 && (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))) return 0;
    if (r < 0 && errno != EINTR) return 1;
  }
}
