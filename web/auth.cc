#include "web/auth.h"

#include <cctype>

namespace ringmaster {

bool ConstantTimeEquals(std::string_view expected, std::string_view given) {
  unsigned char diff = expected.size() == given.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    // Reads a byte of `given` even past its end (wrapping), to keep the loop
    // length independent of the input.
    unsigned char g = given.empty() ? 0 : static_cast<unsigned char>(given[i % given.size()]);
    diff |= static_cast<unsigned char>(expected[i]) ^ g;
  }
  return diff == 0;
}

AuthDecision Authorize(Access access, const std::string& token, const std::string& authorization) {
  if (access == Access::kOpen) return {};
  if (token.empty()) {
    if (access == Access::kRead) return {};
    return {403,
            "actions are disabled because no token is configured; set http_token (or "
            "http_token_file) in the [circus] section and reload, then send "
            "'Authorization: Bearer <token>'"};
  }
  constexpr std::string_view kScheme = "bearer ";
  std::string_view given = authorization;
  bool has_scheme = given.size() >= kScheme.size();
  for (size_t i = 0; has_scheme && i < kScheme.size(); ++i) {
    has_scheme = std::tolower(static_cast<unsigned char>(given[i])) == kScheme[i];
  }
  if (!has_scheme) {
    return {401, "this endpoint needs 'Authorization: Bearer <token>' (the http_token of the daemon)"};
  }
  given.remove_prefix(kScheme.size());
  while (!given.empty() && given.front() == ' ') given.remove_prefix(1);
  if (!ConstantTimeEquals(token, given)) return {401, "the bearer token is not the daemon's http_token"};
  return {};
}

}  // namespace ringmaster
