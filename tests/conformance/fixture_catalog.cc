#include "tests/conformance/fixture_catalog.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>

#include "mcp/client_request.h"

namespace conformance {

// A 1x1 red PNG and 8 silent 16-bit samples as a WAV file, made for these fixtures.
const char* const kPngBase64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";
const char* const kWavBase64 =
    "UklGRjQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YRAAAAAAAAAAAAAAAAAAAAAAAAAA";

namespace {

using mcp::CallContext;
using mcp::Json;
using mcp::ToolDefinition;
using mcp::ToolResult;

// A fixture that fails to register is a bug in this file; stop loudly rather than run without it.
void Must(const core::Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "fixture registration failed: %s\n", status.message().c_str());
    std::abort();
  }
}

// The scenarios ask for pauses between notifications so that clients see them arrive apart.
constexpr std::chrono::milliseconds kStep{50};

Json Text(const std::string& text) { return {{"type", "text"}, {"text", text}}; }

Json Image() { return {{"type", "image"}, {"data", kPngBase64}, {"mimeType", "image/png"}}; }

Json EmbeddedText(const std::string& uri, const std::string& mime_type, const std::string& text) {
  return {{"type", "resource"},
          {"resource", {{"uri", uri}, {"mimeType", mime_type}, {"text", text}}}};
}

ToolResult Content(Json blocks) {
  ToolResult result;
  result.content = std::move(blocks);
  return result;
}

ToolResult TextResult(const std::string& text) { return Content(Json::array({Text(text)})); }

Json NoArguments() { return {{"type", "object"}, {"properties", Json::object()}}; }

Json StringArguments(const std::vector<std::string>& names) {
  Json schema = {{"type", "object"}, {"properties", Json::object()}, {"required", names}};
  for (const std::string& name : names) {
    schema["properties"][name] = {{"type", "string"}};
  }
  return schema;
}

ToolDefinition Tool(std::string name, std::string description, Json input_schema,
                    std::function<ToolResult(const Json&, const CallContext&)> handler) {
  ToolDefinition tool;
  tool.name = std::move(name);
  tool.description = std::move(description);
  tool.annotations = {
      .read_only = true, .destructive = false, .idempotent = true, .open_world = false};
  tool.input_schema = std::move(input_schema);
  tool.handler = std::move(handler);
  return tool;
}

Json ElicitParams(const std::string& message, Json properties, std::vector<std::string> required) {
  Json schema = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) {
    schema["required"] = std::move(required);
  }
  return {{"message", message}, {"requestedSchema", std::move(schema)}};
}

Json AskName(const std::string& message) {
  return ElicitParams(message, {{"name", {{"type", "string"}}}}, {"name"});
}

Json SamplingParams(const std::string& prompt, int max_tokens) {
  return {{"messages", Json::array({{{"role", "user"}, {"content", Text(prompt)}}})},
          {"maxTokens", max_tokens}};
}

std::string SampledText(const Json& result) {
  const Json content = result.value("content", Json());
  return content.is_object() ? content.value("text", std::string()) : content.dump();
}

std::string ElicitedSummary(const Json& result) {
  return "action=" + result.value("action", std::string()) +
         ", content=" + result.value("content", Json::object()).dump();
}

