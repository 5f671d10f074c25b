#include "core/config_circus.h"

#include <cctype>
#include <climits>
#include <string>

#include "core/config_values.h"
#include "core/known_keys.h"

namespace ringmaster {
namespace {

std::string IgnoredKeyProblem(const std::string& key) {
  if (key == "loggerconfig") return "loggerconfig is a Python logging config; ignored";
  if (key == "debug" || key == "debug_gc" || key == "fqdn_prefix") {
    return key + " has no effect in ringmaster; ignored";
  }
  return key + " is documented by Circus but never read by it; ignored";
}

void ParseKey(const KeyRef& k, std::string_view t, LoadContext& ctx, CircusConfig* out) {
  const std::string& key = k.value->key;
  if (key == "endpoint") {
    ctx.Assign(k, ParseEndpoint(t), &out->endpoint);
  } else if (key == "pubsub_endpoint") {
    ctx.Assign(k, ParseEndpoint(t), &out->pubsub_endpoint);
  } else if (key == "stats_endpoint") {
    if (ctx.Assign(k, ParseEndpoint(t), &out->stats_endpoint)) {
      out->statsd = true;
      ctx.KeyWarning(k, "stats_endpoint is set, so statsd is turned on");
    }
  } else if (key == "check_delay") {
    // Circus takes any number (14 of its test configs say -1); a tick period
    // of zero or less means nothing, so it becomes 1 s, said once.
    double delay = 0;
    if (ctx.Assign(k, ParseDuration(t, Bounds{}), &delay)) {
      if (delay > 0) {
        out->check_delay = delay;
      } else {
        out->check_delay = 1.0;
        ctx.KeyWarning(k, "'" + std::string(t) +
                              "' is not a period; the housekeeping tick runs every 1 s");
      }
    }
  } else if (key == "max_numprocesses") {
    ctx.Assign(k, ParseInt(t, 1, INT_MAX), &out->max_numprocesses);
  } else if (key == "warmup_delay") {
    ctx.Assign(k, ParseDuration(t), &out->warmup_delay);
  } else if (key == "umask") {
    ctx.Assign(k, ParseOctal(t), &out->umask);
  } else if (key == "pidfile") {
    out->pidfile = std::string(t);
  } else if (key == "loglevel") {
    ctx.Assign(k, ParseLoglevel(t), &out->loglevel);
  } else if (key == "logoutput") {
    out->logoutput = std::string(t);
    if (t.rfind("syslog://", 0) == 0) {
      ctx.WarnOncePerFile(k, "logoutput syslog:// is accepted but not implemented yet");
    }
  } else if (key == "httpd") {
    ctx.Assign(k, ParseBool(t), &out->httpd);
  } else if (key == "httpd_host") {
    if (t.empty()) {
      ctx.KeyError(k, "the host is empty");
    } else {
      out->httpd_host = std::string(t);
    }
  } else if (key == "httpd_port") {
    ctx.Assign(k, ParseInt(t, 0, 65535), &out->httpd_port);
  } else if (key == "httpd_max_connections") {
    ctx.Assign(k, ParseInt(t, 1, 1 << 20), &out->httpd_max_connections);
  } else if (key == "httpd_max_connections_per_client") {
    ctx.Assign(k, ParseInt(t, 1, 1 << 20), &out->httpd_max_connections_per_client);
  } else if (key == "httpd_keep_alive_timeout") {
    ctx.Assign(k, ParseDuration(t, kPositive), &out->httpd_keep_alive_timeout);
  } else if (key == "httpd_request_timeout") {
    ctx.Assign(k, ParseDuration(t, kPositive), &out->httpd_request_timeout);
  } else if (key == "http_token") {
    if (t.empty()) {
      ctx.KeyError(k, "the token is empty; remove the key to serve HTTP without a token");
    } else {
      out->http_token = std::string(t);
    }
  } else if (key == "http_token_file") {
    out->http_token_file = std::string(t);
  } else if (key == "statsd" || key == "debug") {
    bool ignored = false;
    ctx.Assign(k, ParseBool(t), key == "statsd" ? &out->statsd : &ignored);
  } else if (key == "endpoint_owner") {
    if (!ctx.env().LookupUser(std::string(t))) {
      ctx.KeyError(k, "unknown user '" + std::string(t) + "'");
    } else {
      out->endpoint_owner = std::string(t);
    }
  } else if (key == "multicast_endpoint") {
    ctx.Assign(k, ParseMulticastEndpoint(t), &out->multicast_endpoint);
  }
}

// http_token_file: the file's content, trailing whitespace stripped.
void ReadTokenFile(const KeyRef& k, LoadContext& ctx, CircusConfig* out) {
  std::string path = out->http_token_file;
  if (path.empty()) {
    ctx.KeyError(k, "the path is empty");
    return;
  }
  if (path[0] != '/') path = ctx.env().Cwd() + "/" + path;
  Result<std::string> content = ctx.env().ReadFile(path);
  if (!content.ok()) {
    ctx.KeyError(k, "'" + path + "': " + content.error());
    return;
  }
  std::string token = content.value();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  if (token.empty()) {
    ctx.KeyError(k, "'" + path + "' is empty");
    return;
  }
  out->http_token = token;
  if (ctx.env().IsGroupOrOtherReadable(path)) {
    ctx.KeyWarning(k, "'" + path + "' is readable by group or others; chmod 600 it");
  }
}

}  // namespace

void ParseCircusSection(const IniSection& s, const LoadVars& vars, LoadContext& ctx,
                        CircusConfig* out) {
  KeyRef token, token_file, host, httpd;
  for (const IniValue& v : s.values) {
    const KeyRef k{&s, &v};
    const KnownKey* known = FindKey(CircusKeys(), v.key);
    if (known == nullptr) {
      std::optional<std::string> hint = DidYouMean(v.key, CircusKeys());
      ctx.KeyWarning(k, hint ? "unknown key; ignored (did you mean '" + *hint + "'?)"
                             : "unknown key; ignored");
      continue;
    }
    if (v.key == "include" || v.key == "include_dir") continue;
    const std::string text = ctx.Substitute(k, v.value, vars);
    ParseKey(k, Trim(text), ctx, out);
    // An empty multicast_endpoint is Circus's way to turn discovery off,
    // which is what ringmaster does anyway: nothing to warn about.
    const bool empty_means_off = v.key == "multicast_endpoint" && Trim(text).empty();
    if (known->support == KeySupport::kLater && !empty_means_off) {
      ctx.WarnOncePerFile(k, v.key + " is accepted but not implemented yet");
    } else if (known->support == KeySupport::kIgnored) {
      ctx.WarnOncePerFile(k, IgnoredKeyProblem(v.key));
    }
    if (v.key == "http_token") token = k;
    if (v.key == "http_token_file") token_file = k;
    if (v.key == "httpd_host") host = k;
    if (v.key == "httpd") httpd = k;
  }

  if (token.value != nullptr && token_file.value != nullptr) {
    ctx.KeyError(token_file, "http_token and http_token_file are both set; use one");
  } else if (token_file.value != nullptr) {
    ReadTokenFile(token_file, ctx, out);
  }
  if (out->httpd && !IsLoopbackHost(out->httpd_host)) {
    const KeyRef& at = host.value != nullptr ? host : httpd;
    if (token.value == nullptr && token_file.value == nullptr) {
      ctx.KeyError(at, "'" + out->httpd_host +
                           "' is not a loopback address and no http_token or http_token_file "
                           "is set; set a token or bind to 127.0.0.1");
    } else {
      ctx.KeyWarning(at, "the HTTP token travels in clear text on non-loopback address '" +
                             out->httpd_host + "'");
    }
  }
}

}  // namespace ringmaster
