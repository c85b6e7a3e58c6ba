// Markdown to ADF on any bytes. Properties: within the size limits the result always passes our
// own ADF shape check (it goes to Jira unchanged), and it renders back to markdown that converts
// again just as well (unless the rendering is past the limits: a padded table grows).
#include <cstdint>
#include <string_view>

#include "tools/adf.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view markdown(reinterpret_cast<const char*>(data), size);
  const auto adf = tools::MarkdownToAdf(markdown);
  if (!adf.ok()) {
    if (adf.status().code() != core::Code::kInvalidArgument) {
      __builtin_trap();
    }
    return 0;
  }
  if (!tools::CheckAdfShape(*adf).ok() || !tools::IsAdfDocument(*adf)) {
    __builtin_trap();
  }
  const auto again = tools::MarkdownToAdf(tools::AdfToMarkdown(*adf));
  if (again.ok() ? !tools::CheckAdfShape(*again).ok()
                 : again.status().code() != core::Code::kInvalidArgument) {
    __builtin_trap();
  }
  (void)adf->dump(-1, ' ', false, tools::Json::error_handler_t::replace);
  return 0;
}