std::string ElicitedField(const Json& result, const std::string& field) {
  const Json content = result.value("content", Json::object());
  const Json value = content.is_object() ? content.value(field, Json()) : Json();
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// Asks the client and turns a failure into the handler's error result.
#define ASK_OR_RETURN(var, context, key, method, params)             \
  auto var = (context).RequestFromClient((key), (method), (params)); \
  if (!var.ok()) {                                                   \
    return ToolResult::FromStatus(var.status());                     \
  }

void AddContentTools(mcp::ToolRegistry& tools) {
  Must(tools.Add(Tool("test_simple_text", "Returns one text block.", NoArguments(),
                      [](const Json&, const CallContext&) {
                        return TextResult("This is a simple text response for testing.");
                      })));
  Must(tools.Add(Tool("test_image_content", "Returns one image block.", NoArguments(),
                      [](const Json&, const CallContext&) { return Content({Image()}); })));
  Must(tools.Add(
      Tool("test_audio_content", "Returns one audio block.", NoArguments(),
           [](const Json&, const CallContext&) {
             return Content({{{"type", "audio"}, {"data", kWavBase64}, {"mimeType", "audio/wav"}}});
           })));
  Must(tools.Add(Tool("test_embedded_resource", "Returns an embedded text resource.", NoArguments(),
                      [](const Json&, const CallContext&) {
                        return Content({EmbeddedText("test://embedded-resource", "text/plain",
                                                     "This is an embedded resource content.")});
                      })));
  Must(tools.Add(
      Tool("test_multiple_content_types", "Returns text, an image and an embedded resource.",
           NoArguments(), [](const Json&, const CallContext&) {
             return Content({Text("Multiple content types test:"), Image(),
                             EmbeddedText("test://mixed-content-resource", "application/json",
                                          R"({"test":"data","value":123})")});
           })));
  Must(tools.Add(Tool(
      "test_error_handling", "Always fails.", NoArguments(), [](const Json&, const CallContext&) {
        return ToolResult::Error("This tool intentionally returns an error for testing");
      })));
}

ToolResult LogThreeTimes(const CallContext& context) {
  context.Log(mcp::LogLevel::kInfo, "Tool execution started");
  std::this_thread::sleep_for(kStep);
  context.Log(mcp::LogLevel::kInfo, "Tool processing data");
  std::this_thread::sleep_for(kStep);
  context.Log(mcp::LogLevel::kInfo, "Tool execution completed");
  return TextResult("Tool with logging executed successfully");
}

void AddNotifyingTools(mcp::ToolRegistry& tools) {
  Must(tools.Add(
      Tool("test_tool_with_logging", "Sends three info log messages.", NoArguments(),
           [](const Json&, const CallContext& context) { return LogThreeTimes(context); })));
  Must(tools.Add(
      Tool("test_logging_tool", "Sends three info log messages.", NoArguments(),
           [](const Json&, const CallContext& context) { return LogThreeTimes(context); })));
  Must(tools.Add(Tool("test_tool_with_progress", "Reports progress 0, 50 and 100 of 100.",
                      NoArguments(), [](const Json&, const CallContext& context) {
                        context.ReportProgress(0, 100);
                        std::this_thread::sleep_for(kStep);
                        context.ReportProgress(50, 100);
                        std::this_thread::sleep_for(kStep);
                        context.ReportProgress(100, 100);
                        return TextResult("Tool with progress executed successfully");
                      })));
}

Json Sep1034Schema() {
  return {{"name", {{"type", "string"}, {"description", "User name"}, {"default", "John Doe"}}},
          {"age", {{"type", "integer"}, {"description", "User age"}, {"default", 30}}},
          {"score", {{"type", "number"}, {"description", "User score"}, {"default", 95.5}}},
          {"status",
           {{"type", "string"},
            {"description", "User status"},
            {"enum", {"active", "inactive", "pending"}},
            {"default", "active"}}},
          {"verified", {{"type", "boolean"}, {"description", "Verified"}, {"default", true}}}};
}

Json TitledOptions(const std::vector<std::pair<std::string, std::string>>& options) {
  Json list = Json::array();
  for (const auto& [value, title] : options) {
    list.push_back({{"const", value}, {"title", title}});
  }
  return list;
}

Json Sep1330Schema() {
  return {{"untitledSingle", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}},
          {"titledSingle",
           {{"type", "string"},
            {"oneOf", TitledOptions({{"value1", "First Option"},
                                     {"value2", "Second Option"},
                                     {"value3", "Third Option"}})}}},
          {"legacyEnum",
           {{"type", "string"},
            {"enum", {"opt1", "opt2", "opt3"}},
            {"enumNames", {"Option One", "Option Two", "Option Three"}}}},
          {"untitledMulti",
           {{"type", "array"},
            {"items", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}}}},
          {"titledMulti",
           {{"type", "array"},
            {"items",
             {{"anyOf", TitledOptions({{"value1", "First Choice"},
                                       {"value2", "Second Choice"},
                                       {"value3", "Third Choice"}})}}}}}};
}

