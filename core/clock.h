// Clock: the one source of "now" for expiry decisions, so tests can move time by hand.
#pragma once

#include <chrono>

namespace core {

class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  // A process-wide instance; thread-safe.
  static const SystemClock& Instance();
};

}  // namespace core
