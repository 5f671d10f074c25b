// ingest_worker: an example data-ingest worker run by ringmaster. It takes one
// input at a time from a spool directory and publishes exactly one complete
// output per input, even when the supervisor stops (SIGTERM) or kills
// (SIGKILL) it at any instant. Every step is one atomic rename/link/unlink on a
// single filesystem:
//   1. claim    rename incoming/F -> claimed/F.<pid>  (exactly one worker wins)
//   2. work     read the claim, checksum it, sleep --work-ms
//   3. stage    write done/F.tmp.<pid>, fsync
//   4. publish  link done/F.tmp.<pid> -> done/F.out, unlink the tmp, fsync done/
//               (link, not rename: an existing F.out is never overwritten, so a
//               second processing would be caught, not hidden)
//   5. release  unlink claimed/F.<pid>
// Recovery, at start and every 2 s, of claims whose <pid> is dead: if done/F.out
// exists the owner died between 4 and 5, so the claim is just removed;
// otherwise it goes back to incoming/F. Stale done/*.tmp.<dead pid> are removed.
// Assumes one host, one pid namespace and a local filesystem (pids name the
// owners). If a dead owner's pid is reused by some other long-lived process,
// its claims wait until that process exits: delayed, never lost.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "examples/readiness.h"
#include "examples/spool_format.h"
#include "examples/spool_util.h"

namespace ringmaster::spool {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kIdlePollNs = 50 * kMs;
constexpr int64_t kOrphanScanNs = 2000 * kMs;
constexpr int64_t kStatusEveryNs = 1000 * kMs;

constexpr char kUsage[] =
    "usage: ingest_worker --spool DIR [--work-ms N] [--ready-fd N] [--notify] [--id TEXT]\n"
    "                     [--crash-at claimed|staged|published[:K]]\n"
    "  --crash-at  fault injection for tests: SIGKILL itself at that point of its K-th file\n";

struct Options {
  std::string spool;
  int64_t work_ms = 50;
  int ready_fd = -1;
  bool notify = false;
  std::string id;
  std::string crash_point;  // empty: no fault injection
  int64_t crash_file = 1;
};

// "F.<pid>" -> F, pid. Used for claims ("F.<pid>") and stage files ("F.tmp.<pid>").
bool SplitOwner(const std::string& entry, std::string* base, pid_t* pid) {
  const size_t dot = entry.rfind('.');
  int64_t v = 0;
  if (dot == std::string::npos || dot == 0 || !ParseInt(entry.substr(dot + 1), 1, 1 << 30, &v)) {
    return false;
  }
  *base = entry.substr(0, dot);
  *pid = static_cast<pid_t>(v);
  return true;
}

class Worker {
 public:
  explicit Worker(Options options)
      : opt_(std::move(options)),
        pid_(getpid()),
        tag_(opt_.id.empty() ? std::to_string(pid_) : opt_.id + "/" + std::to_string(pid_)),
        notifier_(opt_.notify, "ingest_worker " + tag_) {}

  int Run() {
    std::string error;
    if (!EnsureSpoolDirs(opt_.spool, &error)) {
      std::fprintf(stderr, "ingest_worker %s: %s\n", tag_.c_str(), error.c_str());
      return 1;
    }
    RecoverOrphans();
    int64_t last_scan = NowNs();
    ReportReady();
    while (!g_stop_requested) {
      if (NowNs() - last_scan >= kOrphanScanNs) {
        RecoverOrphans();
        last_scan = NowNs();
      }
      std::string name;
      if (!ClaimNext(&name)) {
        MaybeReportStatus();
        SleepUntil(NowNs() + kIdlePollNs);  // a stop signal cuts this short
        continue;
      }
      if (!Process(name)) return 1;
      MaybeReportStatus();
    }
    Log("stopping after %" PRId64 " files", processed_);
    notifier_.Send("STOPPING=1\nSTATUS=stopping after " + std::to_string(processed_) + " files");
    return 0;
  }

 private:
  // One line per event on stdout, flushed: the supervisor captures it.
  __attribute__((format(printf, 2, 3))) void Log(const char* fmt, ...) {
    std::printf("%s ", tag_.c_str());
    va_list ap;
    va_start(ap, fmt);
    std::vprintf(fmt, ap);
    va_end(ap);
    std::printf("\n");
    std::fflush(stdout);
  }

