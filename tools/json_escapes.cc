#include "tools/json_escapes.h"

#include <cstddef>

namespace tools {
namespace {

// "\uXXXX" is six characters long.
constexpr std::size_t kEscapeLength = 6;
constexpr std::string_view kReplacement = "\\uFFFD";

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// The code unit of the "\uXXXX" escape at `at`, or -1 when there is none there.
int CodeUnitAt(std::string_view json, std::size_t at) {
  if (json.size() - at < kEscapeLength || json[at] != '\\' || json[at + 1] != 'u') {
    return -1;
  }
  int unit = 0;
  for (std::size_t i = at + 2; i < at + kEscapeLength; ++i) {
    const int digit = HexValue(json[i]);
    if (digit < 0) {
      return -1;
    }
    unit = unit * 16 + digit;
  }
  return unit;
}

bool IsHighSurrogate(int unit) { return unit >= 0xD800 && unit <= 0xDBFF; }
bool IsLowSurrogate(int unit) { return unit >= 0xDC00 && unit <= 0xDFFF; }

}  // namespace

std::optional<std::string> ReplaceLoneSurrogates(std::string_view json) {
  std::string out;
  bool replaced = false;
  std::size_t copied = 0;  // json[0, copied) is already in `out`
  std::size_t at = json.find('\\');
  while (at != std::string_view::npos && at + 1 < json.size()) {
    const int unit = CodeUnitAt(json, at);
    if (IsHighSurrogate(unit) && IsLowSurrogate(CodeUnitAt(json, at + kEscapeLength))) {
      at = json.find('\\', at + 2 * kEscapeLength);  // a pair: keep both halves
      continue;
    }
    if (!IsHighSurrogate(unit) && !IsLowSurrogate(unit)) {
      at = json.find('\\', at + 2);  // any other escape, "\\" included, is two characters or more
      continue;
    }
    out.append(json.substr(copied, at - copied));
    out.append(kReplacement);
    copied = at + kEscapeLength;
    replaced = true;
    at = json.find('\\', copied);
  }
  if (!replaced) {
    return std::nullopt;
  }
  out.append(json.substr(copied));
  return out;
}

}  // namespace tools
