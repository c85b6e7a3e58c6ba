// Handing memory back to the system after a large request or a large answer.
#pragma once

#include <cstddef>

namespace core {

// A request at least this large (a message of rich text as JSON) leaves the allocator holding
// tens of MiB once it is answered: parsed, copied into the request to Jira and read back. An
// answer from Jira this large does the same once parsed.
inline constexpr std::size_t kLargeRequestBytes = std::size_t{256} * 1024;

// Returns the memory that is free in the allocator's arenas to the system (glibc's malloc_trim),
// so that a burst of large requests does not keep the process at its peak once they are done.
// Costs a walk over the free memory: call it after large requests only.
void ReleaseFreeMemory();

// Records that the calling thread read a buffer of `bytes` (an answer from Jira); one of at least
// kLargeRequestBytes makes the next ReleaseNotedMemory on this thread release free memory.
void NoteBuffer(std::size_t bytes);

// Releases free memory if a large buffer was noted on this thread since the last call. Called
// when the work that held the buffer (a tool call) has ended and dropped it.
void ReleaseNotedMemory();

}  // namespace core
