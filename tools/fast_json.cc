#include "tools/fast_json.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>

namespace tools {
namespace {

using Json = nlohmann::json;
namespace dom = simdjson::dom;

// Answers up to this size are parsed with a parser kept for the next answer, which then holds
// buffers several times this size; a larger answer gets a parser of its own, freed after it.
constexpr std::size_t kKeptParserBytes = std::size_t{64} << 10U;
// Parsers kept between answers, for the whole process: one per thread would keep buffers in each
// of the HTTP server's many threads.
constexpr std::size_t kKeptParsers = 4;

// The parsers kept between answers; one taken is the caller's until it is given back.
class ParserPool {
 public:
  std::unique_ptr<dom::parser> Take() {
    const std::lock_guard lock(mutex_);
    if (idle_.empty()) {
      return std::make_unique<dom::parser>();
    }
    std::unique_ptr<dom::parser> parser = std::move(idle_.back());
    idle_.pop_back();
    return parser;
  }
  void Give(std::unique_ptr<dom::parser> parser) {
    const std::lock_guard lock(mutex_);
    if (idle_.size() < kKeptParsers) {
      idle_.push_back(std::move(parser));
    }
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<dom::parser>> idle_;
};

Json Build(dom::element element);

Json BuildObject(dom::object object, const std::vector<std::string>* keep) {
  Json out = Json::object();
  auto& members = out.get_ref<Json::object_t&>();
  for (const auto field : object) {
    if (keep != nullptr && std::find(keep->begin(), keep->end(), field.key) == keep->end()) {
      continue;
    }
    // The last of duplicate keys wins, as in nlohmann.
    members.insert_or_assign(std::string(field.key), Build(field.value));
  }
  return out;
}

Json Build(dom::element element) {
  switch (element.type()) {
    case dom::element_type::ARRAY: {
      Json out = Json::array();
      const dom::array items = element.get_array().value_unsafe();
      auto& values = out.get_ref<Json::array_t&>();
      values.reserve(items.size());
      for (const dom::element item : items) {
        values.push_back(Build(item));
      }
      return out;
    }
    case dom::element_type::OBJECT:
      return BuildObject(element.get_object().value_unsafe(), nullptr);
    case dom::element_type::INT64: {
      // nlohmann reads a whole number that is not negative as unsigned.
      const std::int64_t value = element.get_int64().value_unsafe();
      return value >= 0 ? Json(static_cast<std::uint64_t>(value)) : Json(value);
    }
    case dom::element_type::UINT64:
      return element.get_uint64().value_unsafe();
    case dom::element_type::DOUBLE:
      return element.get_double().value_unsafe();
    case dom::element_type::STRING:
      return std::string(element.get_string().value_unsafe());
    case dom::element_type::BOOL:
      return element.get_bool().value_unsafe();
    case dom::element_type::NULL_VALUE:
      return nullptr;
  }
  return nullptr;
}

// The whole answer, each `issues[i].fields` cut to `keep`.
Json BuildAnswer(dom::element root, const std::vector<std::string>& keep) {
  if (root.type() != dom::element_type::OBJECT) {
    return Build(root);
  }
  Json out = Json::object();
  auto& members = out.get_ref<Json::object_t&>();
  // Each object or array is held in a variable first: a range-for over value_unsafe() of a
  // temporary result would read it after its end.
  const dom::object answer = root.get_object().value_unsafe();
  for (const auto field : answer) {
    if (field.key != "issues" || field.value.type() != dom::element_type::ARRAY) {
      members.insert_or_assign(std::string(field.key), Build(field.value));
      continue;
    }
    Json issues = Json::array();
    const dom::array listed = field.value.get_array().value_unsafe();
    for (const dom::element issue : listed) {
      if (issue.type() != dom::element_type::OBJECT) {
        issues.push_back(Build(issue));
        continue;
      }
      Json built = Json::object();
      const dom::object parts = issue.get_object().value_unsafe();
      for (const auto part : parts) {
        const bool fields = part.key == "fields" && part.value.type() == dom::element_type::OBJECT;
        built.get_ref<Json::object_t&>().insert_or_assign(
            std::string(part.key), fields
                                       ? BuildObject(part.value.get_object().value_unsafe(), &keep)
                                       : Build(part.value));
      }
      issues.push_back(std::move(built));
    }
    members.insert_or_assign("issues", std::move(issues));
  }
  return out;
}

// A parser callback that keeps, of each `issues[i].fields` object, only the members named in
// `keep`. nlohmann reports the depth of every event but ends only of containers it keeps, so the
// path of container names is cut back to the depth of each event.
class IssueFieldFilter {
 public:
  explicit IssueFieldFilter(const std::vector<std::string>& keep) : keep_(keep) {}

  bool operator()(int depth, Json::parse_event_t event, Json& parsed) {
    const auto level = static_cast<std::size_t>(depth);
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        path_.resize(std::min(level, path_.size()));
        path_.push_back(std::move(pending_));
        pending_.clear();
        return true;
      case Json::parse_event_t::key:
        pending_ = parsed.is_string() ? parsed.get<std::string>() : std::string();
        return !InIssueFields(level) ||
               std::find(keep_.begin(), keep_.end(), pending_) != keep_.end();
      default:
        pending_.clear();
        return true;
    }
  }

 private:
  // Whether a key at `depth` is a member of {"issues": [{"fields": {…}}]}.
  bool InIssueFields(std::size_t depth) const {
    return depth == 4 && path_.size() >= 4 && path_[1] == "issues" && path_[2].empty() &&
           path_[3] == "fields";
  }

  const std::vector<std::string>& keep_;
  std::vector<std::string> path_;  // the key that opened each open container; "" in arrays
  std::string pending_;
};

}  // namespace

Json ParseJsonSlow(const std::string& text, const std::vector<std::string>* keep_issue_fields) {
  if (keep_issue_fields == nullptr) {
    return Json::parse(text, nullptr, false);
  }
  return Json::parse(text, IssueFieldFilter(*keep_issue_fields), false);
}

Json ParseJsonFast(const std::string& text, const std::vector<std::string>* keep_issue_fields) {
  static ParserPool pool;
  const bool kept = text.size() <= kKeptParserBytes;
  std::unique_ptr<dom::parser> parser = kept ? pool.Take() : std::make_unique<dom::parser>();
  const auto root = parser->parse(text);
  Json parsed;
  if (root.error() != simdjson::SUCCESS) {
    parsed = ParseJsonSlow(text, keep_issue_fields);
  } else {
    parsed = keep_issue_fields == nullptr ? Build(root.value_unsafe())
                                          : BuildAnswer(root.value_unsafe(), *keep_issue_fields);
  }
  if (kept) {
    pool.Give(std::move(parser));
  }
  return parsed;
}

}  // namespace tools
