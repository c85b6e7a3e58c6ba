#include "core/memory.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace core {
namespace {

thread_local bool noted_large = false;

}  // namespace

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

void ReleaseNotedMemory() {
  if (noted_large) {
    noted_large = false;
    ReleaseFreeMemory();
  }
}

}  // namespace core
