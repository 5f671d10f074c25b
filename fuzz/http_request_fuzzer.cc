// The strict HTTP/1.x request-head parser (RFC 9112) of the HTTP endpoint,
// on bytes as they arrive on a connection: the whole input, and every prefix
// the front could see while the head is still incomplete must not be
// complete with a different head. Also the percent-decoder on its own.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/http_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ringmaster;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  HttpLimitsIn limits;
  limits.max_head = 4096;
  limits.max_body = 8192;
  HeadResult r = ParseRequestHead(bytes, limits);
  switch (r.kind) {
    case HeadResult::kComplete: {
      if (r.head_bytes == 0 || r.head_bytes > bytes.size()) __builtin_trap();
      if (r.request.content_length > limits.max_body) __builtin_trap();
      (void)r.request.Header("host");
      // The head alone parses the same way.
      HeadResult again = ParseRequestHead(bytes.substr(0, r.head_bytes), limits);
      if (again.kind != HeadResult::kComplete || again.head_bytes != r.head_bytes ||
          again.request.target != r.request.target || again.request.query != r.request.query ||
          again.request.headers != r.request.headers) {
        __builtin_trap();
      }
      break;
    }
    case HeadResult::kError:
      if (r.status != 400 && r.status != 413 && r.status != 431 && r.status != 501 &&
          r.status != 505) {
        __builtin_trap();
      }
      break;
    case HeadResult::kIncomplete:
      if (bytes.size() > limits.max_head) __builtin_trap();
      break;
  }
  std::string out;
  (void)PercentDecode(bytes, false, &out);
  (void)PercentDecode(bytes, true, &out);
  return 0;
}
