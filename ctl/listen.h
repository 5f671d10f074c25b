// `ringctl listen [TOPIC]`: subscribes to the daemon's event PUB socket
// (docs/protocol.md §8) with a prefix subscription and prints one
// "<topic> <json>" line per event until SIGINT/SIGTERM. Main thread only.
#ifndef RINGMASTER_CTL_LISTEN_H_
#define RINGMASTER_CTL_LISTEN_H_

#include <string>

#include "ctl/args.h"
#include "ctl/client.h"

namespace ringmaster {

// The events endpoint: globals.pubsub_endpoint if set, else the daemon's own
// pubsub_endpoint (asked with `globaloptions` through `client`), else
// DefaultPubsubEndpoint(). A wildcard bind address is turned into loopback.
std::string ResolvePubsubEndpoint(const GlobalOptions& globals, Client& client);

// "tcp://*:5556" -> "tcp://127.0.0.1:5556": the daemon binds, we connect.
std::string ConnectableEndpoint(const std::string& bound);

// Returns 0 after SIGINT/SIGTERM, 3 if the SUB socket cannot connect.
int RunListen(const std::string& topic, const GlobalOptions& globals, Client& client);

}  // namespace ringmaster

#endif  // RINGMASTER_CTL_LISTEN_H_