// Tools that ask the client; in the legacy era through server-to-client requests, in 2026-07-28
// through input_required results (the same handler code either way).
void AddAskingTools(mcp::ToolRegistry& tools) {
  Must(tools.Add(Tool("test_sampling", "Asks the client's LLM the given prompt.",
                      StringArguments({"prompt"}),
                      [](const Json& arguments, const CallContext& context) {
                        ASK_OR_RETURN(answer, context, "prompt", mcp::kMethodCreateMessage,
                                      SamplingParams(arguments["prompt"], 100));
                        return TextResult("LLM response: " + SampledText(answer.value()));
                      })));
  Must(tools.Add(
      Tool("test_elicitation", "Asks the user for a username and an e-mail address.",
           StringArguments({"message"}), [](const Json& arguments, const CallContext& context) {
             const Json properties = {
                 {"username", {{"type", "string"}, {"description", "User's response"}}},
                 {"email", {{"type", "string"}, {"description", "User's email address"}}}};
             ASK_OR_RETURN(answer, context, "user_input", mcp::kMethodElicit,
                           ElicitParams(arguments["message"], properties, {"username", "email"}));
             return TextResult("User response: " + ElicitedSummary(answer.value()));
           })));
  Must(tools.Add(
      Tool("test_elicitation_sep1034_defaults", "Elicits with a default for every primitive type.",
           NoArguments(), [](const Json&, const CallContext& context) {
             ASK_OR_RETURN(answer, context, "defaults", mcp::kMethodElicit,
                           ElicitParams("Please review your information", Sep1034Schema(), {}));
             return TextResult("Elicitation completed: " + ElicitedSummary(answer.value()));
           })));
  Must(tools.Add(
      Tool("test_elicitation_sep1330_enums", "Elicits with every enum form.", NoArguments(),
           [](const Json&, const CallContext& context) {
             ASK_OR_RETURN(answer, context, "enums", mcp::kMethodElicit,
                           ElicitParams("Please choose your options", Sep1330Schema(), {}));
             return TextResult("Elicitation completed: " + ElicitedSummary(answer.value()));
           })));
  Must(tools.Add(Tool("test_missing_capability",
                      "Needs sampling; fails when the client did not declare it.", NoArguments(),
                      [](const Json&, const CallContext& context) {
                        ASK_OR_RETURN(answer, context, "needs_sampling", mcp::kMethodCreateMessage,
                                      SamplingParams("Say hello", 20));
                        return TextResult("LLM response: " + SampledText(answer.value()));
                      })));
  Must(tools.Add(Tool("test_streaming_elicitation", "Asks the user to confirm.", NoArguments(),
                      [](const Json&, const CallContext& context) {
                        ASK_OR_RETURN(answer, context, "confirm", mcp::kMethodElicit,
                                      ElicitParams("Please confirm",
                                                   {{"ok", {{"type", "boolean"}}}}, {"ok"}));
                        return TextResult("Confirmed: " + ElicitedSummary(answer.value()));
                      })));
}

std::string RootsText(const Json& result) {
  std::string text;
  for (const Json& root : result.value("roots", Json::array())) {
    text += (text.empty() ? "" : ", ") + root.value("uri", std::string());
  }
  return text;
}

