// POST /api/watchers/NAME/ACTION, POST /api/reloadconfig and POST
// /api/upgrade (never waiting: the connection does not survive the exec): turns the action,
// the watcher name and the options (query parameters or a JSON object body)
// into a control protocol request body for the command table. Pure; any thread.
#ifndef RINGMASTER_WEB_ACTIONS_H_
#define RINGMASTER_WEB_ACTIONS_H_

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace ringmaster {

struct ActionRequest {
  nlohmann::json request;  // {"command", "properties", "id"}; null on error
  int status = 200;        // 400 or 404 on error
  std::string error;       // what was wrong, for the problem body
  bool waiting = false;
};

// `action` is one of start, stop, restart, reload, incr, decr, signal or
// reloadconfig (with an empty `name`). Query values are typed by key (bools:
// true/false/1/0/yes/no; nb: integer; max_surge/max_unavailable: integer or
// "N%"; signum/pid/childpid: passed as strings, which the protocol accepts).
// Body values are passed as given; the command's own checks apply later.
ActionRequest BuildActionRequest(const std::string& action, const std::string& name,
                                 const std::multimap<std::string, std::string>& query,
                                 const std::string& body, const std::string& request_id);

}  // namespace ringmaster

#endif  // RINGMASTER_WEB_ACTIONS_H_
