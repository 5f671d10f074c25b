#include "daemon/build_info.h"

#include <elf.h>
#include <link.h>

#include <cstdio>
#include <cstring>

namespace ringmaster {
namespace {

// The main program is the first object dl_iterate_phdr reports; its PT_NOTE
// segments hold the NT_GNU_BUILD_ID note (mapped, so no file is read).
int FindBuildId(dl_phdr_info* info, size_t, void* data) {
  auto* out = static_cast<std::string*>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
    const char* end = p + ph.p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const auto* nh = reinterpret_cast<const ElfW(Nhdr)*>(p);
      const char* name = p + sizeof(ElfW(Nhdr));
      const char* desc = name + ((nh->n_namesz + 3) & ~3u);
      if (desc + nh->n_descsz > end) break;
      if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
        static const char kHex[] = "0123456789abcdef";
        for (unsigned j = 0; j < nh->n_descsz; ++j) {
          auto b = static_cast<unsigned char>(desc[j]);
          out->push_back(kHex[b >> 4]);
          out->push_back(kHex[b & 15]);
        }
        return 1;
      }
      p = desc + ((nh->n_descsz + 3) & ~3u);
    }
  }
  return 1;  // only the main program
}

constexpr char kPrefix[] = "ringmasterd ";
constexpr char kBuild[] = " (build ";

}  // namespace

const BuildInfo& OwnBuild() {
  static const BuildInfo* const kBuildInfo = [] {
    auto* b = new BuildInfo{RINGMASTER_VERSION, ""};
    dl_iterate_phdr(FindBuildId, &b->build_id);
    return b;
  }();
  return *kBuildInfo;
}

std::string BuildLine(const BuildInfo& b) {
  return kPrefix + b.version + kBuild + (b.build_id.empty() ? "unknown" : b.build_id) + ")";
}

std::optional<BuildInfo> ParseBuildLine(const std::string& text) {
  size_t at = 0;
  while (at < text.size()) {
    size_t eol = text.find('\n', at);
    std::string line = text.substr(at, eol == std::string::npos ? std::string::npos : eol - at);
    at = eol == std::string::npos ? text.size() : eol + 1;
    if (line.rfind(kPrefix, 0) != 0 || line.back() != ')') continue;
    size_t b = line.find(kBuild);
    if (b == std::string::npos) continue;
    BuildInfo info;
    info.version = line.substr(sizeof kPrefix - 1, b - (sizeof kPrefix - 1));
    info.build_id = line.substr(b + sizeof kBuild - 1, line.size() - 1 - (b + sizeof kBuild - 1));
    if (info.build_id == "unknown") info.build_id.clear();
    return info;
  }
  return std::nullopt;
}

}  // namespace ringmaster
