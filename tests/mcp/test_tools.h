// A small registry of test tools for protocol tests: echo, fail, slow (cancellable), progress.
#pragma once

#include <chrono>
#include <memory>
#include <thread>

#include "mcp/tool_registry.h"

namespace mcp::testing {

inline ToolDefinition EchoTool() {
  ToolDefinition tool;
  tool.name = "echo";
  tool.title = "Echo";
  tool.description = "Returns its text.";
  tool.annotations = {
      .read_only = true, .destructive = false, .idempotent = true, .open_world = false};
  tool.input_schema = Json::parse(
      R"({"type":"object","additionalProperties":false,"required":["text"],
          "properties":{"text":{"type":"string"}}})");
  tool.output_schema = Json::parse(R"({"type":"object","properties":{"text":{"type":"string"}}})");
  tool.handler = [](const Json& arguments, const CallContext&) {
    const std::string text = arguments["text"];
    return ToolResult::Success(text, {{"text", text}});
  };
  return tool;
}

inline ToolDefinition SlowTool() {
  ToolDefinition tool;
  tool.name = "slow";
  tool.description = "Waits until cancelled (at most 10 s), reporting progress.";
  tool.input_schema = Json::parse(R"({"type":"object","properties":{}})");
  tool.output_schema = Json::parse(R"({"type":"object","properties":{}})");
  tool.handler = [](const Json&, const CallContext& context) {
    context.ReportProgress(1, 2, "started");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!context.cancelled() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return context.cancelled() ? ToolResult::Error("cancelled")
                               : ToolResult::Success("done", Json::object());
  };
  return tool;
}

inline ToolDefinition NumberedTool(int n) {
  ToolDefinition tool = EchoTool();
  tool.name = "echo_" + std::to_string(n);
  return tool;
}

inline std::shared_ptr<ToolRegistry> TestRegistry(int extra = 0) {
  auto registry = std::make_shared<ToolRegistry>();
  (void)registry->Add(EchoTool());
  (void)registry->Add(SlowTool());
  for (int i = 0; i < extra; ++i) {
    (void)registry->Add(NumberedTool(i));
  }
  return registry;
}

}  // namespace mcp::testing
