// ADF (as Jira might send it, or as an agent might) to markdown: any JSON value, nested as deep
// as the parser allows, must render or be refused by the shape check without crashing.
#include <cstdint>
#include <string_view>

#include "tools/adf.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const tools::Json adf = tools::Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (adf.is_discarded()) {
    return 0;
  }
  (void)tools::CheckAdfShape(adf);
  (void)tools::IsAdfDocument(adf);
  (void)tools::AdfToMarkdown(adf);
  return 0;
}
