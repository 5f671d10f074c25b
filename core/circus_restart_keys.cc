#include "core/circus_restart_keys.h"

namespace ringmaster {

std::vector<std::string> CircusKeysNeedingRestart(const CircusConfig& a, const CircusConfig& b) {
  std::vector<std::string> keys;
  auto check = [&keys](const char* key, bool differs) {
    if (differs) keys.emplace_back(key);
  };
  check("endpoint", a.endpoint != b.endpoint);
  check("pubsub_endpoint", a.pubsub_endpoint != b.pubsub_endpoint);
  check("stats_endpoint", a.stats_endpoint != b.stats_endpoint);
  check("statsd", a.statsd != b.statsd);
  check("multicast_endpoint", a.multicast_endpoint != b.multicast_endpoint);
  check("endpoint_owner", a.endpoint_owner != b.endpoint_owner);
  check("httpd", a.httpd != b.httpd);
  check("httpd_host", a.httpd_host != b.httpd_host);
  check("httpd_port", a.httpd_port != b.httpd_port);
  check("httpd_max_connections", a.httpd_max_connections != b.httpd_max_connections);
  check("httpd_max_connections_per_client",
        a.httpd_max_connections_per_client != b.httpd_max_connections_per_client);
  check("httpd_keep_alive_timeout", a.httpd_keep_alive_timeout != b.httpd_keep_alive_timeout);
  check("httpd_request_timeout", a.httpd_request_timeout != b.httpd_request_timeout);
  check("pidfile", a.pidfile != b.pidfile);
  check("loglevel", a.loglevel != b.loglevel);
  check("logoutput", a.logoutput != b.logoutput);
  check("umask", a.umask != b.umask);
  return keys;
}

void KeepStartupValues(const CircusConfig& a, CircusConfig* b) {
  b->endpoint = a.endpoint;
  b->pubsub_endpoint = a.pubsub_endpoint;
  b->stats_endpoint = a.stats_endpoint;
  b->statsd = a.statsd;
  b->multicast_endpoint = a.multicast_endpoint;
  b->endpoint_owner = a.endpoint_owner;
  b->httpd = a.httpd;
  b->httpd_host = a.httpd_host;
  b->httpd_port = a.httpd_port;
  b->httpd_max_connections = a.httpd_max_connections;
  b->httpd_max_connections_per_client = a.httpd_max_connections_per_client;
  b->httpd_keep_alive_timeout = a.httpd_keep_alive_timeout;
  b->httpd_request_timeout = a.httpd_request_timeout;
  b->pidfile = a.pidfile;
  b->loglevel = a.loglevel;
  b->logoutput = a.logoutput;
  b->umask = a.umask;
}

}  // namespace ringmaster
