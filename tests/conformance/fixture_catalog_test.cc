// The conformance fixtures through the real dispatcher, in both eras: what the suite's scenarios
// do, without the suite (it needs HTTP and Node 22).
#include "tests/conformance/fixture_catalog.h"

#include <gtest/gtest.h>

#include <set>

namespace conformance {
namespace {

using mcp::Json;

class FixtureTest : public ::testing::Test {
 protected:
  Json Send(Json params, const std::string& method) {
    mcp::Message message;
    message.id = next_id_++;
    message.method = method;
    message.params = std::move(params);
    return server_.Handle(message, scope_).value_or(Json());
  }

  Json Legacy(const std::string& method, Json params = Json::object()) {
    if (!session_.initialized()) {
      Send({{"protocolVersion", "2025-11-25"}, {"capabilities", legacy_capabilities_}},
           "initialize");
    }
    return Send(std::move(params), method);
  }

  Json Modern(const std::string& method, Json params = Json::object(),
              Json capabilities = {{"sampling", Json::object()},
                                   {"elicitation", Json::object()},
                                   {"roots", Json::object()}}) {
    params["_meta"]["io.modelcontextprotocol/protocolVersion"] = "2026-07-28";
    params["_meta"]["io.modelcontextprotocol/clientCapabilities"] = std::move(capabilities);
    return Send(std::move(params), method);
  }

  Json CallModern(const std::string& tool, Json extra = Json::object()) {
    extra["name"] = tool;
    extra["arguments"] = Json::object();
    return Modern("tools/call", std::move(extra));
  }

