// The sandbox's JQL parser on any bytes: it must answer a Query or a kInvalidArgument with Jira's
// wording and a position, never crash, loop or run out of stack.
#include <cstdint>
#include <string_view>

#include "sandbox/jql.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto query = sandbox::jql::Parse(text);
  if (!query.ok() && query.status().code() != core::Code::kInvalidArgument) {
    __builtin_trap();  // the only failure the contract allows
  }
  (void)sandbox::jql::Position(text, size / 2);
  return 0;
}
