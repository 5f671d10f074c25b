// The daemon's pidfile: written at startup (mode 0644), removed at exit. A file
// naming another live process means another daemon runs: refuse to start.
#ifndef RINGMASTER_DAEMON_PIDFILE_H_
#define RINGMASTER_DAEMON_PIDFILE_H_

#include <string>

#include "core/status.h"

namespace ringmaster {

class Pidfile {
 public:
  Pidfile() = default;
  ~Pidfile();
  Pidfile(const Pidfile&) = delete;
  Pidfile& operator=(const Pidfile&) = delete;

  Status Create(const std::string& path);
  void Remove();

 private:
  std::string path_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_DAEMON_PIDFILE_H_
