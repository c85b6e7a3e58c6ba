#include "mcp/schema_profile.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace mcp {
namespace {

const Json kSchema = Json::parse(R"({
  "type": "object",
  "additionalProperties": false,
  "required": ["jql"],
  "properties": {
    "jql": {"type": "string", "minLength": 1},
    "max_results": {"type": "integer", "minimum": 1, "maximum": 100},
    "fields": {"type": "array", "items": {"type": "string"}},
    "order": {"type": "string", "enum": ["asc", "desc"]}
  }
})");

TEST(PortabilityProblems, AcceptsPortableSchema) {
  EXPECT_TRUE(PortabilityProblems(kSchema).empty());
}

TEST(PortabilityProblems, FlagsEachNonPortableConstruct) {
  const Json bad = Json::parse(R"({
    "type": "object",
    "properties": {
      "a": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
      "b": {"type": "array"},
      "c": {"type": "object", "additionalProperties": false},
      "format": {"type": "string"}
    },
    "required": ["missing"]
  })");

  const auto problems = PortabilityProblems(bad);

  EXPECT_EQ(problems.size(), 6U);  // anyOf, a's missing type, b's items, c's nested
                                   // additionalProperties, keyword name, undeclared required
}

TEST(ValidateArguments, AcceptsGoodArguments) {
  EXPECT_TRUE(ValidateArguments(kSchema, {{"jql", "project = X"}, {"max_results", 5}}).ok());
  EXPECT_TRUE(ValidateArguments(kSchema, {{"jql", "x"}, {"max_results", 5.0}}).ok());
}

TEST(ValidateArguments, NamesTheArgumentAndTheFix) {
  const auto missing = ValidateArguments(kSchema, Json::object());
  const auto wrong_type = ValidateArguments(kSchema, {{"jql", 5}});
  const auto unknown = ValidateArguments(kSchema, {{"jql", "x"}, {"jqll", "y"}});
  const auto range = ValidateArguments(kSchema, {{"jql", "x"}, {"max_results", 500}});
  const auto item = ValidateArguments(kSchema, {{"jql", "x"}, {"fields", {"a", 1}}});
  const auto choice = ValidateArguments(kSchema, {{"jql", "x"}, {"order", "up"}});

  EXPECT_EQ(missing.message(), "argument 'jql' is required");
  EXPECT_EQ(wrong_type.message(), "argument 'jql' must be of type string, not 5");
  EXPECT_NE(unknown.message().find("'jqll' is not a known argument (known: "), std::string::npos);
  EXPECT_EQ(range.message(), "argument 'max_results' must be at most 100");
  EXPECT_EQ(item.message(), "argument 'fields[1]' must be of type string, not 1");
  EXPECT_EQ(choice.message(), R"(argument 'order' must be one of ["asc","desc"])");
}

// Lengths and counts read as English: one character, two items.
TEST(ValidateArguments, CountsAreSingularOrPlural) {
  const Json schema = Json::parse(R"({"type":"object","properties":{
      "key":{"type":"string","minLength":1,"maxLength":3},
      "ids":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":2}}})");

  EXPECT_EQ(ValidateArguments(schema, {{"key", ""}}).message(),
            "argument 'key' must have at least 1 character");
  EXPECT_EQ(ValidateArguments(schema, {{"key", "abcd"}}).message(),
            "argument 'key' must have at most 3 characters");
  EXPECT_EQ(ValidateArguments(schema, {{"ids", Json::array()}}).message(),
            "argument 'ids' must have at least 1 item");
  EXPECT_EQ(ValidateArguments(schema, {{"ids", {"a", "b", "c"}}}).message(),
            "argument 'ids' must have at most 2 items");
}

// Tools read integers as int64: a larger one would wrap (2^63 became board -2^63).
TEST(ValidateArguments, AnIntegerIsWithinInt64) {
  const Json schema =
      Json::parse(R"({"type": "object", "properties": {"n": {"type": "integer"}}})");

  for (const char* n : {"9223372036854775807", "-9223372036854775808", "12.0", "-4e18"}) {
    EXPECT_TRUE(ValidateArguments(schema, Json::parse(fmt::format(R"({{"n":{}}})", n))).ok()) << n;
  }
  for (const char* n : {"9223372036854775808", "18446744073709551615", "1e19", "-1e300", "0.5"}) {
    const auto status = ValidateArguments(schema, Json::parse(fmt::format(R"({{"n":{}}})", n)));
    EXPECT_FALSE(status.ok()) << n;
    EXPECT_NE(status.message().find("must be of type integer"), std::string::npos) << n;
  }
}

TEST(ValidateArguments, AWrongTypeCarriesThePropertysDescription) {
  const Json schema = Json::parse(R"({"type": "object", "properties": {
      "text": {"type": "string", "description": "Markdown; ADF goes in text_adf"}}})");

  const auto status = ValidateArguments(schema, {{"text", {{"type", "doc"}}}});

  EXPECT_EQ(status.message(),
            R"(argument 'text' must be of type string, not {"type":"doc"} (Markdown; ADF goes in )"
            R"(text_adf))");
}

TEST(PortabilityProblems, FlagsPropertiesNamedDescriptionOrTitle) {
  const Json schema = Json::parse(R"({"type": "object", "properties": {
      "description": {"type": "string"}, "title": {"type": "string"},
      "description_markdown": {"type": "string"}}})");

  EXPECT_EQ(PortabilityProblems(schema).size(), 2U);
}

TEST(ValidateArguments, RejectsNonObject) {
  EXPECT_FALSE(ValidateArguments(kSchema, Json::array()).ok());
}

}  // namespace
}  // namespace mcp
