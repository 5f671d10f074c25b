#include "core/config_streams.h"

#include <algorithm>
#include <climits>
#include <string_view>
#include <vector>

#include "core/config_values.h"

namespace ringmaster {
namespace {

struct ClassInfo {
  std::string_view name;
  StreamClass cls;
  bool needs_filename;
  bool later;  // b: accepted, not implemented yet
  std::vector<std::string_view> keys;
};

const ClassInfo kClasses[] = {
    {"FileStream",
     StreamClass::kFile,
     true,
     false,
     {"filename", "max_bytes", "backup_count", "time_format"}},
    {"WatchedFileStream", StreamClass::kWatchedFile, true, false, {"filename", "time_format"}},
    {"StdoutStream", StreamClass::kStdout, false, false, {}},
    {"TimedRotatingFileStream",
     StreamClass::kTimedRotatingFile,
     true,
     true,
     {"filename", "rotate_when", "rotate_interval", "backup_count", "time_format", "utc"}},
    {"FancyStdoutStream", StreamClass::kFancyStdout, false, true, {"color", "time_format"}},
};

const ClassInfo* FindClass(std::string_view name) {
  for (const ClassInfo& c : kClasses) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool IsRotateWhen(std::string_view v) {
  const std::string u = ToLower(v);
  if (u == "s" || u == "m" || u == "h" || u == "d" || u == "midnight") return true;
  return u.size() == 2 && u[0] == 'w' && u[1] >= '0' && u[1] <= '6';
}

bool IsColor(std::string_view v) {
  for (std::string_view c : {"red", "green", "yellow", "blue", "magenta", "cyan", "white"}) {
    if (v == c) return true;
  }
  return false;
}

// Resolves `class`; nullptr after reporting an error.
const ClassInfo* ResolveClass(const StreamKey& k, LoadContext& ctx) {
  std::string_view name = Trim(k.text);
  constexpr std::string_view kPrefix = "circus.stream.";
  if (name.rfind(kPrefix, 0) == 0) name.remove_prefix(kPrefix.size());
  if (name == "QueueStream") {
    ctx.KeyError(k.ref, "QueueStream is not available outside Python");
    return nullptr;
  }
  const ClassInfo* info = FindClass(name);
  if (info == nullptr) {
    ctx.KeyError(k.ref, "unknown stream class '" + std::string(Trim(k.text)) +
                            "' (use FileStream, WatchedFileStream, StdoutStream, "
                            "TimedRotatingFileStream or FancyStdoutStream)");
    return nullptr;
  }
  if (info->later) {
    ctx.WarnOncePerFile(k.ref, std::string(info->name) + " is accepted but not implemented yet");
  }
  return info;
}

void ParseValue(const StreamKey& k, LoadContext& ctx, StreamConfig* out) {
  const std::string_view t = Trim(k.text);
  const std::string& sub = k.subkey;
  if (sub == "filename") {
    out->filename = std::string(t);
  } else if (sub == "max_bytes") {
    ctx.Assign(k.ref, ParseInt(t, 0), &out->max_bytes);
  } else if (sub == "backup_count") {
    ctx.Assign(k.ref, ParseInt(t, 0, INT_MAX), &out->backup_count);
  } else if (sub == "time_format") {
    out->time_format = std::string(t);
  } else if (sub == "rotate_when") {
    if (!IsRotateWhen(t)) {
      ctx.KeyError(k.ref, "'" + std::string(t) + "' is not S, M, H, D, MIDNIGHT or W0-W6");
    }
  } else if (sub == "rotate_interval") {
    int64_t unused = 0;
    ctx.Assign(k.ref, ParseInt(t, 1, INT_MAX), &unused);
  } else if (sub == "utc") {
    bool unused = false;
    ctx.Assign(k.ref, ParseBool(t), &unused);
  } else if (sub == "color") {
    if (!IsColor(t)) {
      ctx.KeyError(k.ref, "unknown color '" + std::string(t) +
                              "' (use red, green, yellow, blue, magenta, cyan or white)");
    }
  }
}

}  // namespace

void ParseStream(const std::string& prefix, const std::vector<StreamKey>& keys, LoadContext& ctx,
                 StreamConfig* out) {
  if (keys.empty()) return;
  const StreamKey* cls_key = nullptr;
  const StreamKey* filename = nullptr;
  const StreamKey* rotate_when = nullptr;
  for (const StreamKey& k : keys) {
    out->raw[k.subkey] = std::string(Trim(k.text));
    if (k.subkey == "class") cls_key = &k;
    if (k.subkey == "filename") filename = &k;
    if (k.subkey == "rotate_when") rotate_when = &k;
  }
  const ClassInfo* info = nullptr;
  if (cls_key != nullptr) {
    info = ResolveClass(*cls_key, ctx);
    if (info == nullptr) return;
  } else if (filename != nullptr) {
    info = FindClass("FileStream");
  } else {
    ctx.KeyError(keys.front().ref, prefix + " has neither a class nor a filename; set " + prefix +
                                       ".class or " + prefix + ".filename");
    return;
  }
  out->cls = info->cls;
  for (const StreamKey& k : keys) {
    if (k.subkey == "class" || k.subkey == "refresh_time") continue;
    if (std::find(info->keys.begin(), info->keys.end(), k.subkey) == info->keys.end()) {
      ctx.KeyWarning(k.ref, "not a key of " + std::string(info->name) + "; ignored");
      continue;
    }
    ParseValue(k, ctx, out);
  }
  const KeyRef& at = cls_key != nullptr ? cls_key->ref : keys.front().ref;
  if (info->needs_filename && (filename == nullptr || Trim(filename->text).empty())) {
    ctx.KeyError(at, prefix + ".filename is required for " + std::string(info->name));
  }
  if (info->cls == StreamClass::kTimedRotatingFile && rotate_when == nullptr) {
    ctx.KeyError(at, prefix + ".rotate_when is required for TimedRotatingFileStream");
  }
  if (info->cls == StreamClass::kFancyStdout && out->time_format.empty()) {
    out->time_format = "%Y-%m-%d %H:%M:%S";
  }
}

}  // namespace ringmaster
