#include "core/config_flapping.h"

#include <climits>

#include "core/config_values.h"
#include "core/ini_store.h"

namespace ringmaster {

bool IsFlappingKey(std::string_view name) {
  return name == "attempts" || name == "window" || name == "retry_in" || name == "max_retry";
}

void ApplyFlappingKey(const KeyRef& k, std::string_view name, std::string_view text,
                      LoadContext& ctx, FlappingPolicy* policy) {
  policy->enabled = true;
  const std::string_view t = Trim(text);
  if (name == "attempts") {
    ctx.Assign(k, ParseInt(t, 1, INT_MAX), &policy->attempts);
  } else if (name == "window") {
    ctx.Assign(k, ParseDuration(t, kPositive), &policy->window);
  } else if (name == "retry_in") {
    ctx.Assign(k, ParseDuration(t), &policy->retry_in);
  } else if (name == "max_retry") {
    ctx.Assign(k, ParseInt(t, -1, INT_MAX), &policy->max_retry);
  }
}

bool IsFlappingPlugin(const IniSection& s) {
  if (s.name == "plugin:flapping") return true;
  const IniValue* use = s.Find("use");
  return use != nullptr && Trim(use->value) == "circus.plugins.flapping.Flapping";
}

}  // namespace ringmaster
