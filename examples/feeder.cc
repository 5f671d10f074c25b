// feeder: produces input files for ingest_worker at a steady rate, the way a
// satellite/radar downlink drops files into a spool. Each file is written under
// a hidden name in the spool root and renamed into incoming/, so a worker only
// ever sees complete files. Content is a pure function of the name
// (spool_format.h), which lets spool_check verify every output later.
#include <fcntl.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include "examples/spool_format.h"
#include "examples/spool_util.h"

namespace ringmaster::spool {
namespace {

constexpr char kUsage[] =
    "usage: feeder --spool DIR [--rate FILES_PER_S] [--count N] [--size BYTES] [--prefix NAME]\n"
    "              [--no-fsync]\n"
    "  --rate 10 (0 = as fast as possible), --count 0 (= until SIGTERM), --size 4096,\n"
    "  --prefix file. Names: <prefix>-<seq, 8 digits>-<pid>.dat\n";

struct Options {
  std::string spool;
  double rate = 10;
  int64_t count = 0;
  int64_t size = 4096;
  std::string prefix = "file";
  bool fsync = true;
};

bool ParseOptions(int argc, char** argv, Options* o, std::string* error) {
  std::map<std::string, std::string> f;
  if (!ParseFlags(argc, argv, {"spool", "rate", "count", "size", "prefix"}, {"no-fsync"}, &f,
                  error)) {
    return false;
  }
  o->spool = f["spool"];
  if (o->spool.empty()) *error = "--spool is required";
  if (f.count("rate")) {
    char* end = nullptr;
    o->rate = std::strtod(f["rate"].c_str(), &end);
    if (f["rate"].empty() || *end != '\0' || !(o->rate >= 0 && o->rate <= 1e6)) {
      *error = "--rate: expected a number of files per second, 0..1000000";
    }
  }
  if (f.count("count") && !ParseInt(f["count"], 0, int64_t{1} << 40, &o->count)) {
    *error = "--count: expected an integer >= 0";
  }
  if (f.count("size") && !ParseInt(f["size"], 0, int64_t{1} << 30, &o->size)) {
    *error = "--size: expected 0..1073741824 bytes";
  }
  if (f.count("prefix")) {
    o->prefix = f["prefix"];
    if (o->prefix.empty() || o->prefix.find_first_of("/\n") != std::string::npos ||
        o->prefix[0] == '.') {
      *error = "--prefix: must be non-empty, not start with '.', and contain no '/'";
    }
  }
  o->fsync = f.count("no-fsync") == 0;
  return error->empty();
}

// Writes one input. The temporary lives in the spool root, not in incoming/,
// so workers never list it; rename() into incoming/ is the atomic publish.
bool WriteInput(const Options& opt, const std::string& name) {
  const std::string tmp = Join(opt.spool, ".tmp-" + name);
  const std::string content = GenerateContent(name, static_cast<size_t>(opt.size));
  bool ok;
  if (opt.fsync) {
    ok = WriteFileDurably(tmp, content);
  } else {
    const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ok = fd >= 0 && WriteAll(fd, content.data(), content.size());
    if (fd >= 0 && close(fd) != 0) ok = false;
  }
  if (ok && rename(tmp.c_str(), Join(Join(opt.spool, kIncoming), name).c_str()) == 0) return true;
  std::fprintf(stderr, "feeder: cannot write %s: %s\n", tmp.c_str(), ErrnoText().c_str());
  unlink(tmp.c_str());
  return false;
}

int Run(const Options& opt) {
  std::string error;
  if (!EnsureSpoolDirs(opt.spool, &error)) {
    std::fprintf(stderr, "feeder: %s\n", error.c_str());
    return 1;
  }
  const int64_t pid = getpid();
  const std::string count =
      opt.count == 0 ? "files until stopped" : std::to_string(opt.count) + " files";
  std::printf("feeder %" PRId64 ": writing %s at %g/s to %s/%s\n", pid, count.c_str(), opt.rate,
              opt.spool.c_str(), kIncoming);
  std::fflush(stdout);
  const int64_t start = NowNs();
  int64_t written = 0;
  for (int64_t seq = 1; opt.count == 0 || seq <= opt.count; ++seq) {
    if (opt.rate > 0) {
      // File k is due at start + k/rate: computed from the start, never from the
      // previous file, so write latency does not accumulate into drift.
      const auto due = start + static_cast<int64_t>(static_cast<long double>(seq - 1) * 1e9L /
                                                    static_cast<long double>(opt.rate));
      while (!g_stop_requested && NowNs() < due) SleepUntil(due);
    }
    if (g_stop_requested) break;
    char name[512];
    std::snprintf(name, sizeof(name), "%s-%08" PRId64 "-%" PRId64 ".dat", opt.prefix.c_str(), seq,
                  pid);
    if (!WriteInput(opt, name)) return 1;
    ++written;
  }
  if (opt.fsync) FsyncDir(Join(opt.spool, kIncoming));
  std::printf("feeder %" PRId64 ": wrote %" PRId64 " files in %.1f s%s\n", pid, written,
              static_cast<double>(NowNs() - start) / 1e9,
              g_stop_requested ? " (stopped by signal)" : "");
  return 0;
}

}  // namespace
}  // namespace ringmaster::spool

int main(int argc, char** argv) {
  using namespace ringmaster::spool;
  Options options;
  std::string error;
  if (!ParseOptions(argc, argv, &options, &error)) {
    std::fprintf(stderr, "feeder: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  InstallStopHandlers();
  return Run(options);
}
