// globaloptions [option]: the five global options, or one (§7.6); `detail`
// adds the server object (§10.5).
#include "core/endpoints.h"
#include "daemon/commands/command_util.h"

namespace ringmaster {

void CmdGlobaloptions(CommandContext& ctx, const Request& req, Responder respond) {
  const CircusConfig& c = ctx.arbiter.config().circus;
  nlohmann::json all = {
      {"endpoint", c.endpoint.empty() ? DefaultEndpoint() : c.endpoint},
      {"stats_endpoint", c.stats_endpoint.empty() ? DefaultStatsEndpoint() : c.stats_endpoint},
      {"pubsub_endpoint", c.pubsub_endpoint.empty() ? DefaultPubsubEndpoint() : c.pubsub_endpoint},
      {"check_delay", c.check_delay},
      {"multicast_endpoint", c.multicast_endpoint},
      {"max_numprocesses", c.max_numprocesses},  // ext
  };
  nlohmann::json fields;
  if (HasProp(req, "option")) {
    std::string option = PropString(req, "option");
    if (!all.contains(option)) {
      ReplyError(respond, req, Errno::kMessageError, "'" + option + "' not an existing option");
      return;
    }
    fields["options"] = {{option, all[option]}};
  } else {
    fields["options"] = all;
  }
  if (PropBool(req, "detail")) {
    fields["server"] = {{"name", "ringmaster"},
                        {"version", RINGMASTER_VERSION},
                        {"protocol", 1},
                        {"extensions", {"detail", "busy", "readiness", "rolling", "backoff", "max_rss"}}};
  }
  ReplyOk(respond, req, fields);
}

}  // namespace ringmaster
