#include "bench_http_load.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "bench_util.h"

namespace bench {

namespace {

constexpr int kBlocks = 2;             // a group's series alternate in blocks
constexpr double kWarmSeconds = 0.25;  // per block, not recorded (connections, caches)
constexpr int kKeepAliveMax = 100;     // as ringmasterd's httpd (web/http_server.h)
constexpr int kKeepAliveTimeout = 5;
// About the size and shape of a /healthz reply.
constexpr char kSmallBody[] = "{\"status\":\"ok\",\"loop_heartbeat_age\":0.42133378982543945}";

}  // namespace

// ---------------------------------------------------------------------------
// CPU.

DaemonCpuNow SampleDaemon() {
  Sched loop = SchedOf(g.daemon_pid, {g.daemon_pid});
  return {StatTicks(Fmt("/proc/%d/stat", g.daemon_pid)), loop.ns, loop.wait_ns,
          SchedOf(g.daemon_pid).ns};
}

double TicksToS(int64_t ticks) {
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

void Phase::Add(const DaemonCpuNow& a, const DaemonCpuNow& b, double wall) {
  if (a.ticks < 0 || b.ticks < 0 || a.loop_ns < 0 || b.loop_ns < 0) ok = false;
  ticks += b.ticks - a.ticks;
  loop_ns += b.loop_ns - a.loop_ns;
  loop_wait_ns += b.loop_wait_ns - a.loop_wait_ns;
  wall_s += wall;
}

void Measure(Phase* phase, const std::function<void()>& fn) {
  DaemonCpuNow a = SampleDaemon();
  const int64_t t0 = NowNs();
  fn();
  phase->Add(a, SampleDaemon(), static_cast<double>(NowNs() - t0) / kNsPerSec);
}

// ---------------------------------------------------------------------------
// Baseline servers.

void BaselineServer::Start(bool tcp_nodelay) {
  srv_.set_keep_alive_max_count(kKeepAliveMax);
  srv_.set_keep_alive_timeout(kKeepAliveTimeout);
  srv_.set_read_timeout(5, 0);
  srv_.set_write_timeout(5, 0);
  srv_.set_tcp_nodelay(tcp_nodelay);
  srv_.Get("/small", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kSmallBody, sizeof(kSmallBody) - 1, "application/json");
  });
  srv_.Get("/copy", [this](const httplib::Request&, httplib::Response& res) {
    const std::string* body = copy_ptr_.load(std::memory_order_acquire);
    if (!body) {
      res.status = 503;
      return;
    }
    res.set_content(*body, "application/json");
  });
  port = srv_.bind_to_any_port("127.0.0.1");
  if (port <= 0) Fail("baseline server: cannot bind 127.0.0.1");
  std::set<pid_t> before = Tasks(getpid());
  thread_ = StartQuietThread([this] { srv_.listen_after_bind(); });
  // Its pool threads exist once it has answered a request.
  const int64_t deadline = NowNs() + 10 * kNsPerSec;
  for (;;) {
    CheckInterrupted();
    auto r = GetOnce(port, "/small", {});
    if (r && r->status == 200) break;
    if (NowNs() >= deadline) Fail("baseline server: no answer after 10 s");
    usleep(10000);  // setup only
  }
  for (pid_t t : Tasks(getpid())) {
    if (!before.count(t)) tids.insert(t);
  }
}

void BaselineServer::SetCopy(std::string body) {
  copy_ = std::move(body);
  copy_ptr_.store(&copy_, std::memory_order_release);
}

void BaselineServer::Stop() {
  srv_.stop();
  if (thread_.joinable()) thread_.join();
}

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    Fail(Fmt("cannot find a free loopback port: %s", strerror(errno)));
  }
  close(fd);
  return ntohs(a.sin_port);
}

std::string RandomToken() {
  unsigned char raw[16] = {};
  FILE* f = fopen("/dev/urandom", "rb");
  if (!f || fread(raw, 1, sizeof(raw), f) != sizeof(raw)) Fail("cannot read /dev/urandom");
  fclose(f);
  std::string t;
  for (unsigned char c : raw) t += Fmt("%02x", c);
  return t;
}

httplib::Result GetOnce(int port, const std::string& path, const httplib::Headers& headers) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5, 0);
  c.set_read_timeout(15, 0);
  return c.Get(path, headers);
}

// ---------------------------------------------------------------------------
// Load.

double Series::rps() const { return wall_s > 0 ? static_cast<double>(us.size()) / wall_s : NAN; }

double Series::cpu_us_per_req() const {
  return cpu_ok && !us.empty()
             ? static_cast<double>(server_ns) / kNsPerUs / static_cast<double>(us.size())
             : NAN;
}

Load::Load(Series* s, int clients) : s_(s), per_thread_(clients) {
  for (int i = 0; i < clients; ++i) threads_.push_back(StartQuietThread([this, i] { Run(i); }));
}

