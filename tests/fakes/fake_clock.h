// FakeClock: a clock that moves only when the test says so. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>

#include "core/clock.h"

namespace fakes {

class FakeClock : public core::Clock {
 public:
  // Starts at 2026-01-01T00:00:00Z.
  FakeClock() : now_(std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}) {}

  TimePoint Now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }

  void Advance(std::chrono::system_clock::duration by) {
    std::lock_guard lock(mutex_);
    now_ += by;
  }

  void Set(TimePoint to) {
    std::lock_guard lock(mutex_);
    now_ = to;
  }

 private:
  mutable std::mutex mutex_;
  TimePoint now_;
};

}  // namespace fakes