  std::string Dir(const char* sub) const { return Join(opt_.spool, sub); }
  std::string ClaimPath(const std::string& f) const {
    return Join(Dir(kClaimed), f + "." + std::to_string(pid_));
  }

  // We only scan between files, when we hold no claim, so an entry with our own
  // pid was left by an earlier process that had the same pid: it is an orphan.
  bool OwnerAlive(pid_t pid) const { return pid != pid_ && (kill(pid, 0) == 0 || errno == EPERM); }

  void RecoverOrphans() {
    std::vector<std::string> entries;
    ListDir(Dir(kClaimed), &entries);
    for (const std::string& entry : entries) {
      std::string f;
      pid_t owner;
      if (!SplitOwner(entry, &f, &owner) || OwnerAlive(owner)) continue;
      const std::string claim = Join(Dir(kClaimed), entry);
      // The owner is dead, so done/F.out can no longer appear for this claim;
      // if another recoverer races us, only one rename/unlink finds the claim.
      if (access(Join(Dir(kDone), f + ".out").c_str(), F_OK) == 0) {
        if (unlink(claim.c_str()) == 0) Log("dropped claim %s: output exists", entry.c_str());
      } else if (rename(claim.c_str(), Join(Dir(kIncoming), f).c_str()) == 0) {
        Log("requeued %s from dead worker %d", f.c_str(), static_cast<int>(owner));
      } else if (errno != ENOENT) {
        Log("cannot requeue %s: %s", entry.c_str(), ErrnoText().c_str());
      }
    }
    ListDir(Dir(kDone), &entries);
    for (const std::string& entry : entries) {
      std::string stem;
      pid_t owner;
      if (SplitOwner(entry, &stem, &owner) && stem.size() > 4 &&
          stem.compare(stem.size() - 4, 4, ".tmp") == 0 && !OwnerAlive(owner)) {
        unlink(Join(Dir(kDone), entry).c_str());
      }
    }
  }

  bool ClaimNext(std::string* name) {
    std::vector<std::string> names;
    if (!ListDir(Dir(kIncoming), &names)) return false;
    for (const std::string& f : names) {
      if (g_stop_requested) return false;  // never start a file after a stop request
      if (f[0] == '.' || f.find('\n') != std::string::npos) continue;
      if (rename(Join(Dir(kIncoming), f).c_str(), ClaimPath(f).c_str()) == 0) {
        *name = f;
        ++started_;
        return true;
      }
      if (errno != ENOENT) {  // ENOENT: another worker won this one
        Log("cannot claim %s: %s", f.c_str(), ErrnoText().c_str());
        return false;
      }
    }
    return false;
  }

  void MaybeCrash(const char* point) {
    if (opt_.crash_point == point && started_ == opt_.crash_file) {
      Log("crash-at %s: SIGKILL", point);
      kill(pid_, SIGKILL);
    }
  }

  // Returns false on an environment error (disk full, permissions): the claim
  // is handed back and the process exits non-zero for the supervisor to handle.
  bool Process(const std::string& f) {
    const int64_t start = NowNs();
    const std::string claim = ClaimPath(f);
    MaybeCrash("claimed");
    OutputRecord rec{f, 0, 0, pid_};
    if (!ChecksumFile(claim, &rec.bytes, &rec.checksum)) {
      QuarantineInput(f, "cannot read claim: " + ErrnoText());
      return true;
    }
    // Simulated work. A stop request does not cut it short: the file in hand is
    // always finished (SIGKILL is the supervisor's way to abandon it).
    const int64_t deadline = start + opt_.work_ms * kMs;
    while (NowNs() < deadline) SleepUntil(deadline);

    const std::string tmp = Join(Dir(kDone), f + ".tmp." + std::to_string(pid_));
    const std::string out = Join(Dir(kDone), f + ".out");
    if (!WriteFileDurably(tmp, FormatOutput(rec))) return GiveBack(f, tmp, "stage");
    MaybeCrash("staged");
    if (link(tmp.c_str(), out.c_str()) != 0) {
      if (errno != EEXIST) return GiveBack(f, tmp, "publish");
      // Someone already published F: keep our copy as evidence for the checker.
      const std::string dup = Join(Dir(kFailed), f + ".dup." + std::to_string(pid_));
      rename(tmp.c_str(), dup.c_str());
      unlink(claim.c_str());
      std::fprintf(stderr, "ingest_worker %s: DUPLICATE %s: done/%s.out exists, kept %s\n",
                   tag_.c_str(), f.c_str(), f.c_str(), dup.c_str());
      return true;
    }
    unlink(tmp.c_str());
    // The output name must be durable before the claim disappears, or a power
    // loss could leave neither.
    FsyncDir(Dir(kDone));
    MaybeCrash("published");
    if (unlink(claim.c_str()) != 0) Log("cannot release %s: %s", f.c_str(), ErrnoText().c_str());
    ++processed_;
    Log("done %s in %" PRId64 " ms", f.c_str(), (NowNs() - start) / kMs);
    return true;
  }

