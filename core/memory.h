// Handing memory back to the system after a large request.
#pragma once

#include <cstddef>

namespace core {

// A request at least this large (a message of rich text as JSON) leaves the allocator holding
// tens of MiB once it is answered: parsed, copied into the request to Jira and read back.
inline constexpr std::size_t kLargeRequestBytes = std::size_t{256} * 1024;

// Returns the memory that is free in the allocator's arenas to the system (glibc's malloc_trim),
// so that a burst of large requests does not keep the process at its peak once they are done.
// Costs a walk over the free memory: call it after large requests only.
void ReleaseFreeMemory();

}  // namespace core
