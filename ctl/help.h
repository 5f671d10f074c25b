// ringctl's help texts, generated from the shared command spec table
// (core/command_spec.h) plus ringctl's positional layouts (ctl/args.h), so the
// help can never drift from what the parser accepts. Pure.
#ifndef RINGMASTER_CTL_HELP_H_
#define RINGMASTER_CTL_HELP_H_

#include <string>

namespace ringmaster {

// The command list with synopses and one-line summaries (`ringctl help`).
std::string CommandListHelp();

// Usage, summary, arguments and flags of one command (`ringctl help CMD`);
// `name` must be a known command, "help" or "listen".
std::string CommandHelp(const std::string& name);

// "usage: ringctl incr NAME [NB] [flags]" for usage-error messages.
std::string UsageLine(const std::string& name);

// "ringctl: <error>\n" plus the command's usage line when `command` is
// known: what a usage error (exit 2) prints to stderr.
std::string UsageErrorText(const std::string& command, const std::string& error);

// Endpoint rules and exit codes: the footer of `ringctl --help`.
std::string GlobalHelpFooter();

}  // namespace ringmaster

#endif  // RINGMASTER_CTL_HELP_H_
