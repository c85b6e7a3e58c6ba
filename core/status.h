// Status and Result<T>: the error currency at every module boundary.
//
// A Status keeps two texts apart: `message()` is safe to show to a client (an MCP agent, an HTTP
// caller); `detail()` is for our logs only and may name hosts, upstream bodies or reasons that a
// client must not see. Neither may ever hold a secret.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace core {

enum class Code {
  kOk,
  kInvalidArgument,     // the caller's input is wrong; retrying unchanged will not help
  kNotFound,            // the thing named does not exist (or is not visible to the caller)
  kUnauthenticated,     // no or bad credentials
  kPermissionDenied,    // credentials are fine but not allowed
  kFailedPrecondition,  // the system is not in a state that allows this (consent, no site, ...)
  kConflict,            // the write collides with the current state
  kResourceExhausted,   // rate limit or size budget spent
  kUnavailable,         // upstream down or answering 5xx; may work later
  kDeadlineExceeded,    // took too long
  kConnectionLost,      // the connection broke after the request went out: it may have taken effect
  kCancelled,           // the caller gave up
  kInternal,            // our own fault
};

// Stable lowercase name of a code, for logs and structured errors ("invalid_argument").
const char* CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message, std::string detail = {})
      : code_(code), message_(std::move(message)), detail_(std::move(detail)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& detail() const { return detail_; }

  // Returns a copy whose client text is prefixed with `context` ("creating the issue: ...").
  Status WithContext(const std::string& context) const {
    return {code_, context + ": " + message_, detail_};
  }

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string detail_;
};

// Either a value or a non-ok Status. Shaped like std::expected, which g++ 12 lacks. Kept as an
// optional value beside a Status (not a variant), which the static analyzer follows.
template <typename T>
class [[nodiscard]] Result {
 public:
  // NOLINTNEXTLINE(google-explicit-constructor): implicit like std::expected, so `return value;`
  Result(T value) : value_(std::move(value)) {}
  // NOLINTNEXTLINE(google-explicit-constructor): implicit like std::unexpected, `return status;`
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    assert(ok());
    return *value_;  // NOLINT(bugprone-unchecked-optional-access): callers check ok()
  }
  T& value() & {
    assert(ok());
    return *value_;  // NOLINT(bugprone-unchecked-optional-access): callers check ok()
  }
  T&& value() && {
    assert(ok());
    return *std::move(value_);  // NOLINT(bugprone-unchecked-optional-access): callers check ok()
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // The error; an ok Result answers Status::Ok().
  Status status() const { return status_; }

 private:
  std::optional<T> value_;
  Status status_;  // ok exactly when value_ holds a value
};

}  // namespace core
