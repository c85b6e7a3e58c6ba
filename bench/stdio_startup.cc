// Measures jira-mcp's start-up over stdio: from launching the process to the `initialize`
// answer and to the `tools/list` answer, over N cold starts; and the process's peak RSS at ready.
//
// usage: bench_stdio_startup [--runs N] [--] SERVER [ARGS...]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "bench/measure.h"
#include "mcp/stdio_client.h"

namespace {

using bench::Clock;
using bench::Millis;
using bench::PeakRssKib;
using bench::Percentile;

struct Sample {
  double to_initialize;
  double to_tools_list;
  long rss_kib;
  std::size_t tools;
  std::size_t list_bytes;
};

bool RunOnce(const std::vector<std::string>& argv, Sample& sample) {
  const auto start = Clock::now();
  auto client = mcp::StdioClient::Launch({.argv = argv, .inherit_stderr = false});
  if (!client.ok()) {
    std::fprintf(stderr, "%s\n", client.status().message().c_str());
    return false;
  }
  auto init = (*client)->Initialize();
  const auto initialized = Clock::now();
  auto list = (*client)->Request("tools/list", mcp::Json::object());
  const auto listed = Clock::now();
  if (!init.ok() || !list.ok()) {
    std::fprintf(stderr, "session failed: %s\n",
                 (init.ok() ? list.status() : init.status()).message().c_str());
    return false;
  }
  sample = {Millis(initialized - start), Millis(listed - start), PeakRssKib((*client)->pid()),
            (*list)["tools"].size(), mcp::Serialize((*list)["tools"]).size()};
  (*client)->Close();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  int first = 1;
  if (argc > 2 && std::string(argv[1]) == "--runs") {
    runs = std::max(1, std::stoi(argv[2]));
    first = 3;
  }
  if (first < argc && std::string(argv[first]) == "--") {
    ++first;
  }
  if (first >= argc) {
    std::fprintf(stderr, "usage: %s [--runs N] [--] SERVER [ARGS...]\n", argv[0]);
    return 2;
  }
  const std::vector<std::string> server(argv + first, argv + argc);

  std::vector<double> to_initialize;
  std::vector<double> to_list;
  Sample sample{};
  for (int i = 0; i < runs; ++i) {
    if (!RunOnce(server, sample)) {
      return 1;
    }
    to_initialize.push_back(sample.to_initialize);
    to_list.push_back(sample.to_tools_list);
  }
  const std::string title = "stdio start-up, " + std::to_string(runs) + " runs";
  std::printf("%-34s %10s %10s %10s\n", title.c_str(), "median", "p90", "min");
  std::printf("%-34s %8.2fms %8.2fms %8.2fms\n", "launch -> initialize answered",
              Percentile(to_initialize, 0.5), Percentile(to_initialize, 0.9),
              Percentile(to_initialize, 0.0));
  std::printf("%-34s %8.2fms %8.2fms %8.2fms\n", "launch -> tools/list answered",
              Percentile(to_list, 0.5), Percentile(to_list, 0.9), Percentile(to_list, 0.0));
  std::printf("%-34s %9.1fMiB\n", "peak RSS at ready", static_cast<double>(sample.rss_kib) / 1024);
  std::printf("%-34s %10zu\n", "tools listed", sample.tools);
  std::printf("%-34s %10zu\n", "tools/list bytes", sample.list_bytes);
  return 0;
}
