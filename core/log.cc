#include "core/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace core {
namespace {

// %* is the message with control characters escaped: a value that came from a request or from
// upstream (a JSON-RPC method, Jira's text) cannot start a forged line of its own. A message
// past kMaxMessageBytes (a 100 kB issue key in a path) is cut, at a UTF-8 character boundary.
constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %*";
constexpr std::size_t kMaxMessageBytes = 8192;

class EscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm& /*time*/,
              spdlog::memory_buf_t& out) override {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string_view payload(message.payload.data(), message.payload.size());
    std::size_t cut = 0;
    if (payload.size() > kMaxMessageBytes) {
      std::size_t keep = kMaxMessageBytes;
      while (keep > 0 && (static_cast<unsigned char>(payload[keep]) & 0xc0U) == 0x80U) {
        --keep;  // not inside a multi-byte character
      }
      cut = payload.size() - keep;
      payload = payload.substr(0, keep);
    }
    for (const char c : payload) {
      const auto byte = static_cast<unsigned char>(c);
      if (c == '\n') {
        out.append(std::string_view("\\n"));
      } else if (c == '\r') {
        out.append(std::string_view("\\r"));
      } else if ((byte < 0x20 && c != '\t') || byte == 0x7f) {
        const char escaped[] = {'\\', 'x', kHex[byte >> 4], kHex[byte & 0xf]};
        out.append(escaped, escaped + sizeof(escaped));
      } else {
        out.push_back(c);
      }
    }
    if (cut > 0) {
      const std::string marker = "…[" + std::to_string(cut) + " bytes cut]";
      out.append(marker.data(), marker.data() + marker.size());
    }
  }

  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<EscapedMessage>();
  }
};

void UsePattern(spdlog::sinks::sink& sink) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<EscapedMessage>('*').set_pattern(kPattern);
  sink.set_formatter(std::move(formatter));
}

struct LogState {
  LogState() { UsePattern(*sink); }

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
  logger->set_level(state.level);  // the sink's formatter holds the pattern
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
  UsePattern(*sink);
  state.sink = sink;
  spdlog::apply_all(
      [&sink](const std::shared_ptr<spdlog::logger>& logger) { logger->sinks().assign(1, sink); });
}

}  // namespace core
