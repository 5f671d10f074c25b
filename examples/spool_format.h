// The data contract shared by feeder, ingest_worker and spool_check: the spool
// layout, the checksum, the deterministic input content and the output record.
// Header-only and pure (no I/O) so all three programs agree byte for byte.
#ifndef RINGMASTER_EXAMPLES_SPOOL_FORMAT_H_
#define RINGMASTER_EXAMPLES_SPOOL_FORMAT_H_

#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace ringmaster::spool {

// Subdirectories of the spool. All four live on one filesystem, which is what
// makes rename() between them atomic.
inline constexpr const char* kIncoming = "incoming";  // complete inputs, written by the feeder
inline constexpr const char* kClaimed = "claimed";    // F.<pid>: being processed by <pid>
inline constexpr const char* kDone = "done";          // F.out results (F.tmp.<pid> in flight)
inline constexpr const char* kFailed = "failed";      // unreadable inputs, duplicate outputs

// FNV-1a 64: tiny, streaming, good enough to detect a partial or wrong input.
class Fnv1a64 {
 public:
  void Update(const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
      hash_ ^= p[i];
      hash_ *= 1099511628211ULL;
    }
  }
  uint64_t Digest() const { return hash_; }

 private:
  uint64_t hash_ = 14695981039346656037ULL;
};

inline uint64_t Fnv1a64Of(const std::string& s) {
  Fnv1a64 h;
  h.Update(s.data(), s.size());
  return h.Digest();
}

inline std::string HexChecksum(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, v);
  return buf;
}

// The content of input `name` is an endless stream derived from the name alone
// (splitmix64 seeded by the name's hash), printable, in lines of 64 bytes. A
// checker can regenerate any prefix of it without having seen the input.
class ContentStream {
 public:
  explicit ContentStream(const std::string& name) : state_(Fnv1a64Of(name)) {}

  void Fill(char* out, size_t n) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; ++i, ++pos_) {
      if (pos_ % 8 == 0) word_ = Next();
      const auto b = static_cast<unsigned>(word_ >> (8 * (pos_ % 8)));
      out[i] = (pos_ % 64 == 63) ? '\n' : kAlphabet[b & 63];
    }
  }

 private:
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  uint64_t state_;
  uint64_t word_ = 0;
  uint64_t pos_ = 0;
};

inline std::string GenerateContent(const std::string& name, size_t size) {
  std::string s(size, '\0');
  ContentStream(name).Fill(s.data(), size);
  return s;
}

// The checksum the worker must report for the first `size` bytes of `name`.
inline uint64_t ExpectedChecksum(const std::string& name, uint64_t size) {
  ContentStream content(name);
  Fnv1a64 h;
  char buf[4096];
  while (size > 0) {
    const size_t n = size < sizeof(buf) ? static_cast<size_t>(size) : sizeof(buf);
    content.Fill(buf, n);
    h.Update(buf, n);
    size -= n;
  }
  return h.Digest();
}

// The output record done/<name>.out:
//   <name>\n
//   bytes=<n> checksum=<16 hex> worker=<pid>\n
struct OutputRecord {
  std::string name;
  uint64_t bytes = 0;
  uint64_t checksum = 0;
  int64_t worker = 0;
};

inline std::string FormatOutput(const OutputRecord& r) {
  char line[128];
  std::snprintf(line, sizeof(line), "bytes=%" PRIu64 " checksum=%s worker=%" PRId64 "\n", r.bytes,
                HexChecksum(r.checksum).c_str(), r.worker);
  return r.name + "\n" + line;
}

// Strict: the text must be exactly what FormatOutput would write for the
// parsed values, so a partial or corrupted output cannot pass for a good one.
inline bool ParseOutput(const std::string& text, OutputRecord* r) {
  const size_t nl = text.find('\n');
  if (nl == std::string::npos || nl == 0) return false;
  r->name = text.substr(0, nl);
  char hex[17] = {};
  if (std::sscanf(text.c_str() + nl + 1, "bytes=%" SCNu64 " checksum=%16[0-9a-f] worker=%" SCNd64,
                  &r->bytes, hex, &r->worker) != 3) {
    return false;
  }
  r->checksum = std::strtoull(hex, nullptr, 16);
  return r->worker > 0 && FormatOutput(*r) == text;
}

}  // namespace ringmaster::spool

#endif  // RINGMASTER_EXAMPLES_SPOOL_FORMAT_H_
