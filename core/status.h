// Status and Result<T>: the one error type of ringmaster. No exception crosses
// the event loop; adapters (inih, cppzmq, json) convert to these.
#ifndef RINGMASTER_CORE_STATUS_H_
#define RINGMASTER_CORE_STATUS_H_

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace ringmaster {

class Status {
 public:
  Status() = default;  // ok
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }
  // errno-style failure: "<what>: <strerror(err)>".
  static Status FromErrno(const std::string& what, int err);

  bool ok() const { return !message_.has_value(); }
  const std::string& message() const;

 private:
  explicit Status(std::string message) : message_(std::move(message)) {}
  std::optional<std::string> message_;
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit on purpose
  Result(Status error) : v_(std::move(error)) {}     // NOLINT: must not be ok
  bool ok() const { return v_.index() == 0; }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const { return value(); }
  const T* operator->() const { return &value(); }
  Status status() const { return ok() ? Status::Ok() : std::get<1>(v_); }
  const std::string& error() const { return std::get<1>(v_).message(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace ringmaster

#endif  // RINGMASTER_CORE_STATUS_H_
