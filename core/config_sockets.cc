#include "core/config_sockets.h"

#include <climits>
#include <string>

#include "core/config_values.h"
#include "core/known_keys.h"

namespace ringmaster {
namespace {

const char* TypeName(SocketType t) {
  switch (t) {
    case SocketType::kSeqpacket:
      return "SOCK_SEQPACKET";
    case SocketType::kRaw:
      return "SOCK_RAW";
    case SocketType::kRdm:
      return "SOCK_RDM";
    default:
      return "";
  }
}

void ParseKey(const KeyRef& k, std::string_view t, LoadContext& ctx, SocketConfig* out) {
  const std::string& key = k.value->key;
  if (key == "host") {
    out->host = std::string(t);
  } else if (key == "port") {
    ctx.Assign(k, ParseInt(t, 0, 65535), &out->port);
  } else if (key == "family") {
    ctx.Assign(k, ParseSocketFamily(t), &out->family);
  } else if (key == "type") {
    if (ctx.Assign(k, ParseSocketType(t), &out->type) && out->type != SocketType::kStream &&
        out->type != SocketType::kDgram) {
      ctx.WarnOncePerFile(
          k, std::string("type ") + TypeName(out->type) + " is accepted but not implemented yet");
    }
  } else if (key == "proto") {
    if (t.empty()) ctx.KeyError(k, "the protocol name is empty");
  } else if (key == "backlog") {
    ctx.Assign(k, ParseInt(t, 0, INT_MAX), &out->backlog);
  } else if (key == "path") {
    out->path = std::string(t);
  } else if (key == "umask") {
    ctx.Assign(k, ParseInt(t, 0, 0777), &out->umask);  // decimal, as Circus reads it
  } else if (key == "replace") {
    ctx.Assign(k, ParseBool(t), &out->replace);
  } else if (key == "blocking") {
    ctx.Assign(k, ParseBool(t), &out->blocking);
  } else if (key == "so_reuseport") {
    ctx.Assign(k, ParseBool(t), &out->so_reuseport);
  } else if (key == "interface") {
    out->interface = std::string(t);
  }
}

}  // namespace

std::optional<SocketConfig> ParseSocketSection(const IniSection& s, const LoadVars& vars,
                                               LoadContext& ctx) {
  SocketConfig sock;
  sock.name = ToLower(s.name.substr(7));
  sock.loc = s.loc;
  if (sock.name.empty()) {
    ctx.SectionError(s, "the socket name is empty");
    return std::nullopt;
  }
  const IniValue* family = s.Find("family");
  for (const IniValue& v : s.values) {
    const KeyRef k{&s, &v};
    const KnownKey* known = FindKey(SocketKeys(), v.key);
    if (known == nullptr) {
      std::optional<std::string> hint = DidYouMean(v.key, SocketKeys());
      ctx.KeyWarning(k, hint ? "unknown key; ignored (did you mean '" + *hint + "'?)"
                             : "unknown key; ignored");
      continue;
    }
    const std::string text = ctx.Substitute(k, v.value, vars);
    ParseKey(k, Trim(text), ctx, &sock);
    if (known->support == KeySupport::kLater) {
      ctx.WarnOncePerFile(k, v.key + " is accepted but not implemented yet");
    }
  }
  if (!sock.path.empty()) {
    sock.family = SocketFamily::kUnix;  // path forces AF_UNIX; host/port are ignored
  } else if (sock.family == SocketFamily::kUnix && family != nullptr) {
    ctx.KeyError(KeyRef{&s, family}, "AF_UNIX needs a path");
  }
  return sock;
}

}  // namespace ringmaster
