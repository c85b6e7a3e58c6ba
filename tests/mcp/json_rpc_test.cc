#include "mcp/json_rpc.h"

#include <gtest/gtest.h>

#include <variant>

namespace mcp {
namespace {

Message Parsed(std::string_view text) {
  auto parsed = ParseMessage(text);
  EXPECT_TRUE(std::holds_alternative<Message>(parsed)) << text;
  return std::holds_alternative<Message>(parsed) ? std::get<Message>(parsed) : Message{};
}

Rejection Rejected(std::string_view text) {
  auto parsed = ParseMessage(text);
  EXPECT_TRUE(std::holds_alternative<Rejection>(parsed)) << text;
  return std::holds_alternative<Rejection>(parsed) ? std::get<Rejection>(parsed) : Rejection{};
}

// C25: every id comes back exactly as sent, same type and value.
TEST(JsonRpc, KeepsIdTypeAndValue) {
  for (const char* id : {R"("abc")", "0", "-7", "1.5", R"("1")"}) {
    const std::string text = std::string(R"({"jsonrpc":"2.0","method":"ping","id":)") + id + "}";

    const Message message = Parsed(text);
    const std::string answer = Serialize(MakeResult(message.id, Json::object()));

    EXPECT_NE(answer.find(std::string("\"id\":") + id), std::string::npos) << answer;
  }
}

TEST(JsonRpc, ClassifiesRequestNotificationAndResponse) {
  EXPECT_EQ(Parsed(R"({"jsonrpc":"2.0","id":1,"method":"ping"})").kind, Message::Kind::kRequest);
  EXPECT_EQ(Parsed(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").kind,
            Message::Kind::kNotification);
  EXPECT_EQ(Parsed(R"({"jsonrpc":"2.0","id":1,"result":{}})").kind, Message::Kind::kResponse);
}

TEST(JsonRpc, RejectsBatchWithInvalidRequest) {
  const Rejection rejection = Rejected(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])");

  ASSERT_TRUE(rejection.answer.has_value());
  EXPECT_EQ((*rejection.answer)["error"]["code"], rpc::kInvalidRequest);
  EXPECT_TRUE((*rejection.answer)["id"].is_null());
  // Both transports parse here, so the advice names both.
  const std::string message = (*rejection.answer)["error"]["message"];
  EXPECT_NE(message.find("a line on stdio, a POST over HTTP"), std::string::npos) << message;
}

TEST(JsonRpc, AnswersParseErrorWithNullId) {
  for (const char* text : {"{not json", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\"}"}) {
    const Rejection rejection = Rejected(text);

    ASSERT_TRUE(rejection.answer.has_value());
    EXPECT_EQ((*rejection.answer)["error"]["code"], rpc::kParseError);
    EXPECT_TRUE((*rejection.answer)["id"].is_null());
  }
}

TEST(JsonRpc, RejectsDeepNestingBeforeParsing) {
  const std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"x","params":{"a":)" +
                           std::string(10000, '[') + std::string(10000, ']') + "}}";

  const Rejection rejection = Rejected(deep);

  ASSERT_TRUE(rejection.answer.has_value());
  EXPECT_EQ((*rejection.answer)["error"]["code"], rpc::kInvalidRequest);
}

// A rich-text argument nests deep: an ADF list of forty levels (two JSON levels per node) is a
// message, not an invalid request.
TEST(JsonRpc, AcceptsTheNestingOfADeepRichTextArgument) {
  std::string adf = R"({"type":"text","text":"x"})";
  for (int i = 0; i < 160; ++i) {
    adf = R"({"type":"bulletList","content":[)" + adf + "]}";
  }
  const std::string message =
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{"adf":)" + adf +
      "}}}";

  const auto parsed = ParseMessage(message);

  ASSERT_TRUE(std::holds_alternative<Message>(parsed));
}

// 4 MiB of "{}," would hold gigabytes once parsed: the values are counted first.
TEST(JsonRpc, RejectsAMessageOfTooManyValuesBeforeParsing) {
  std::string many = R"({"jsonrpc":"2.0","id":1,"method":"x","params":{"a":[)";
  for (std::size_t i = 0; i < kMaxMessageValues; ++i) {
    many += "{},";
  }
  many += "{}]}}";

  const Rejection rejection = Rejected(many);

  ASSERT_TRUE(rejection.answer.has_value());
  EXPECT_EQ((*rejection.answer)["error"]["code"], rpc::kInvalidRequest);
  // Five values: the object, "{[,,,]}" (brackets in a string count for nothing), [1,2], 1 and 2.
  constexpr int kAnyDepth = 100;
  EXPECT_FALSE(MeasureJson(R"({"a":"{[,,,]}","b":[1,2]})", kAnyDepth, 5).too_many);
  EXPECT_TRUE(MeasureJson(R"({"a":"{[,,,]}","b":[1,2]})", kAnyDepth, 4).too_many);
}

TEST(JsonRpc, EchoesIdOfInvalidRequest) {
  const Rejection rejection = Rejected(R"({"jsonrpc":"1.0","id":"x","method":"ping"})");

  ASSERT_TRUE(rejection.answer.has_value());
  EXPECT_EQ((*rejection.answer)["id"], "x");
  EXPECT_EQ((*rejection.answer)["error"]["code"], rpc::kInvalidRequest);
}

// C24: a malformed notification gets no answer at all.
TEST(JsonRpc, MalformedNotificationGetsNoAnswer) {
  for (const char* text : {R"({"jsonrpc":"2.0","method":"notifications/x","params":"bad"})",
                           R"({"jsonrpc":"1.0","method":"notifications/initialized"})",
                           R"({"jsonrpc":"2.0","method":7})"}) {
    EXPECT_FALSE(Rejected(text).answer.has_value()) << text;
  }
}

// C5: text survives byte for byte, and output stays valid UTF-8 even from invalid input.
TEST(JsonRpc, SerializesUnicodeIntactAndReplacesInvalidBytes) {
  const std::string text = "line\u2028sep \U0001F469\u200D\U0001F4BB \u05E9\u05DC\u05D5\u05DD";

  EXPECT_EQ(Json::parse(Serialize(Json{{"t", text}}))["t"], text);
  EXPECT_EQ(Serialize(Json{{"t", std::string("a\xff")}}), "{\"t\":\"a\xEF\xBF\xBD\"}");
}

// A message is one line for readers that end lines at U+2028 and U+2029 too.
TEST(Serialize, WritesUnicodeLineBreaksAsEscapes) {
  const Json message = {{"text",
                         "a\xE2\x80\xA8"
                         "b\xE2\x80\xA9"
                         "c\xE2\x82\xAC"}};

  const std::string line = Serialize(message);

  EXPECT_EQ(line, "{\"text\":\"a\\u2028b\\u2029c\xE2\x82\xAC\"}");
  EXPECT_EQ(Json::parse(line), message);
}

}  // namespace
}  // namespace mcp
