// Jira's answers are parsed by simdjson and built as nlohmann::json (tools/fast_json.h): for any
// text, with or without the issue field filter, the result must be exactly nlohmann's own.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "tools/fast_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  static const std::vector<std::string> keep = {"summary", "status"};
  for (const std::vector<std::string>* filter :
       {static_cast<const std::vector<std::string>*>(nullptr), &keep}) {
    const nlohmann::json fast = tools::ParseJsonFast(text, filter);
    const nlohmann::json slow = tools::ParseJsonSlow(text, filter);
    if (fast.is_discarded() != slow.is_discarded() ||
        (!fast.is_discarded() && fast.dump() != slow.dump())) {
      std::abort();
    }
  }
  return 0;
}
