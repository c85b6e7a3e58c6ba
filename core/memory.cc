#include "core/memory.h"

#include <condition_variable>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace core {
namespace {

thread_local bool noted_large = false;
thread_local bool holds_place = false;

std::mutex places_mutex;
std::condition_variable place_freed;
int places_taken = 0;

}  // namespace

void LimitRetainedMemory() {
#if defined(__GLIBC__)
  // NOLINTBEGIN(concurrency-mt-unsafe): called once at start, before any other thread runs
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(kMmapThresholdBytes));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(kTrimThresholdBytes));
  // NOLINTEND(concurrency-mt-unsafe)
#endif
}

void ReleaseFreeMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

void NoteBuffer(std::size_t bytes) {
  if (bytes >= kLargeRequestBytes) {
    noted_large = true;
  }
}

bool AdmitLargeBuffer(const std::atomic<bool>* cancelled, std::chrono::milliseconds wait) {
  if (holds_place) {
    return true;
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::unique_lock lock(places_mutex);
  while (places_taken >= kLargeBufferHolders) {
    if (cancelled != nullptr && cancelled->load()) {
      return false;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return false;
    }
    // Wakes at least every 50 ms to notice a cancellation.
    place_freed.wait_for(lock, std::min<std::chrono::steady_clock::duration>(
                                   deadline - now, std::chrono::milliseconds(50)));
  }
  ++places_taken;
  holds_place = true;
  return true;
}

void ReleaseNotedMemory() {
  if (holds_place) {
    holds_place = false;
    {
      std::lock_guard lock(places_mutex);
      --places_taken;
    }
    place_freed.notify_one();
  }
  if (noted_large) {
    noted_large = false;
    ReleaseFreeMemory();
  }
}

}  // namespace core
