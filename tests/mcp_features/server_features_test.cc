// The protocol features beyond tools: prompts, resources, completion, logging, subscriptions,
// capabilities that follow what is registered, and the 2026-07-28 request rules for them.
#include <gtest/gtest.h>

#include "mcp/server.h"
#include "tests/fakes/fake_clock.h"

namespace mcp {
namespace {

using namespace std::chrono_literals;

ToolDefinition LoggingTool() {
  ToolDefinition tool;
  tool.name = "chatty";
  tool.description = "Logs at debug, info and error.";
  tool.input_schema = {{"type", "object"}, {"properties", Json::object()}};
  tool.handler = [](const Json&, const CallContext& context) {
    context.Log(LogLevel::kDebug, "d");
    context.Log(LogLevel::kInfo, "i", "unit");
    context.Log(LogLevel::kError, {{"code", 1}});
    ToolResult result;
    result.content = Json::array({{{"type", "text"}, {"text", "ok"}}});
    return result;
  };
  return tool;
}

ToolDefinition AskingTool() {
  ToolDefinition tool;
  tool.name = "ask";
  tool.description = "Asks the client for its roots.";
  tool.input_schema = {{"type", "object"}, {"properties", Json::object()}};
  tool.handler = [](const Json&, const CallContext& context) {
    auto roots = context.RequestFromClient("roots", kMethodListRoots, Json::object());
    if (!roots.ok()) {
      return ToolResult::FromStatus(roots.status());
    }
    ToolResult result;
    result.content = Json::array({{{"type", "text"}, {"text", roots.value().dump()}}});
    return result;
  };
  return tool;
}

std::shared_ptr<PromptRegistry> Prompts(int count) {
  auto prompts = std::make_shared<PromptRegistry>();
  for (int i = 0; i < count; ++i) {
    EXPECT_TRUE(
        prompts
            ->Add({.name = "p" + std::to_string(i),
                   .description = "A prompt.",
                   .arguments = {{.name = "who",
                                  .required = true,
                                  .complete =
                                      [](const std::string& value, const Json&) {
                                        return CompleteByPrefix({"ann", "anna", "bob"}, value);
                                      }}},
                   .handler = [](const Json& arguments,
                                 const CallContext&) -> core::Result<PromptResult> {
                     PromptResult result;
                     result.Add("user", {{"type", "text"},
                                         {"text", "hi " + arguments["who"].get<std::string>()}});
                     return result;
                   }})
            .ok());
  }
  return prompts;
}

std::shared_ptr<ResourceRegistry> Resources() {
  auto resources = std::make_shared<ResourceRegistry>();
  EXPECT_TRUE(resources
                  ->Add({.uri = "mem://a",
                         .name = "a",
                         .mime_type = "text/plain",
                         .read = [](const std::string& uri, const CallContext&)
                             -> core::Result<std::vector<ResourceContents>> {
                           return std::vector<ResourceContents>{
                               ResourceContents::Text(uri, "text/plain", "A")};
                         }})
                  .ok());
  EXPECT_TRUE(resources
                  ->Add({.uri = "mem://gone",
                         .name = "gone",
                         .read = [](const std::string&, const CallContext&)
                             -> core::Result<std::vector<ResourceContents>> {
                           return core::Status(core::Code::kNotFound, "deleted");
                         }})
                  .ok());
  EXPECT_TRUE(
      resources
          ->AddTemplate(
              {.uri_template = "mem://item/{n}",
               .name = "item",
               .read = [](const std::string& uri,
                          const std::map<std::string, std::string>& variables,
                          const CallContext&) -> core::Result<std::vector<ResourceContents>> {
                 return std::vector<ResourceContents>{
                     ResourceContents::Blob(uri, "application/octet-stream", variables.at("n"))};
               }})
          .ok());
  resources->EnableSubscriptions();
  return resources;
}

class FeaturesTest : public ::testing::Test {
 protected:
  FeaturesTest() {
    auto tools = std::make_shared<ToolRegistry>();
    EXPECT_TRUE(tools->Add(LoggingTool()).ok());
    EXPECT_TRUE(tools->Add(AskingTool()).ok());
    full_ = std::make_unique<Server>(
        ServerInfo{.name = "t", .version = "1"},
        Catalog{.tools = tools, .prompts = Prompts(3), .resources = Resources()},
        Server::Options{.page_size = 2, .clock = &clock_});
    tools_only_ = std::make_unique<Server>(ServerInfo{.name = "t", .version = "1"}, tools);
    scope_.notify = [this](const Json& notification) { notifications_.push_back(notification); };
  }