void Load::Record(Phase* phase, WaitFn wait, const std::function<void()>& during) {
  wait(kWarmSeconds);
  const bool daemon = s_->t.server == nullptr;
  const int64_t base0 = daemon ? 0 : SchedOf(getpid(), s_->t.server->tids).ns;
  const DaemonCpuNow d0 = SampleDaemon();
  const int64_t t0 = NowNs();
  phase_.store(1, std::memory_order_release);
  during();
  phase_.store(2, std::memory_order_release);
  const double wall = static_cast<double>(NowNs() - t0) / kNsPerSec;
  const DaemonCpuNow d1 = SampleDaemon();
  const int64_t base1 = daemon ? 0 : SchedOf(getpid(), s_->t.server->tids).ns;
  for (std::thread& t : threads_) t.join();
  if (phase) phase->Add(d0, d1, wall);
  s_->wall_s += wall;
  const int64_t a = daemon ? d0.all_ns : base0, b = daemon ? d1.all_ns : base1;
  if (a < 0 || b < 0) s_->cpu_ok = false;
  s_->server_ns += b - a;
  for (auto& v : per_thread_) s_->us.insert(s_->us.end(), v.begin(), v.end());
  s_->errors += errors_;
  if (s_->first_error.empty()) s_->first_error = first_error_;
  if (body_bytes_) s_->body_bytes = body_bytes_;
  if (!encoding_.empty()) s_->encoding = encoding_;
}

void Load::Run(int i) {
  httplib::Client cli("127.0.0.1", s_->t.port);
  cli.set_keep_alive(true);
  cli.set_connection_timeout(5, 0);
  cli.set_read_timeout(15, 0);
  cli.set_write_timeout(5, 0);
  std::vector<double>& mine = per_thread_[i];
  while (phase_.load(std::memory_order_acquire) != 2) {
    const int64_t t0 = NowNs();
    auto r = cli.Get(s_->t.path, s_->t.headers);
    const int64_t t1 = NowNs();
    if (!r || r->status != 200 || r->body.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      if (++errors_ == 1) {
        first_error_ = r ? Fmt("HTTP %d", r->status) : httplib::to_string(r.error());
      }
      usleep(1000);  // an error path only; do not spin
      continue;
    }
    // Counted if it completed while recording: requests/s is unbiased.
    if (phase_.load(std::memory_order_acquire) == 1) {
      mine.push_back(static_cast<double>(t1 - t0) / kNsPerUs);
      if (i == 0 && mine.size() == 1) {
        std::lock_guard<std::mutex> lock(mu_);
        body_bytes_ = r->body.size();
        encoding_ = r->get_header_value("Content-Encoding");
      }
    }
  }
}

void RunGroup(const std::vector<Series*>& group, Phase* phase, double seconds, int clients,
              WaitFn wait) {
  for (int b = 0; b < kBlocks; ++b) {
    for (Series* s : group) {
      Load load(s, clients);
      load.Record(s->t.server ? nullptr : phase, wait,
                  [wait, seconds] { wait(seconds / kBlocks); });
    }
  }
  for (Series* s : group) {
    if (s->us.empty()) {
      Fail(Fmt("%s: no request succeeded (%lld failed, first: %s)", s->t.label,
               static_cast<long long>(s->errors), s->first_error.c_str()));
    }
    if (s->errors) {
      g.problems.push_back(Fmt("%s: %lld request(s) failed (first: %s)", s->t.label,
                               static_cast<long long>(s->errors), s->first_error.c_str()));
    }
  }
}

// ---------------------------------------------------------------------------
// Report.

void PrintSeries(const Series& s, const Series* base) {
  const double med = Median(s.us), p99 = Percentile(s.us, 99);
  std::string ratio =
      base ? Fmt("%6.3fx %7.2fx %7.2fx %7.2fx", s.rps() / base->rps(), med / Median(base->us),
                 p99 / Percentile(base->us, 99), s.cpu_us_per_req() / base->cpu_us_per_req())
           : "(baseline)";
  printf("  %-38s %8zu %7.0f %9.1f %9.1f %6zu%-3s %8.1f  %s\n", s.t.label, s.us.size(), s.rps(),
         med, p99, s.body_bytes,
         s.encoding.empty()   ? ""
         : s.encoding == "br" ? " br"
                              : " z",
         s.cpu_us_per_req(), ratio.c_str());
}

std::string SeriesJson(const Series& s, const Series* base) {
  const double med = Median(s.us), p99 = Percentile(s.us, 99);
  std::string j = JsonStr(s.t.key) + ":{\"requests\":" + std::to_string(s.us.size()) +
                  ",\"seconds\":" + JsonNum(s.wall_s, 2) + ",\"rps\":" + JsonNum(s.rps(), 1) +
                  ",\"median_us\":" + JsonNum(med, 1) + ",\"p99_us\":" + JsonNum(p99, 1) +
                  ",\"body_bytes\":" + std::to_string(s.body_bytes) +
                  ",\"content_encoding\":" + JsonStr(s.encoding) +
                  ",\"server_cpu_us_per_req\":" + JsonNum(s.cpu_us_per_req(), 1) +
                  ",\"errors\":" + std::to_string(s.errors);
  if (base) {
    j += ",\"baseline\":" + JsonStr(base->t.key) +
         ",\"ratio_rps\":" + JsonNum(s.rps() / base->rps(), 4) +
         ",\"ratio_median\":" + JsonNum(med / Median(base->us), 3) +
         ",\"ratio_p99\":" + JsonNum(p99 / Percentile(base->us, 99), 3) +
         ",\"ratio_cpu\":" + JsonNum(s.cpu_us_per_req() / base->cpu_us_per_req(), 3);
  }
  return j + "}";
}

}  // namespace bench
