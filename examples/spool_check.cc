// spool_check: the exactly-once verifier for a spool fed by feeder and drained
// by ingest_workers. Passes (exit 0) only if every input has exactly one
// complete, correct output and nothing is left in flight:
//   - incoming/ and claimed/ are empty, failed/ is empty (no quarantined input,
//     no duplicate caught by a worker), done/ holds no stage (*.tmp.*) files;
//   - done/ holds exactly N *.out files, each parsing strictly and carrying the
//     byte count and checksum of the content feeder generates for that name;
//   - per feeder run (prefix, pid), sequence numbers have no gaps.
// With --wait, first polls (deadline-bound) until the spool has drained.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "examples/spool_format.h"
#include "examples/spool_util.h"

namespace ringmaster::spool {
namespace {

constexpr char kUsage[] =
    "usage: spool_check --spool DIR --expect N [--size BYTES] [--wait SECONDS]\n"
    "  --size 4096: the feeder's --size (0 = accept any size)\n"
    "  --wait 0: first wait up to SECONDS for incoming/ and claimed/ to drain\n"
    "exit 0 if every input has exactly one complete, correct output; 1 otherwise\n";
constexpr size_t kMaxShown = 20;

struct Options {
  std::string spool;
  int64_t expect = -1;
  int64_t size = 4096;
  int64_t wait_s = 0;
};

class Checker {
 public:
  explicit Checker(const Options& opt) : opt_(opt) {}

  int Run() {
    if (opt_.wait_s > 0) WaitForDrain();
    CheckEmpty(kIncoming, "never processed (or requeued and not reprocessed)");
    CheckEmpty(kClaimed, "claim left behind");
    CheckEmpty(kFailed, "quarantined input or duplicate output");
    CheckDone();
    CheckGaps();
    std::vector<std::string> root;
    ListDir(opt_.spool, &root);
    for (const std::string& e : root) {
      // An unpublished feeder temporary is not an input: a warning, not a failure.
      if (e.rfind(".tmp-", 0) == 0) {
        std::printf("warning: %s/%s: unpublished\n", opt_.spool.c_str(), e.c_str());
      }
    }
    if (static_cast<int64_t>(good_.size()) != opt_.expect) {
      Problem("expected " + std::to_string(opt_.expect) + " good outputs, found " +
              std::to_string(good_.size()));
    }
    if (problems_ > kMaxShown) std::printf("... and %zu more problems\n", problems_ - kMaxShown);
    std::printf("spool_check: %s: %zu good outputs, expected %" PRId64 ", %zu problems\n",
                problems_ == 0 ? "OK" : "FAILED", good_.size(), opt_.expect, problems_);
    return problems_ == 0 ? 0 : 1;
  }

 private:
  void Problem(const std::string& text) {
    if (++problems_ <= kMaxShown) std::printf("problem: %s\n", text.c_str());
  }

  std::string Dir(const char* sub) const { return Join(opt_.spool, sub); }

  void WaitForDrain() {
    const int64_t deadline = NowNs() + opt_.wait_s * 1'000'000'000;
    std::vector<std::string> incoming, claimed, done;
    while (NowNs() < deadline) {
      ListDir(Dir(kIncoming), &incoming);
      ListDir(Dir(kClaimed), &claimed);
      ListDir(Dir(kDone), &done);
      const auto outputs = std::count_if(done.begin(), done.end(), [](const std::string& e) {
        return e.size() > 4 && e.compare(e.size() - 4, 4, ".out") == 0;
      });
      if (incoming.empty() && claimed.empty() && outputs >= opt_.expect) return;
      SleepUntil(NowNs() + 100'000'000);
    }
    std::printf("warning: spool not drained after %" PRId64 " s\n", opt_.wait_s);
  }

  void CheckEmpty(const char* sub, const char* why) {
    std::vector<std::string> entries;
    if (!ListDir(Dir(sub), &entries)) {
      if (errno != ENOENT || std::string(sub) != kFailed) Problem(Dir(sub) + ": " + ErrnoText());
      return;
    }
    for (const std::string& e : entries) Problem(std::string(sub) + "/" + e + ": " + why);
  }

