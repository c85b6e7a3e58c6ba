// A one-shot signal between threads: a tool handler on a worker thread and the test that steers
// it. Open() is sticky; WaitOpen() returns false when the timeout passes first.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace fakes {

class Gate {
 public:
  void Open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

  bool WaitOpen(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

}  // namespace fakes
