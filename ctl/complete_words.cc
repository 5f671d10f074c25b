#include "ctl/complete_words.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "core/endpoints.h"
#include "ctl/arg_values.h"
#include "ctl/client.h"
#include "ctl/format.h"

namespace ringmaster {
namespace {

using nlohmann::json;

// ringctl's own flags (ctl/main.cc); the first three take a value.
const std::vector<std::string>& ValueFlags() {
  static const std::vector<std::string> kFlags = {"--endpoint", "--pubsub-endpoint", "--timeout"};
  return kFlags;
}
const std::vector<std::string>& SwitchFlags() {
  static const std::vector<std::string> kFlags = {"--json", "--wait", "--waiting", "--help",
                                                  "--version"};
  return kFlags;
}

bool Contains(const std::vector<std::string>& list, std::string_view word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

std::vector<std::string> StartingWith(std::vector<std::string> all, std::string_view text) {
  std::vector<std::string> out;
  for (std::string& c : all) {
    if (c.compare(0, text.size(), text) == 0) out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A list of names from one request; empty when the daemon does not answer.
std::vector<std::string> Names(Client& client, const std::string& command, const json& props,
                               const char* field, bool keys) {
  std::vector<std::string> out;
  CallResult r = client.Call(command, props, kCompleteWordsTimeout);
  if (r.error != CallError::kNone || IsErrorReply(r.reply)) return out;
  const json value = r.reply.value(field, json());
  if (keys && value.is_object()) {
    for (const auto& item : value.items()) out.push_back(item.key());
  } else if (!keys && value.is_array()) {
    for (const json& n : value) {
      if (n.is_string()) out.push_back(n.get<std::string>());
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> CompleteWords(const std::vector<std::string>& words,
                                       const CompletionSource& source, std::string* endpoint) {
  if (words.empty()) return {};
  const std::string& text = words.back();
  size_t i = 0;
  bool value_pending = false;
  for (; i + 1 < words.size(); ++i) {
    const std::string& w = words[i];
    if (value_pending) {
      value_pending = false;
      if (endpoint && words[i - 1] == "--endpoint") *endpoint = w;
    } else if (w.rfind("--endpoint=", 0) == 0) {
      if (endpoint) *endpoint = w.substr(w.find('=') + 1);
    } else if (Contains(ValueFlags(), w)) {
      value_pending = true;
    } else if (!LooksLikeFlag(w)) {
      break;  // the command
    }
  }
  if (i + 1 == words.size()) {  // no command yet: the last word is a flag, its value or the command
    if (value_pending) return {};
    if (LooksLikeFlag(text)) {
      std::vector<std::string> flags = ValueFlags();
      flags.insert(flags.end(), SwitchFlags().begin(), SwitchFlags().end());
      return StartingWith(std::move(flags), text);
    }
    std::vector<std::string> out = CompletionCandidates({}, text, source);
    out.erase(std::remove(out.begin(), out.end(), "exit"), out.end());  // the shell's only
    return out;
  }
  const std::vector<std::string> before(words.begin() + static_cast<std::ptrdiff_t>(i),
                                        words.end() - 1);
  return CompletionCandidates(before, text, source);
}

int RunCompleteWords(const std::vector<std::string>& args) {
  std::vector<std::string> words = args;
  if (!words.empty() && words.front() == "--") words.erase(words.begin());
  std::string endpoint;
  if (const char* env = std::getenv("RINGMASTER_ENDPOINT"); env && *env) endpoint = env;
  std::unique_ptr<Client> client;
  auto connect = [&]() -> Client& {
    if (!client) client = std::make_unique<Client>(endpoint.empty() ? DefaultEndpoint() : endpoint);
    return *client;
  };
  CompletionSource source{
      [&] { return Names(connect(), "list", json::object(), "watchers", false); },
      [&](const std::string& watcher) {
        return Names(connect(), "options", {{"name", watcher}}, "options", true);
      }};
  for (const std::string& c : CompleteWords(words, source, &endpoint)) std::cout << c << '\n';
  return 0;
}

}  // namespace ringmaster
