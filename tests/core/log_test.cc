#include "core/log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>

#include "tests/fakes/capturing_sink.h"

namespace core {
namespace {

// A value from a request or from upstream (here a JSON-RPC method) cannot forge a log line:
// control characters in a message are escaped, and each record stays one line.
TEST(Log, ControlCharactersInAMessageCannotStartALineOfTheirOwn) {
  auto sink = std::make_shared<fakes::CapturingSink>();
  SetLogSink(sink);

  GetLogger("log_test")->warn("method={}", "x\n2026-01-01T00:00:00.000 critical FORGED\r\x01\tok");

  const std::string text = sink->Text();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("method=x\\n2026-01-01T00:00:00.000 critical FORGED\\r\\x01\tok"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("[log_test]"), std::string::npos) << text;
  SetLogSink(std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

// A value of any length (a 100 kB issue key in a logged path) makes a line of bounded length;
// the cut says how much was left out and never splits a UTF-8 character.
TEST(Log, ALongMessageIsCutAtACharacterBoundary) {
  auto sink = std::make_shared<fakes::CapturingSink>();
  SetLogSink(sink);

  GetLogger("log_test")->warn("path={}", "x" + std::string(60000, '\xc3') + "end");
  std::string long_message = "p==";
  for (int i = 0; i < 10000; ++i) {
    long_message += "\xc3\xa9";  // é
  }
  GetLogger("log_test")->warn("{}", long_message);

  const std::string text = sink->Text();
  EXPECT_LT(text.size(), std::size_t{2 * 8400}) << text.size();
  EXPECT_EQ(text.find("end"), std::string::npos);
  EXPECT_NE(text.find("bytes cut]"), std::string::npos);
  EXPECT_NE(text.find("\xc3\xa9…[11812 bytes cut]"), std::string::npos)
      << text.substr(text.size() - 80);
  SetLogSink(std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

}  // namespace
}  // namespace core
