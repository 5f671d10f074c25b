#include "core/endpoints.h"

#include <unistd.h>

#include <cstdlib>

namespace ringmaster {
namespace {

constexpr std::string_view kIpcScheme = "ipc://";
constexpr std::string_view kTcpScheme = "tcp://";

std::string InRunDir(const char* file) { return "ipc://" + DefaultRunDir() + "/" + file; }

}  // namespace

std::string RunDirFor(std::string_view xdg_runtime_dir, unsigned uid) {
  // An empty XDG_RUNTIME_DIR is treated as unset (XDG base dir spec: a relative
  // or empty value is invalid and must be ignored). "/" is kept as the root.
  while (xdg_runtime_dir.size() > 1 && xdg_runtime_dir.back() == '/') {
    xdg_runtime_dir.remove_suffix(1);
  }
  if (!xdg_runtime_dir.empty() && xdg_runtime_dir.front() == '/') {
    std::string dir(xdg_runtime_dir);
    if (dir != "/") dir += '/';
    return dir + "ringmaster";
  }
  if (uid == 0) return "/run/ringmaster";
  return "/tmp/ringmaster-" + std::to_string(uid);
}

std::string DefaultRunDir() {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  return RunDirFor(xdg != nullptr ? xdg : "", static_cast<unsigned>(geteuid()));
}

std::string DefaultEndpoint() { return InRunDir("control.sock"); }
std::string DefaultPubsubEndpoint() { return InRunDir("events.sock"); }
std::string DefaultStatsEndpoint() { return InRunDir("stats.sock"); }

std::string IpcPath(std::string_view endpoint) {
  if (endpoint.substr(0, kIpcScheme.size()) != kIpcScheme) return "";
  std::string_view path = endpoint.substr(kIpcScheme.size());
  if (path.empty() || path.front() == '@') return "";
  return std::string(path);
}

bool IsTcpEndpoint(std::string_view endpoint) {
  return endpoint.substr(0, kTcpScheme.size()) == kTcpScheme;
}

}  // namespace ringmaster
