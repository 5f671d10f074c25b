// POST /api/watchers/NAME/ACTION as the HTTP handlers see it: the input is
// "ACTION\0NAME\0QUERY\0BODY"; QUERY is parsed by the real request parser
// (core/http_request.h) from a request line, then BuildActionRequest types
// the options (query or JSON body) into a control request, which must be a
// body the protocol decoder accepts or refuses cleanly.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/http_request.h"
#include "core/protocol.h"
#include "web/actions.h"

namespace {

std::vector<std::string> SplitNul(std::string_view in, size_t parts) {
  std::vector<std::string> out;
  while (out.size() + 1 < parts) {
    size_t nul = in.find('\0');
    if (nul == std::string_view::npos) break;
    out.emplace_back(in.substr(0, nul));
    in.remove_prefix(nul + 1);
  }
  out.emplace_back(in);
  out.resize(parts);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ringmaster;
  std::vector<std::string> f =
      SplitNul(std::string_view(reinterpret_cast<const char*>(data), size), 4);
  const std::string& action = f[0];
  const std::string& name = f[1];
  const std::string& query = f[2];
  const std::string& body = f[3];

  std::multimap<std::string, std::string> params;
  std::string head = "POST /api/watchers/x/y?" + query + " HTTP/1.1\r\nHost: h\r\n\r\n";
  HeadResult r = ParseRequestHead(head, HttpLimitsIn{});
  if (r.kind == HeadResult::kComplete) params = r.request.query;

  for (const auto& q : {params, std::multimap<std::string, std::string>{}}) {
    ActionRequest a = BuildActionRequest(action, name, q, q.empty() ? body : "", "fuzz-1");
    if (a.request.is_null()) {
      if (a.status != 400 && a.status != 404) __builtin_trap();
      continue;
    }
    std::string wire = a.request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    (void)ParseRequest(wire);
  }
  return 0;
}
