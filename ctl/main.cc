// ringctl: the command-line client of ringmasterd (supervisorctl/circusctl
// style). Global flags are parsed here with CLI11; the command and its
// arguments by ctl/args.h against the shared spec table.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "core/endpoints.h"
#include "ctl/args.h"
#include "ctl/client.h"
#include "ctl/complete_words.h"
#include "ctl/help.h"
#include "ctl/runner.h"
#include "ctl/shell.h"

#ifndef RINGMASTER_VERSION
#define RINGMASTER_VERSION "unknown"
#endif

namespace ringmaster {
namespace {

// CLI11 only knows the global flags; the usage line must also show that a
// command follows (or none, for the shell).
class UsageFormatter : public CLI::Formatter {
 public:
  std::string make_usage(const CLI::App*, std::string) const override {
    return "Usage: ringctl [--endpoint E] [--timeout S] [--json] [--wait] [COMMAND [ARGS...]]\n";
  }
};

int Main(int argc, char** argv) {
  // The completion scripts' entry point, before CLI11 sees the words.
  if (argc > 1 && argv[1] == kCompleteWordsFlag) {
    return RunCompleteWords(std::vector<std::string>(argv + 2, argv + argc));
  }
  CLI::App app{"ringctl: control a running ringmasterd (Circus-compatible protocol).", "ringctl"};
  // Everything from the first non-flag word on is the command and its own
  // arguments, which follow the command's spec rather than CLI11 rules.
  app.prefix_command();
  app.formatter(std::make_shared<UsageFormatter>());
  app.footer(GlobalHelpFooter());
  app.set_version_flag("--version", std::string("ringctl ") + RINGMASTER_VERSION);

  GlobalOptions globals;
  double timeout = 0;
  app.add_option("--endpoint", globals.endpoint,
                 "control endpoint, e.g. ipc:///run/ringmaster/control.sock or "
                 "tcp://127.0.0.1:5555 (default: $RINGMASTER_ENDPOINT, else the daemon's default)")
      ->envname("RINGMASTER_ENDPOINT");
  app.add_option("--pubsub-endpoint", globals.pubsub_endpoint,
                 "events endpoint for 'listen' (default: $RINGMASTER_PUBSUB_ENDPOINT, else asked "
                 "from the daemon)")
      ->envname("RINGMASTER_PUBSUB_ENDPOINT");
  CLI::Option* timeout_opt =
      app.add_option("--timeout", timeout,
                     "seconds to wait for the reply (default 5; 3600 with --wait)")
          ->check(CLI::PositiveNumber);
  app.add_flag("--json", globals.json, "print the raw JSON reply on one line");
  app.add_flag("--wait,--waiting", globals.wait,
               "send waiting=true: return when the operation has finished, with its result");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (timeout_opt->count() > 0) globals.timeout = timeout;
  if (globals.endpoint.empty()) globals.endpoint = DefaultEndpoint();

  std::vector<std::string> words = app.remaining();
  Client client(globals.endpoint);
  if (words.empty()) return RunShell(globals, client);
  if (LooksLikeFlag(words.front())) {
    std::cerr << "ringctl: unknown option '" << words.front() << "' (see 'ringctl --help')\n";
    return kExitUsage;
  }
  Result<Invocation> inv = ParseCommandWords(words, &globals);
  if (!inv.ok()) {
    std::cerr << UsageErrorText(words.front(), inv.error());
    return kExitUsage;
  }
  return RunInvocation(inv.value(), globals, client);
}

}  // namespace
}  // namespace ringmaster

int main(int argc, char** argv) { return ringmaster::Main(argc, argv); }