  // An input we cannot read would fail on every worker: park it in failed/ with
  // the reason, visible to operators (and to spool_check), instead of looping.
  void QuarantineInput(const std::string& f, const std::string& reason) {
    std::fprintf(stderr, "ingest_worker %s: %s: %s, moved to failed/\n", tag_.c_str(), f.c_str(),
                 reason.c_str());
    rename(ClaimPath(f).c_str(), Join(Dir(kFailed), f).c_str());
    WriteFileDurably(Join(Dir(kFailed), f + ".err"), reason + "\n");
  }

  bool GiveBack(const std::string& f, const std::string& tmp, const char* step) {
    std::fprintf(stderr, "ingest_worker %s: cannot %s output of %s: %s; requeued, exiting\n",
                 tag_.c_str(), step, f.c_str(), ErrnoText().c_str());
    unlink(tmp.c_str());
    // If this fails too, the claim stays; peers requeue it once we have exited.
    rename(ClaimPath(f).c_str(), Join(Dir(kIncoming), f).c_str());
    return false;
  }

  void ReportReady() {
    if (opt_.ready_fd >= 0) SignalReadyFd(opt_.ready_fd, "ingest_worker " + tag_);
    notifier_.Send("READY=1\nSTATUS=idle");
    Log("ready: spool %s, work %" PRId64 " ms", opt_.spool.c_str(), opt_.work_ms);
  }

  // At most one STATUS datagram per second, and only when the count moved.
  void MaybeReportStatus() {
    const int64_t now = NowNs();
    if (processed_ == reported_ || now - last_status_ < kStatusEveryNs) return;
    last_status_ = now;
    reported_ = processed_;
    notifier_.Send("STATUS=processed " + std::to_string(processed_) + " files");
  }

  const Options opt_;
  const pid_t pid_;
  const std::string tag_;
  int64_t started_ = 0;    // files claimed by this process
  int64_t processed_ = 0;  // outputs published by this process
  int64_t reported_ = 0;
  int64_t last_status_ = 0;
  Notifier notifier_;
};

bool ParseOptions(int argc, char** argv, Options* o, std::string* error) {
  std::map<std::string, std::string> f;
  if (!ParseFlags(argc, argv, {"spool", "work-ms", "ready-fd", "id", "crash-at"}, {"notify"}, &f,
                  error)) {
    return false;
  }
  int64_t v = 0;
  o->spool = f["spool"];
  o->id = f["id"];
  o->notify = f.count("notify") > 0;
  if (o->spool.empty()) *error = "--spool is required";
  if (f.count("work-ms")) {
    if (!ParseInt(f["work-ms"], 0, 86'400'000, &v)) *error = "--work-ms: expected 0..86400000";
    o->work_ms = v;
  }
  if (f.count("ready-fd")) {
    if (!ParseInt(f["ready-fd"], 3, 1 << 20, &v)) *error = "--ready-fd: expected an fd >= 3";
    o->ready_fd = static_cast<int>(v);
  }
  if (f.count("crash-at")) {
    std::string point = f["crash-at"];
    const size_t colon = point.find(':');
    if (colon != std::string::npos) {
      if (!ParseInt(point.substr(colon + 1), 1, int64_t{1} << 40, &o->crash_file)) {
        *error = "--crash-at: K must be >= 1";
      }
      point.erase(colon);
    }
    if (point != "claimed" && point != "staged" && point != "published") {
      *error = "--crash-at: expected claimed, staged or published";
    }
    o->crash_point = point;
  }
  return error->empty();
}

}  // namespace
}  // namespace ringmaster::spool

int main(int argc, char** argv) {
  using namespace ringmaster::spool;
  Options options;
  std::string error;
  if (!ParseOptions(argc, argv, &options, &error)) {
    std::fprintf(stderr, "ingest_worker: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  InstallStopHandlers();
  return Worker(std::move(options)).Run();
}
