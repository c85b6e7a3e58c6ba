#include "mcp/completion.h"

#include <algorithm>

namespace mcp {
namespace {

constexpr std::size_t kMaxValues = 100;  // the spec's limit per response

}  // namespace

Json CompletionToJson(const std::vector<std::string>& values) {
  const std::size_t shown = std::min(values.size(), kMaxValues);
  Json list = Json::array();
  for (std::size_t i = 0; i < shown; ++i) {
    list.push_back(values[i]);
  }
  return {
      {"values", std::move(list)}, {"total", values.size()}, {"hasMore", values.size() > shown}};
}

std::vector<std::string> CompleteByPrefix(const std::vector<std::string>& candidates,
                                          const std::string& prefix) {
  std::vector<std::string> matches;
  std::copy_if(candidates.begin(), candidates.end(), std::back_inserter(matches),
               [&prefix](const std::string& value) { return value.rfind(prefix, 0) == 0; });
  return matches;
}

}  // namespace mcp
