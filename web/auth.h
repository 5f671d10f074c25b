// Who may do what over HTTP (docs/config.md §10.4 plus the API's rules):
// * /healthz and the status page assets are always open (no state in them;
//   probes and browsers cannot send a token when loading a page).
// * With a token configured, every other request needs
//   `Authorization: Bearer <token>` (constant-time compare), else 401.
// * Without a token, reads are open and mutations are refused with 403.
// Pure; any thread.
#ifndef RINGMASTER_WEB_AUTH_H_
#define RINGMASTER_WEB_AUTH_H_

#include <string>
#include <string_view>

namespace ringmaster {

// Compares without an early exit, so the time taken does not reveal how many
// leading bytes match (only the length of `expected` can leak).
bool ConstantTimeEquals(std::string_view expected, std::string_view given);

enum class Access { kOpen, kRead, kMutate };

struct AuthDecision {
  int status = 200;    // 200 (allowed), 401 or 403
  std::string detail;  // why, for the problem body
};

// `authorization` is the header's value ("" when absent).
AuthDecision Authorize(Access access, const std::string& token, const std::string& authorization);

}  // namespace ringmaster

#endif  // RINGMASTER_WEB_AUTH_H_
