#include "core/memory.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

namespace core {
namespace {

using std::chrono::milliseconds;

// Holds a place from its own thread until `done` is set.
std::thread Holder(std::promise<void>& admitted, const std::shared_future<void>& done) {
  return std::thread([&admitted, done] {
    EXPECT_TRUE(AdmitLargeBuffer(nullptr, milliseconds(1000)));
    admitted.set_value();
    done.wait();
    ReleaseNotedMemory();
  });
}

TEST(LargeBuffers, AtMostTheHoldersAtOnceAndAPlaceComesBackAtTheEndOfTheCall) {
  std::promise<void> finish;
  const std::shared_future<void> done = finish.get_future().share();
  std::vector<std::promise<void>> admitted(kLargeBufferHolders);
  std::vector<std::thread> holders;
  holders.reserve(admitted.size());
  for (auto& promise : admitted) {
    holders.push_back(Holder(promise, done));
    promise.get_future().wait();
  }

  // Every place is taken: a further thread waits, and gives up when its wait is over.
  EXPECT_FALSE(std::async(std::launch::async, [] {
                 return AdmitLargeBuffer(nullptr, milliseconds(100));
               }).get());
  // A cancelled wait ends at once.
  std::atomic<bool> cancelled{true};
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(std::async(std::launch::async, [&cancelled] {
                 return AdmitLargeBuffer(&cancelled, milliseconds(5000));
               }).get());
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(2000));

  // A waiting thread gets the place a finished call gives back.
  auto waiting = std::async(std::launch::async, [] {
    const bool got = AdmitLargeBuffer(nullptr, milliseconds(10000));
    ReleaseNotedMemory();
    return got;
  });
  finish.set_value();
  EXPECT_TRUE(waiting.get());
  for (auto& holder : holders) {
    holder.join();
  }
}

TEST(LargeBuffers, AThreadThatHoldsAPlaceIsAdmittedAgainWithoutTakingAnother) {
  for (int i = 0; i < kLargeBufferHolders + 2; ++i) {
    EXPECT_TRUE(AdmitLargeBuffer(nullptr, milliseconds(0)));
  }
  ReleaseNotedMemory();
  // All places are free again: as many other threads as there are places get one at once.
  std::vector<std::future<bool>> others;
  others.reserve(kLargeBufferHolders);
  std::promise<void> finish;
  const std::shared_future<void> done = finish.get_future().share();
  for (int i = 0; i < kLargeBufferHolders; ++i) {
    others.push_back(std::async(std::launch::async, [done] {
      const bool got = AdmitLargeBuffer(nullptr, milliseconds(0));
      done.wait();
      ReleaseNotedMemory();
      return got;
    }));
  }
  finish.set_value();
  for (auto& other : others) {
    EXPECT_TRUE(other.get());
  }
}

}  // namespace
}  // namespace core
