// Secret: a credential (token, client secret, Authorization header value) that cannot be logged.
//
// There is deliberately no fmt formatter, no operator<< and no implicit conversion to a string,
// so `spdlog::info("{}", secret)` does not compile. Code that must send the value calls
// `Reveal()` at the one place it goes on the wire. Logs may show `Fingerprint()`: the first 8 hex
// digits of its SHA-256, enough to tell two tokens apart and useless for replay.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace core {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.value_.clear(); }
  Secret& operator=(Secret&& other) noexcept {
    value_ = std::move(other.value_);
    other.value_.clear();
    return *this;
  }
  ~Secret();

  bool empty() const { return value_.empty(); }
  const std::string& Reveal() const { return value_; }
  std::string Fingerprint() const;
  // `text` with every occurrence of this secret replaced by "[redacted]": for upstream text
  // (an error page, an error_description) that may echo the credential it was sent.
  std::string RedactFrom(std::string text) const;

  friend bool operator==(const Secret& a, const Secret& b) { return a.value_ == b.value_; }

 private:
  std::string value_;
};

}  // namespace core
