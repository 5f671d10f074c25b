#include "core/status.h"

#include <cstring>

namespace ringmaster {

Status Status::FromErrno(const std::string& what, int err) {
  return Status(what + ": " + std::strerror(err));
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return message_ ? *message_ : kEmpty;
}

}  // namespace ringmaster
