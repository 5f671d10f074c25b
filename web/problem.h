// RFC 7807 problem details for the HTTP API, and the mapping from control
// protocol error replies (errno + reason) to HTTP status codes. Pure; any thread.
#ifndef RINGMASTER_WEB_PROBLEM_H_
#define RINGMASTER_WEB_PROBLEM_H_

#include <string>

#include <nlohmann/json.hpp>

namespace ringmaster {

inline constexpr char kProblemContentType[] = "application/problem+json";

// {"type": "about:blank", "title": <reason phrase>, "status": code, "detail": detail}
// plus "instance" when non-empty.
nlohmann::json Problem(int status, const std::string& detail, const std::string& instance = "");

// The standard reason phrase of the codes the API uses ("Conflict"), or "Error".
const char* ReasonPhrase(int status);

// HTTP status for a protocol error reply: errno 1-3 -> 400 (404 for "not found"),
// errno 5 busy / cancelled -> 409, shutting down -> 503, other errno 5 -> 409
// (conflict with the current state, e.g. a config that does not validate),
// errno 4 and 6 -> 500.
int HttpStatusForError(int err, const std::string& reason);

// A problem for a protocol error reply: the reason as "detail", the errno as
// an "errno" extension member.
nlohmann::json ProblemFromReply(const nlohmann::json& reply, const std::string& instance);

}  // namespace ringmaster

#endif  // RINGMASTER_WEB_PROBLEM_H_
