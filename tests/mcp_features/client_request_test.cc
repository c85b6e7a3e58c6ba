// Server-to-client requests: the pending-request table transports use, the legacy requester,
// requestState sealing, and URI templates.
#include "mcp/client_request.h"

#include <gtest/gtest.h>

#include <thread>

#include "mcp/client_request_mrtr.h"
#include "mcp/resource.h"
#include "tests/fakes/fake_clock.h"

namespace mcp {
namespace {

using namespace std::chrono_literals;

Message Response(const Json& id, Json result, Json error = nullptr) {
  Message message;
  message.kind = Message::Kind::kResponse;
  message.id = id;
  message.result = std::move(result);
  message.error = std::move(error);
  return message;
}

TEST(PendingRequests, ResolvesTheWaiterWithTheClientsResult) {
  PendingRequests pending;
  Json sent;
  std::thread answerer;

  auto result = pending.Call("roots/list", Json::object(), nullptr, 5s, [&](const Json& request) {
    sent = request;
    answerer = std::thread([&pending, id = request["id"]] {
      pending.Resolve(Response(id, {{"roots", Json::array()}}));
    });
    return true;
  });
  answerer.join();

  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value()["roots"], Json::array());
  EXPECT_EQ(sent["method"], "roots/list");
  EXPECT_TRUE(sent["id"].is_string());
}

TEST(PendingRequests, ErrorAnswerIsInvalidArgumentWithTheClientsMessage) {
  PendingRequests pending;
  std::thread answerer;

  auto result =
      pending.Call("sampling/createMessage", Json::object(), nullptr, 5s, [&](const Json& request) {
        answerer = std::thread([&pending, id = request["id"]] {
          pending.Resolve(Response(id, nullptr, {{"code", -1}, {"message", "no"}}));
        });
        return true;
      });
  answerer.join();

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), core::Code::kInvalidArgument);
  EXPECT_NE(result.status().message().find("no"), std::string::npos);
}

TEST(PendingRequests, CancelledFlagEndsTheWait) {
  PendingRequests pending;
  std::atomic<bool> cancelled{true};

  auto result =
      pending.Call("roots/list", Json::object(), &cancelled, 60s, [](const Json&) { return true; });

  EXPECT_EQ(result.status().code(), core::Code::kCancelled);
}

TEST(PendingRequests, TimeoutIsDeadlineExceeded) {
  PendingRequests pending;

  auto result =
      pending.Call("roots/list", Json::object(), nullptr, 1ms, [](const Json&) { return true; });

  EXPECT_EQ(result.status().code(), core::Code::kDeadlineExceeded);
}

TEST(PendingRequests, ClosedTableFailsCallsAndIgnoresStrayAnswers) {
  PendingRequests pending;
  pending.CloseAll();

  auto result =
      pending.Call("roots/list", Json::object(), nullptr, 5s, [](const Json&) { return true; });

  EXPECT_EQ(result.status().code(), core::Code::kUnavailable);
  EXPECT_FALSE(pending.Resolve(Response("s-99", Json::object())));
}

class FakeChannel : public ClientChannel {
 public:
  core::Result<Json> Call(const std::string& method, const Json& params,
                          const std::atomic<bool>*) override {
    calls.push_back({{"method", method}, {"params", params}});
    return answer;
  }

  Json calls = Json::array();
  Json answer = {{"action", "accept"}, {"content", {{"name", "A"}}}};
};

TEST(LegacyRequester, AsksThroughTheChannelWhenTheClientDeclaredTheCapability) {
  FakeChannel channel;
  LegacyRequester requester(&channel, {{"elicitation", Json::object()}}, nullptr);

  auto result = requester.Request("name", kMethodElicit, {{"message", "m"}});

  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value()["content"]["name"], "A");
  EXPECT_EQ(channel.calls[0]["method"], "elicitation/create");
}

TEST(LegacyRequester, RefusesUndeclaredCapabilityWithoutAsking) {
  FakeChannel channel;
  LegacyRequester requester(&channel, Json::object(), nullptr);

  auto result = requester.Request("q", kMethodCreateMessage, Json::object());

  EXPECT_EQ(result.status().code(), core::Code::kFailedPrecondition);
  EXPECT_TRUE(channel.calls.empty());
}

TEST(LegacyRequester, MalformedAnswerIsInvalidArgument) {
  FakeChannel channel;
  channel.answer = {{"action", "maybe"}};
  LegacyRequester requester(&channel, {{"elicitation", Json::object()}}, nullptr);

  EXPECT_EQ(requester.Request("q", kMethodElicit, Json::object()).status().code(),
            core::Code::kInvalidArgument);
}

