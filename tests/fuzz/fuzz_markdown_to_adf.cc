// Markdown to ADF on any bytes. Properties: the result always passes our own ADF shape check (it
// goes to Jira unchanged), and it renders back to markdown that converts again just as well.
#include <cstdint>
#include <string_view>

#include "tools/adf.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view markdown(reinterpret_cast<const char*>(data), size);
  const tools::Json adf = tools::MarkdownToAdf(markdown);
  if (!tools::CheckAdfShape(adf).ok() || !tools::IsAdfDocument(adf)) {
    __builtin_trap();
  }
  const std::string back = tools::AdfToMarkdown(adf);
  if (!tools::CheckAdfShape(tools::MarkdownToAdf(back)).ok()) {
    __builtin_trap();
  }
  (void)adf.dump(-1, ' ', false, tools::Json::error_handler_t::replace);
  return 0;
}