  int next_id_ = 1;
  Json legacy_capabilities_ = Json::object();
  mcp::Session session_;
  mcp::RequestScope scope_{core::Principal{}, &session_, nullptr, nullptr};
  mcp::Server server_{mcp::ServerInfo{.name = "fixture", .version = "1"}, FixtureCatalog(),
                      mcp::Server::Options{}};
};

TEST_F(FixtureTest, ListsEveryToolTheSuiteCalls) {
  const Json list = Legacy("tools/list");
  std::set<std::string> names;
  for (const Json& tool : list["result"]["tools"]) {
    names.insert(tool["name"].get<std::string>());
  }

  for (const char* expected : {"test_simple_text",
                               "test_image_content",
                               "test_audio_content",
                               "test_embedded_resource",
                               "test_multiple_content_types",
                               "test_tool_with_logging",
                               "test_error_handling",
                               "test_tool_with_progress",
                               "test_sampling",
                               "test_elicitation",
                               "test_elicitation_sep1034_defaults",
                               "test_elicitation_sep1330_enums",
                               "test_missing_capability",
                               "test_streaming_elicitation",
                               "test_logging_tool",
                               "test_input_required_result_elicitation",
                               "test_input_required_result_sampling",
                               "test_input_required_result_list_roots",
                               "test_input_required_result_request_state",
                               "test_input_required_result_multiple_inputs",
                               "test_input_required_result_multi_round",
                               "test_input_required_result_tampered_state",
                               "test_input_required_result_capabilities"}) {
    EXPECT_TRUE(names.count(expected)) << expected;
  }
}

TEST_F(FixtureTest, AdvertisesPromptsResourcesSubscriptionsAndCompletions) {
  const Json capabilities =
      Send({{"protocolVersion", "2025-11-25"}}, "initialize")["result"]["capabilities"];

  EXPECT_TRUE(capabilities.contains("prompts"));
  EXPECT_EQ(capabilities["resources"]["subscribe"], true);
  EXPECT_TRUE(capabilities.contains("completions"));
  EXPECT_FALSE(server_.Capabilities(mcp::Era::kModern)["resources"].contains("subscribe"));
}

TEST_F(FixtureTest, ReadsTextBinaryAndTemplateResources) {
  const Json text = Legacy("resources/read", {{"uri", "test://static-text"}})["result"];
  const Json blob = Legacy("resources/read", {{"uri", "test://static-binary"}})["result"];
  const Json tpl = Legacy("resources/read", {{"uri", "test://template/123/data"}})["result"];

  EXPECT_EQ(text["contents"][0]["text"], "This is the content of the static text resource.");
  EXPECT_EQ(blob["contents"][0]["blob"], kPngBase64);
  EXPECT_EQ(Json::parse(tpl["contents"][0]["text"].get<std::string>())["id"], "123");
  EXPECT_EQ(tpl["contents"][0]["uri"], "test://template/123/data");
}

TEST_F(FixtureTest, PromptSubstitutesArgumentsAndCompletes) {
  const Json prompt = Legacy("prompts/get", {{"name", "test_prompt_with_arguments"},
                                             {"arguments", {{"arg1", "a"}, {"arg2", "b"}}}});
  const Json completion =
      Legacy("completion/complete",
             {{"ref", {{"type", "ref/prompt"}, {"name", "test_prompt_with_arguments"}}},
              {"argument", {{"name", "arg1"}, {"value", "par"}}}});

  EXPECT_EQ(prompt["result"]["messages"][0]["content"]["text"],
            "Prompt with arguments: arg1='a', arg2='b'");
  EXPECT_EQ(completion["result"]["completion"]["values"], Json({"paris", "park", "party"}));
}

TEST_F(FixtureTest, ModernElicitationTakesTwoRounds) {
  const Json first = CallModern("test_input_required_result_elicitation")["result"];
  const Json second =
      CallModern("test_input_required_result_elicitation",
                 {{"inputResponses",
                   {{"user_name", {{"action", "accept"}, {"content", {{"name", "Alice"}}}}}}},
                  {"requestState", first["requestState"]}})["result"];

  EXPECT_EQ(first["resultType"], "input_required");
  EXPECT_EQ(first["inputRequests"]["user_name"]["method"], "elicitation/create");
  EXPECT_EQ(second["resultType"], "complete");
  EXPECT_EQ(second["content"][0]["text"], "Hello, Alice!");
}

TEST_F(FixtureTest, ModernMultiRoundCarriesEarlierAnswersInState) {
  const Json r1 = CallModern("test_input_required_result_multi_round")["result"];
  const Json r2 = CallModern(
      "test_input_required_result_multi_round",
      {{"inputResponses", {{"step1", {{"action", "accept"}, {"content", {{"name", "Alice"}}}}}}},
       {"requestState", r1["requestState"]}})["result"];
  const Json r3 = CallModern(
      "test_input_required_result_multi_round",
      {{"inputResponses", {{"step2", {{"action", "accept"}, {"content", {{"color", "blue"}}}}}}},
       {"requestState", r2["requestState"]}})["result"];

  EXPECT_TRUE(r2["inputRequests"].contains("step2"));
  EXPECT_NE(r1["requestState"], r2["requestState"]);
  EXPECT_EQ(r3["resultType"], "complete");
  EXPECT_EQ(r3["content"][0]["text"], "Alice likes blue");
}

TEST_F(FixtureTest, ModernMultipleInputsComeInOneRound) {
  const Json result = CallModern("test_input_required_result_multiple_inputs")["result"];

  EXPECT_EQ(result["inputRequests"].size(), 3U);
  EXPECT_EQ(result["inputRequests"]["greeting"]["method"], "sampling/createMessage");
  EXPECT_EQ(result["inputRequests"]["client_roots"]["method"], "roots/list");
}

TEST_F(FixtureTest, ModernTamperedStateIsRefused) {
  const Json first = CallModern("test_input_required_result_tampered_state")["result"];

  const Json answer = CallModern(
      "test_input_required_result_tampered_state",
      {{"inputResponses", {{"confirm", {{"action", "accept"}, {"content", {{"ok", true}}}}}}},
       {"requestState", first["requestState"].get<std::string>() + "-TAMPERED"}});

  EXPECT_EQ(answer["error"]["code"], -32602);
}

TEST_F(FixtureTest, ModernAsksOnlyForDeclaredCapabilities) {
  const Json result =
      Modern("tools/call",
             {{"name", "test_input_required_result_capabilities"}, {"arguments", Json::object()}},
             {{"sampling", Json::object()}})["result"];

  EXPECT_EQ(result["resultType"], "input_required");
  EXPECT_TRUE(result["inputRequests"].contains("sampling_question"));
  EXPECT_FALSE(result["inputRequests"].contains("elicitation_question"));
}

TEST_F(FixtureTest, ModernUndeclaredCapabilityIsMissingRequiredClientCapability) {
  const Json answer =
      Modern("tools/call", {{"name", "test_missing_capability"}, {"arguments", Json::object()}},
             Json::object());

  EXPECT_EQ(answer["error"]["code"], -32021);
  EXPECT_TRUE(answer["error"]["data"]["requiredCapabilities"]["sampling"].is_object());
}

TEST_F(FixtureTest, ModernPromptCanRequireInput) {
  const Json first = Modern("prompts/get", {{"name", "test_input_required_result_prompt"}});
  const Json second =
      Modern("prompts/get",
             {{"name", "test_input_required_result_prompt"},
              {"inputResponses",
               {{"user_context", {{"action", "accept"}, {"content", {{"context", "ctx"}}}}}}},
              {"requestState", first["result"]["requestState"]}});

  EXPECT_EQ(first["result"]["resultType"], "input_required");
  EXPECT_EQ(second["result"]["messages"][0]["content"]["text"], "Use this context: ctx");
}

TEST_F(FixtureTest, ModernListsNeverRequireInput) {
  EXPECT_EQ(Modern("tools/list")["result"]["resultType"], "complete");
  EXPECT_EQ(Modern("prompts/list")["result"]["resultType"], "complete");
}

TEST_F(FixtureTest, ModernResourceReadCarriesCacheHints) {
  const Json result = Modern("resources/read", {{"uri", "test://static-text"}})["result"];

  EXPECT_EQ(result["ttlMs"], 60000);
  EXPECT_EQ(result["cacheScope"], "public");
}

TEST_F(FixtureTest, ModernUnknownResourceIsInvalidParamsWithUri) {
  const Json answer = Modern("resources/read", {{"uri", "test://nonexistent"}});

  EXPECT_EQ(answer["error"]["code"], -32602);
  EXPECT_EQ(answer["error"]["data"]["uri"], "test://nonexistent");
}

}  // namespace
}  // namespace conformance