TEST(LegacyRequester, WithoutChannelIsUnavailable) {
  LegacyRequester requester(nullptr, {{"roots", Json::object()}}, nullptr);

  EXPECT_EQ(requester.Request("r", kMethodListRoots, Json::object()).status().code(),
            core::Code::kUnavailable);
}

class RequestStateTest : public ::testing::Test {
 protected:
  RequestStateCodec::State State() {
    return {.subject = "alice",
            .binding = RequestBinding("tools/call", "t", Json::object()),
            .expires = clock_.Now() + 60s,
            .answers = {{"k", {{"action", "accept"}}}}};
  }

  fakes::FakeClock clock_;
  RequestStateCodec codec_{"0123456789abcdef0123456789abcdef"};
};

TEST_F(RequestStateTest, OpensWhatItSealed) {
  const std::string sealed = codec_.Seal(State());

  auto opened = codec_.Open(sealed, "alice", State().binding, clock_.Now());

  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened.value().answers["k"]["action"], "accept");
}

TEST_F(RequestStateTest, RefusesEveryAlteredCharacter) {
  const std::string sealed = codec_.Seal(State());

  for (std::size_t i = 0; i < sealed.size(); ++i) {
    std::string altered = sealed;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(codec_.Open(altered, "alice", State().binding, clock_.Now()).ok()) << i;
  }
}

TEST_F(RequestStateTest, RefusesAnotherSubjectRequestOrKeyAndExpiredState) {
  const std::string sealed = codec_.Seal(State());
  const RequestStateCodec other_key("another key of thirty-two bytes!");

  EXPECT_FALSE(codec_.Open(sealed, "bob", State().binding, clock_.Now()).ok());
  EXPECT_FALSE(
      codec_.Open(sealed, "alice", RequestBinding("tools/call", "u", Json::object()), clock_.Now())
          .ok());
  EXPECT_FALSE(other_key.Open(sealed, "alice", State().binding, clock_.Now()).ok());
  clock_.Advance(61s);
  EXPECT_FALSE(codec_.Open(sealed, "alice", State().binding, clock_.Now()).ok());
}

TEST_F(RequestStateTest, RandomKeysDifferBetweenCodecs) {
  const RequestStateCodec first;
  const RequestStateCodec second;

  EXPECT_FALSE(second.Open(first.Seal(State()), "alice", State().binding, clock_.Now()).ok());
}

TEST(MrtrRequester, CollectsQuestionsAndUsesAnswersByKey) {
  MrtrRequester requester({{"elicitation", Json::object()}, {"roots", Json::object()}},
                          {{"a", {{"action", "accept"}}}});

  auto answered = requester.Request("a", kMethodElicit, Json::object());
  auto open = requester.Request("b", kMethodListRoots, Json::object());

  EXPECT_TRUE(answered.ok());
  EXPECT_EQ(open.status().code(), core::Code::kUnavailable);
  EXPECT_TRUE(requester.pending());
  EXPECT_EQ(requester.input_requests()["b"]["method"], "roots/list");
  EXPECT_TRUE(requester.used_answers().contains("a"));
}

TEST(MrtrRequester, RecordsMissingCapabilityAndMalformedAnswers) {
  MrtrRequester requester({{"elicitation", Json::object()}}, {{"a", {{"action", 7}}}});

  EXPECT_EQ(requester.Request("s", kMethodCreateMessage, Json::object()).status().code(),
            core::Code::kFailedPrecondition);
  EXPECT_EQ(requester.Request("a", kMethodElicit, Json::object()).status().code(),
            core::Code::kInvalidArgument);
  EXPECT_TRUE(requester.missing_capabilities()["sampling"].is_object());
  EXPECT_TRUE(requester.invalid_answer().has_value());
  EXPECT_FALSE(requester.pending());
}

TEST(UriTemplate, MatchesVariablesWithinOneSegment) {
  const auto match = MatchUriTemplate("test://template/{id}/data", "test://template/123/data");

  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(match->at("id"), "123");
  EXPECT_FALSE(MatchUriTemplate("test://template/{id}/data", "test://template/1/2/data"));
  EXPECT_FALSE(MatchUriTemplate("test://template/{id}/data", "test://template//data"));
  EXPECT_FALSE(MatchUriTemplate("test://a/{x}", "test://b/1"));
}

TEST(UriTemplate, MatchesSeveralVariables) {
  const auto match = MatchUriTemplate("repo://{owner}/{name}.git", "repo://me/tool.git");

  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(match->at("owner"), "me");
  EXPECT_EQ(match->at("name"), "tool");
}

}  // namespace
}  // namespace mcp