void AddInputRequiredTools(mcp::ToolRegistry& tools) {
  Must(tools.Add(Tool("test_input_required_result_elicitation", "Asks for the user's name.",
                      NoArguments(), [](const Json&, const CallContext& context) {
                        ASK_OR_RETURN(answer, context, "user_name", mcp::kMethodElicit,
                                      AskName("What is your name?"));
                        return TextResult("Hello, " + ElicitedField(answer.value(), "name") + "!");
                      })));
  Must(tools.Add(Tool("test_input_required_result_sampling", "Asks the client's LLM a question.",
                      NoArguments(), [](const Json&, const CallContext& context) {
                        ASK_OR_RETURN(answer, context, "capital_question",
                                      mcp::kMethodCreateMessage,
                                      SamplingParams("What is the capital of France?", 100));
                        return TextResult("LLM response: " + SampledText(answer.value()));
                      })));
  Must(tools.Add(Tool("test_input_required_result_list_roots", "Asks for the client's roots.",
                      NoArguments(), [](const Json&, const CallContext& context) {
                        ASK_OR_RETURN(answer, context, "client_roots", mcp::kMethodListRoots,
                                      Json::object());
                        return TextResult("Roots: " + RootsText(answer.value()));
                      })));
  for (const char* name :
       {"test_input_required_result_request_state", "test_input_required_result_tampered_state"}) {
    Must(tools.Add(Tool(name, "Asks for a confirmation; the state is checked on retry.",
                        NoArguments(), [](const Json&, const CallContext& context) {
                          ASK_OR_RETURN(answer, context, "confirm", mcp::kMethodElicit,
                                        ElicitParams("Please confirm",
                                                     {{"ok", {{"type", "boolean"}}}}, {"ok"}));
                          // The protocol layer verified requestState before this ran.
                          return TextResult("state-ok: " + ElicitedSummary(answer.value()));
                        })));
  }
  Must(tools.Add(Tool(
      "test_input_required_result_multiple_inputs", "Asks for a name, a greeting and the roots.",
      NoArguments(), [](const Json&, const CallContext& context) {
        // Ask all three before looking at any answer, so one round carries every question.
        auto name = context.RequestFromClient("user_name", mcp::kMethodElicit,
                                              AskName("What is your name?"));
        auto greeting = context.RequestFromClient("greeting", mcp::kMethodCreateMessage,
                                                  SamplingParams("Generate a greeting", 50));
        auto roots =
            context.RequestFromClient("client_roots", mcp::kMethodListRoots, Json::object());
        for (const auto* answer : {&name, &greeting, &roots}) {
          if (!answer->ok()) {
            return ToolResult::FromStatus(answer->status());
          }
        }
        return TextResult(SampledText(greeting.value()) + " " +
                          ElicitedField(name.value(), "name") +
                          "; roots: " + RootsText(roots.value()));
      })));
  Must(tools.Add(Tool("test_input_required_result_multi_round",
                      "Asks for a name, then for a colour.", NoArguments(),
                      [](const Json&, const CallContext& context) {
                        ASK_OR_RETURN(name, context, "step1", mcp::kMethodElicit,
                                      AskName("Step 1: What is your name?"));
                        ASK_OR_RETURN(color, context, "step2", mcp::kMethodElicit,
                                      ElicitParams("Step 2: What is your favorite color?",
                                                   {{"color", {{"type", "string"}}}}, {"color"}));
                        return TextResult(ElicitedField(name.value(), "name") + " likes " +
                                          ElicitedField(color.value(), "color"));
                      })));
  Must(tools.Add(Tool(
      "test_input_required_result_capabilities", "Asks only what the client's capabilities allow.",
      NoArguments(), [](const Json&, const CallContext& context) {
        std::string text = "Answers:";
        if (context.ClientSupports("sampling")) {
          ASK_OR_RETURN(answer, context, "sampling_question", mcp::kMethodCreateMessage,
                        SamplingParams("What is 2 + 2?", 10));
          text += " sampling=" + SampledText(answer.value());
        }
        if (context.ClientSupports("elicitation")) {
          ASK_OR_RETURN(answer, context, "elicitation_question", mcp::kMethodElicit,
                        AskName("What is your name?"));
          text += " elicitation=" + ElicitedField(answer.value(), "name");
        }
        return TextResult(text);
      })));
}

#undef ASK_OR_RETURN

mcp::PromptResult UserText(const std::string& text) {
  mcp::PromptResult result;
  result.Add("user", Text(text));
  return result;
}

