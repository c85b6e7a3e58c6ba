// Handing memory back to the system after a large request or a large answer, and a bound on how
// many calls at once hold a large answer.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>

namespace core {

// A request at least this large (a message of rich text as JSON) leaves the allocator holding
// tens of MiB once it is answered: parsed, copied into the request to Jira and read back. An
// answer from Jira this large does the same once parsed.
inline constexpr std::size_t kLargeRequestBytes = std::size_t{256} * 1024;

// glibc raises its thresholds after a large block is freed: blocks up to twice that size then
// come from the arenas, and an arena's free top is kept up to twice that again (up to 64 MiB
// each). A thread's arena other than the main one gives its top back only then, not on
// malloc_trim: after a burst of large answers on several threads, the process kept some 150 MiB
// it no longer used. LimitRetainedMemory (once, at start) fixes both thresholds: a block of
// kMmapThresholdBytes or more is mapped on its own and unmapped when freed, and an arena's top
// goes back past kTrimThresholdBytes. Call it before any other thread starts.
inline constexpr std::size_t kMmapThresholdBytes = std::size_t{256} * 1024;
inline constexpr std::size_t kTrimThresholdBytes = std::size_t{1} << 20;
void LimitRetainedMemory();

// Returns the memory that is free in the allocator's arenas to the system (glibc's malloc_trim),
// so that a burst of large requests does not keep the process at its peak once they are done.
// Costs a walk over the free memory: call it after large requests only.
void ReleaseFreeMemory();

// Records that the calling thread read a buffer of `bytes` (an answer from Jira); one of at least
// kLargeRequestBytes makes the next ReleaseNotedMemory on this thread release free memory.
void NoteBuffer(std::size_t bytes);

// A buffer this large is admitted (AdmitLargeBuffer) before it is parsed: parsed JSON takes about
// twelve times its text, so a Jira answer at the 16 MiB cap holds some 200 MiB.
inline constexpr std::size_t kLargeBufferBytes = std::size_t{1} << 20;
// How many threads at once may hold large buffers; the others wait for a place.
inline constexpr int kLargeBufferHolders = 4;

// Gives the calling thread one of the kLargeBufferHolders places, which it keeps until its next
// ReleaseNotedMemory (the end of its tool call); a thread that holds one already keeps it. Waits
// up to `wait` for a place while `cancelled` (may be null) stays false; false if none came.
bool AdmitLargeBuffer(const std::atomic<bool>* cancelled, std::chrono::milliseconds wait);

// Called when the work that held the buffers (a tool call) has ended and dropped them: gives back
// the thread's place, if it holds one, and releases free memory if a large buffer was noted on
// this thread since the last call.
void ReleaseNotedMemory();

}  // namespace core