  void CheckDone() {
    std::vector<std::string> entries;
    if (!ListDir(Dir(kDone), &entries)) return Problem(Dir(kDone) + ": " + ErrnoText());
    for (const std::string& e : entries) {
      const std::string where = std::string(kDone) + "/" + e;
      if (e.size() > 4 && e.compare(e.size() - 4, 4, ".out") == 0) {
        CheckOutput(e.substr(0, e.size() - 4), where);
      } else if (e.find(".tmp.") != std::string::npos) {
        Problem(where + ": leftover stage file");
      } else {
        Problem(where + ": unexpected file");
      }
    }
  }

  void CheckOutput(const std::string& input, const std::string& where) {
    std::string text;
    OutputRecord rec;
    if (!ReadFile(Join(opt_.spool, where), &text)) return Problem(where + ": " + ErrnoText());
    if (!ParseOutput(text, &rec)) return Problem(where + ": malformed or partial output");
    if (rec.name != input) return Problem(where + ": names input '" + rec.name + "'");
    if (opt_.size != 0 && rec.bytes != static_cast<uint64_t>(opt_.size)) {
      return Problem(where + ": bytes=" + std::to_string(rec.bytes) + ", expected " +
                     std::to_string(opt_.size) + " (partial input?)");
    }
    if (rec.checksum != ExpectedChecksum(input, rec.bytes)) {
      return Problem(where + ": checksum " + HexChecksum(rec.checksum) + ", expected " +
                     HexChecksum(ExpectedChecksum(input, rec.bytes)));
    }
    good_.insert(input);
  }

  // Names are <prefix>-<seq>-<pid>.dat; group by everything but seq and report
  // the missing sequence numbers, which names the lost inputs.
  void CheckGaps() {
    std::map<std::pair<std::string, std::string>, std::set<int64_t>> runs;
    for (const std::string& name : good_) {
      const size_t dat = name.rfind(".dat");
      const size_t d2 = name.rfind('-', dat);
      const size_t d1 =
          d2 == std::string::npos || d2 == 0 ? std::string::npos : name.rfind('-', d2 - 1);
      int64_t seq = 0;
      if (dat == std::string::npos || d1 == std::string::npos ||
          !ParseInt(name.substr(d1 + 1, d2 - d1 - 1), 0, int64_t{1} << 50, &seq)) {
        continue;
      }
      runs[{name.substr(0, d1), name.substr(d2 + 1, dat - d2 - 1)}].insert(seq);
    }
    for (const auto& [run, seqs] : runs) {
      for (int64_t s = 1; s < *seqs.rbegin(); ++s) {
        if (seqs.count(s)) continue;
        char name[512];
        std::snprintf(name, sizeof(name), "%s-%08" PRId64 "-%s.dat", run.first.c_str(), s,
                      run.second.c_str());
        Problem(std::string(name) + ": no valid output (lost or bad)");
      }
    }
  }

  const Options& opt_;
  std::set<std::string> good_;
  size_t problems_ = 0;
};

bool ParseOptions(int argc, char** argv, Options* o, std::string* error) {
  std::map<std::string, std::string> f;
  if (!ParseFlags(argc, argv, {"spool", "expect", "size", "wait"}, {}, &f, error)) return false;
  o->spool = f["spool"];
  if (o->spool.empty()) *error = "--spool is required";
  if (!ParseInt(f["expect"], 0, int64_t{1} << 40, &o->expect)) *error = "--expect N is required";
  if (f.count("size") && !ParseInt(f["size"], 0, int64_t{1} << 30, &o->size)) {
    *error = "--size: expected 0..1073741824";
  }
  if (f.count("wait") && !ParseInt(f["wait"], 0, 86400, &o->wait_s)) {
    *error = "--wait: expected 0..86400 seconds";
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
    std::fprintf(stderr, "spool_check: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  return Checker(options).Run();
}