void AddPrompts(mcp::PromptRegistry& prompts) {
  Must(prompts.Add(
      {.name = "test_simple_prompt",
       .description = "A prompt without arguments.",
       .handler = [](const Json&, const CallContext&) -> core::Result<mcp::PromptResult> {
         return UserText("This is a simple prompt for testing.");
       }}));
  Must(prompts.Add(
      {.name = "test_prompt_with_arguments",
       .description = "A prompt with two required arguments.",
       .arguments = {{.name = "arg1",
                      .description = "First test argument",
                      .required = true,
                      .complete =
                          [](const std::string& value, const Json&) {
                            return mcp::CompleteByPrefix(
                                {"paris", "park", "party", "test", "testing", "testValue1"}, value);
                          }},
                     {.name = "arg2", .description = "Second test argument", .required = true}},
       .handler = [](const Json& arguments, const CallContext&) -> core::Result<mcp::PromptResult> {
         return UserText("Prompt with arguments: arg1='" + arguments["arg1"].get<std::string>() +
                         "', arg2='" + arguments["arg2"].get<std::string>() + "'");
       }}));
  Must(prompts.Add(
      {.name = "test_prompt_with_embedded_resource",
       .description = "A prompt that embeds the resource it is given.",
       .arguments = {{.name = "resourceUri",
                      .description = "URI of the resource to embed",
                      .required = true}},
       .handler = [](const Json& arguments, const CallContext&) -> core::Result<mcp::PromptResult> {
         mcp::PromptResult result;
         result.Add("user", EmbeddedText(arguments["resourceUri"], "text/plain",
                                         "Embedded resource content for testing."));
         result.Add("user", Text("Please process the embedded resource above."));
         return result;
       }}));
  Must(prompts.Add(
      {.name = "test_prompt_with_image",
       .description = "A prompt with an image.",
       .handler = [](const Json&, const CallContext&) -> core::Result<mcp::PromptResult> {
         mcp::PromptResult result;
         result.Add("user", Image());
         result.Add("user", Text("Please analyze the image above."));
         return result;
       }}));
  Must(prompts.Add(
      {.name = "test_input_required_result_prompt",
       .description = "A prompt that first asks the user for its context.",
       .handler = [](const Json&, const CallContext& context) -> core::Result<mcp::PromptResult> {
         auto answer = context.RequestFromClient(
             "user_context", mcp::kMethodElicit,
             ElicitParams("What context should the prompt use?",
                          {{"context", {{"type", "string"}}}}, {"context"}));
         if (!answer.ok()) {
           return answer.status();
         }
         return UserText("Use this context: " + ElicitedField(answer.value(), "context"));
       }}));
}

mcp::ResourceDefinition TextResource(std::string uri, std::string name, std::string text) {
  return {
      .uri = uri,
      .name = std::move(name),
      .description = "A static text resource for conformance testing.",
      .mime_type = "text/plain",
      .cache = {.ttl_ms = 60000, .shared = true},
      .read = [uri, text](const std::string&,
                          const CallContext&) -> core::Result<std::vector<mcp::ResourceContents>> {
        return std::vector<mcp::ResourceContents>{
            mcp::ResourceContents::Text(uri, "text/plain", text)};
      }};
}

void AddResources(mcp::ResourceRegistry& resources) {
  Must(resources.Add(TextResource("test://static-text", "static-text",
                                  "This is the content of the static text resource.")));
  Must(resources.Add({.uri = "test://static-binary",
                      .name = "static-binary",
                      .description = "A static binary resource (a PNG image).",
                      .mime_type = "image/png",
                      .cache = {.ttl_ms = 60000, .shared = true},
                      .read = [](const std::string& uri, const CallContext&)
                          -> core::Result<std::vector<mcp::ResourceContents>> {
                        mcp::ResourceContents contents{.uri = uri, .mime_type = "image/png"};
                        contents.blob_base64 = kPngBase64;
                        return std::vector<mcp::ResourceContents>{contents};
                      }}));
  Must(resources.Add(TextResource("test://watched-resource", "watched-resource",
                                  "A resource that clients may subscribe to.")));
  Must(resources.AddTemplate(
      {.uri_template = "test://template/{id}/data",
       .name = "template-data",
       .description = "Data for the given id.",
       .mime_type = "application/json",
       .complete = {{"id",
                     [](const std::string& value, const Json&) {
                       return mcp::CompleteByPrefix({"123", "456", "789"}, value);
                     }}},
       .read = [](const std::string& uri, const std::map<std::string, std::string>& variables,
                  const CallContext&) -> core::Result<std::vector<mcp::ResourceContents>> {
         const std::string& id = variables.at("id");
         const Json data = {{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}};
         return std::vector<mcp::ResourceContents>{
             mcp::ResourceContents::Text(uri, "application/json", data.dump())};
       }}));
  resources.EnableSubscriptions();
}

}  // namespace

mcp::Catalog FixtureCatalog() {
  auto tools = std::make_shared<mcp::ToolRegistry>();
  AddContentTools(*tools);
  AddNotifyingTools(*tools);
  AddAskingTools(*tools);
  AddInputRequiredTools(*tools);
  auto prompts = std::make_shared<mcp::PromptRegistry>();
  AddPrompts(*prompts);
  auto resources = std::make_shared<mcp::ResourceRegistry>();
  AddResources(*resources);
  return {.tools = tools, .prompts = prompts, .resources = resources};
}

}  // namespace conformance