  Json Send(const Server& server, const std::string& method, Json params = Json::object(),
            Session* session = nullptr) {
    Message message;
    message.id = next_id_++;
    message.method = method;
    message.params = std::move(params);
    RequestScope scope = scope_;
    if (session != nullptr) {
      scope.session = session;
    }
    return server.Handle(message, scope).value_or(Json());
  }

  Json Legacy(const std::string& method, Json params = Json::object()) {
    if (!session_.initialized()) {
      Send(*full_, "initialize",
           {{"protocolVersion", "2025-11-25"}, {"capabilities", {{"roots", Json::object()}}}});
    }
    return Send(*full_, method, std::move(params));
  }

  static Json WithMeta(Json params, Json extra = Json::object()) {
    params["_meta"] = {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                       {"io.modelcontextprotocol/clientCapabilities", Json::object()}};
    params["_meta"].update(extra);
    return params;
  }

  fakes::FakeClock clock_;
  int next_id_ = 1;
  Session session_;
  RequestScope scope_{core::Principal{}, &session_, nullptr, nullptr};
  Json notifications_ = Json::array();
  std::unique_ptr<Server> full_;
  std::unique_ptr<Server> tools_only_;
};

TEST_F(FeaturesTest, ToolsOnlyServerAdvertisesAndServesNothingElse) {
  Session session;
  const Json init = Send(*tools_only_, "initialize", {{"protocolVersion", "2025-11-25"}}, &session);
  const Json discover = Send(*tools_only_, "server/discover", WithMeta(Json::object()));

  for (const Json& capabilities :
       {init["result"]["capabilities"], discover["result"]["capabilities"]}) {
    EXPECT_TRUE(capabilities.contains("tools"));
    EXPECT_FALSE(capabilities.contains("prompts"));
    EXPECT_FALSE(capabilities.contains("resources"));
    EXPECT_FALSE(capabilities.contains("completions"));
  }
  for (const char* method : {"prompts/list", "resources/list", "resources/read",
                             "resources/subscribe", "completion/complete"}) {
    EXPECT_EQ(Send(*tools_only_, method, Json::object(), &session)["error"]["code"],
              rpc::kMethodNotFound)
        << method;
    EXPECT_EQ(Send(*tools_only_, method, WithMeta(Json::object()))["error"]["code"],
              rpc::kMethodNotFound)
        << method;
  }
}

TEST_F(FeaturesTest, PromptsListPagesWithCursor) {
  const Json first = Legacy("prompts/list")["result"];
  const Json second = Legacy("prompts/list", {{"cursor", first["nextCursor"]}})["result"];

  EXPECT_EQ(first["prompts"].size(), 2U);
  EXPECT_EQ(first["prompts"][0]["arguments"][0]["name"], "who");
  EXPECT_EQ(second["prompts"].size(), 1U);
  EXPECT_FALSE(second.contains("nextCursor"));
  EXPECT_EQ(Legacy("prompts/list", {{"cursor", "bogus"}})["error"]["code"], rpc::kInvalidParams);
}

TEST_F(FeaturesTest, PromptsGetChecksArguments) {
  const Json ok = Legacy("prompts/get", {{"name", "p0"}, {"arguments", {{"who", "ann"}}}});

  EXPECT_EQ(ok["result"]["messages"][0]["content"]["text"], "hi ann");
  EXPECT_EQ(Legacy("prompts/get", {{"name", "p0"}})["error"]["code"], rpc::kInvalidParams);
  EXPECT_EQ(Legacy("prompts/get", {{"name", "p0"}, {"arguments", {{"who", 1}}}})["error"]["code"],
            rpc::kInvalidParams);
  EXPECT_EQ(Legacy("prompts/get", {{"name", "nope"}})["error"]["code"], rpc::kInvalidParams);
}

TEST_F(FeaturesTest, ResourcesListTemplatesAndRead) {
  const Json list = Legacy("resources/list")["result"];
  const Json templates = Legacy("resources/templates/list")["result"];
  const Json item = Legacy("resources/read", {{"uri", "mem://item/xyz"}})["result"];

  EXPECT_EQ(list["resources"][0]["uri"], "mem://a");
  EXPECT_EQ(templates["resourceTemplates"][0]["uriTemplate"], "mem://item/{n}");
  EXPECT_EQ(item["contents"][0]["blob"], "eHl6");
  EXPECT_FALSE(item.contains("ttlMs"));
}

TEST_F(FeaturesTest, UnknownResourceIsEraSpecificNotFound) {
  const Json legacy = Legacy("resources/read", {{"uri", "mem://none"}});
  const Json modern = Send(*full_, "resources/read", WithMeta({{"uri", "mem://none"}}));
  const Json vanished = Legacy("resources/read", {{"uri", "mem://gone"}});

  EXPECT_EQ(legacy["error"]["code"], -32002);
  EXPECT_EQ(legacy["error"]["data"]["uri"], "mem://none");
  EXPECT_EQ(modern["error"]["code"], rpc::kInvalidParams);
  EXPECT_EQ(modern["error"]["data"]["uri"], "mem://none");
  EXPECT_EQ(vanished["error"]["code"], -32002);
}

TEST_F(FeaturesTest, ModernReadCarriesPrivateCacheHintsByDefault) {
  const Json result = Send(*full_, "resources/read", WithMeta({{"uri", "mem://a"}}))["result"];

  EXPECT_EQ(result["resultType"], "complete");
  EXPECT_EQ(result["ttlMs"], 0);
  EXPECT_EQ(result["cacheScope"], "private");
}

TEST_F(FeaturesTest, CompletionSuggestsByPrefix) {
  const Json result =
      Legacy("completion/complete", {{"ref", {{"type", "ref/prompt"}, {"name", "p1"}}},
                                     {"argument", {{"name", "who"}, {"value", "an"}}}})["result"];

  EXPECT_EQ(result["completion"]["values"], Json({"ann", "anna"}));
  EXPECT_EQ(result["completion"]["hasMore"], false);
  EXPECT_EQ(Legacy("completion/complete",
                   {{"ref", {{"type", "ref/prompt"}, {"name", "zz"}}},
                    {"argument", {{"name", "who"}, {"value", ""}}}})["error"]["code"],
            rpc::kInvalidParams);
}

TEST_F(FeaturesTest, LegacyLogMessagesFollowSetLevel) {
  Legacy("tools/call", {{"name", "chatty"}});
  const auto at_info = notifications_.size();
  Legacy("logging/setLevel", {{"level", "error"}});
  notifications_ = Json::array();

  Legacy("tools/call", {{"name", "chatty"}});

  EXPECT_EQ(at_info, 2U);  // info and error; debug is below the default
  ASSERT_EQ(notifications_.size(), 1U);
  EXPECT_EQ(notifications_[0]["method"], "notifications/message");
  EXPECT_EQ(notifications_[0]["params"]["level"], "error");
  EXPECT_EQ(notifications_[0]["params"]["data"]["code"], 1);
}

TEST_F(FeaturesTest, ModernLogsOnlyWhenTheRequestAsks) {
  Send(*full_, "tools/call", WithMeta({{"name", "chatty"}}));
  const auto without = notifications_.size();

  Send(*full_, "tools/call",
       WithMeta({{"name", "chatty"}}, {{"io.modelcontextprotocol/logLevel", "debug"}}));

  EXPECT_EQ(without, 0U);
  EXPECT_EQ(notifications_.size(), 3U);
  EXPECT_EQ(notifications_[1]["params"]["logger"], "unit");
  EXPECT_EQ(Send(*full_, "tools/call",
                 WithMeta({{"name", "chatty"}},
                          {{"io.modelcontextprotocol/logLevel", "loud"}}))["error"]["code"],
            rpc::kInvalidParams);
}

TEST_F(FeaturesTest, SubscribedSessionGetsUpdatesUntilUnsubscribed) {
  Json sent = Json::array();
  session_.SetNotifier([&sent](const Json& notification) { sent.push_back(notification); });

  EXPECT_EQ(Legacy("resources/subscribe", {{"uri", "mem://a"}})["result"], Json::object());
  full_->NotifyResourceUpdated("mem://a");
  full_->NotifyResourceUpdated("mem://item/1");
  Legacy("resources/unsubscribe", {{"uri", "mem://a"}});
  full_->NotifyResourceUpdated("mem://a");

  ASSERT_EQ(sent.size(), 1U);
  EXPECT_EQ(sent[0]["method"], "notifications/resources/updated");
  EXPECT_EQ(sent[0]["params"]["uri"], "mem://a");
  EXPECT_EQ(Legacy("resources/subscribe", {{"uri", "mem://none"}})["error"]["code"], -32002);
}

TEST_F(FeaturesTest, DestroyedSessionLeavesTheSubscriberList) {
  {
    Session session;
    Send(*full_, "initialize", {{"protocolVersion", "2025-11-25"}}, &session);
    Send(*full_, "resources/subscribe", {{"uri", "mem://a"}}, &session);
  }

  full_->NotifyResourceUpdated("mem://a");  // must not touch the destroyed session

  SUCCEED();
}

TEST_F(FeaturesTest, ModernRemovesSubscribeAndNeedsRequiredMeta) {
  const Json subscribe = Send(*full_, "resources/subscribe", WithMeta({{"uri", "mem://a"}}));
  Json no_capabilities = WithMeta(Json::object());
  no_capabilities["_meta"].erase("io.modelcontextprotocol/clientCapabilities");
  RequestScope http_scope = scope_;
  http_scope.transport_version = "2026-07-28";
  Message bare;
  bare.id = 77;
  bare.method = "server/discover";

  EXPECT_EQ(subscribe["error"]["code"], rpc::kMethodNotFound);
  EXPECT_EQ(Send(*full_, "server/discover", no_capabilities)["error"]["code"], rpc::kInvalidParams);
  EXPECT_EQ((*full_->Handle(bare, http_scope))["error"]["code"], rpc::kInvalidParams);
  EXPECT_EQ((*full_->Handle(bare, scope_))["error"]["code"], rpc::kMethodNotFound);
}

TEST_F(FeaturesTest, LegacyClientRequestWithoutChannelIsToolError) {
  const Json result = Legacy("tools/call", {{"name", "ask"}})["result"];

  EXPECT_EQ(result["isError"], true);
}

TEST_F(FeaturesTest, ModernInputResponsesMustBeObjects) {
  const Json not_object =
      Send(*full_, "tools/call", WithMeta({{"name", "ask"}, {"inputResponses", nullptr}}));
  const Json bad_value =
      Send(*full_, "tools/call", WithMeta({{"name", "ask"}, {"inputResponses", {{"roots", 5}}}}));

  EXPECT_EQ(not_object["error"]["code"], rpc::kInvalidParams);
  EXPECT_EQ(bad_value["error"]["code"], rpc::kInvalidParams);
}

TEST_F(FeaturesTest, ModernRequestStateExpires) {
  auto call = [&](Json extra) {
    Json params = {{"name", "ask"}};
    params.update(extra);
    return Send(*full_, "tools/call",
                WithMeta(params, {{"io.modelcontextprotocol/clientCapabilities",
                                   {{"roots", Json::object()}}}}));
  };
  const Json first = call(Json::object())["result"];
  clock_.Advance(601s);

  const Json late = call({{"requestState", first["requestState"]},
                          {"inputResponses", {{"roots", {{"roots", Json::array()}}}}}});

  EXPECT_EQ(first["resultType"], "input_required");
  EXPECT_EQ(late["error"]["code"], rpc::kInvalidParams);
}

}  // namespace
}  // namespace mcp
