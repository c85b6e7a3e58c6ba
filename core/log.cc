#include "core/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>

namespace core {
namespace {

constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v";

struct LogState {
  std::mutex mutex;
  spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  spdlog::level::level_enum level = spdlog::level::info;
};

LogState& State() {
  static LogState state;
  return state;
}

}  // namespace

std::shared_ptr<spdlog::logger> GetLogger(const std::string& module) {
  auto& state = State();
  std::lock_guard lock(state.mutex);
  if (auto existing = spdlog::get(module)) {
    return existing;
  }
  auto logger = std::make_shared<spdlog::logger>(module, state.sink);
  logger->set_level(state.level);
  logger->set_pattern(kPattern);
  spdlog::register_logger(logger);
  return logger;
}

bool SetLogLevel(const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    return false;
  }
  auto& state = State();
  std::lock_guard lock(state.mutex);
  state.level = parsed;
  spdlog::apply_all(
      [parsed](const std::shared_ptr<spdlog::logger>& logger) { logger->set_level(parsed); });
  return true;
}

void SetLogSink(spdlog::sink_ptr sink) {
  auto& state = State();
  std::lock_guard lock(state.mutex);
  sink->set_pattern(kPattern);
  state.sink = sink;
  spdlog::apply_all(
      [&sink](const std::shared_ptr<spdlog::logger>& logger) { logger->sinks().assign(1, sink); });
}

}  // namespace core
