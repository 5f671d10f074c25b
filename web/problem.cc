#include "web/problem.h"

namespace ringmaster {
namespace {

bool Contains(const std::string& s, const char* needle) { return s.find(needle) != std::string::npos; }

}  // namespace

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

nlohmann::json Problem(int status, const std::string& detail, const std::string& instance) {
  nlohmann::json p = {{"type", "about:blank"},
                      {"title", ReasonPhrase(status)},
                      {"status", status},
                      {"detail", detail}};
  if (!instance.empty()) p["instance"] = instance;
  return p;
}

int HttpStatusForError(int err, const std::string& reason) {
  switch (err) {
    case 1:
    case 2:
      return 400;
    case 3:
      return Contains(reason, "not found") ? 404 : 400;
    case 5:
      if (Contains(reason, "shutting down")) return 503;
      if (Contains(reason, "internal error")) return 500;
      return 409;  // busy, or not possible in the current state (a refused reload)
    case 6:
      return Contains(reason, "cancelled") ? 409 : 500;
    default:
      return 500;
  }
}

nlohmann::json ProblemFromReply(const nlohmann::json& reply, const std::string& instance) {
  int err = reply.value("errno", 0);
  std::string reason = reply.value("reason", "unknown error");
  nlohmann::json p = Problem(HttpStatusForError(err, reason), reason, instance);
  p["errno"] = err;
  return p;
}

}  // namespace ringmaster
