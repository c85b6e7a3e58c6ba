// CapturingSink: an spdlog sink that keeps every formatted line, so a test can read the logs.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <mutex>
#include <string>
#include <vector>

namespace fakes {

class CapturingSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::string Text() {
    std::lock_guard lock(this->mutex_);
    std::string all;
    for (const auto& line : lines_) {
      all += line;
    }
    return all;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(message, formatted);
    lines_.emplace_back(formatted.data(), formatted.size());
  }
  void flush_() override {}

 private:
  std::vector<std::string> lines_;
};

}  // namespace fakes
