// Logging: one named spdlog logger per module, all writing to stderr (stdout is protocol only).
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace core {

// Returns the logger named `module` ("mcp", "auth", "jira", ...), creating it on first use with
// the process's sink and level. Thread-safe.
std::shared_ptr<spdlog::logger> GetLogger(const std::string& module);

// Sets the level of every logger, present and future. Accepts spdlog's names
// ("trace" ... "critical", "off"); returns false for an unknown name.
bool SetLogLevel(const std::string& level);

// Replaces the sink of every logger, present and future (tests use a capturing sink).
void SetLogSink(spdlog::sink_ptr sink);

}  // namespace core
