// Resources (MCP server/resources): direct resources by URI and URI templates (RFC 6570 simple
// `{name}` expressions), in registration order.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "mcp/completion.h"
#include "mcp/tool.h"

namespace mcp {

// One entry of a ReadResourceResult: text, or binary data sent base64-encoded as `blob`.
struct ResourceContents {
  std::string uri;
  std::string mime_type;
  std::optional<std::string> text;
  std::optional<std::string> blob_base64;

  static ResourceContents Text(std::string uri, std::string mime_type, std::string text);
  // `bytes` is raw binary data; it is base64-encoded here.
  static ResourceContents Blob(std::string uri, std::string mime_type, std::string_view bytes);
};

// How long a client may reuse what resources/read returned (2026-07-28 caching). The default
// (0 ms, private) is right for content that may change or depend on the caller.
struct CacheHint {
  long long ttl_ms = 0;
  bool shared = false;  // cacheScope "public" when true
};

using ReadFn = std::function<core::Result<std::vector<ResourceContents>>(
    const std::string& uri, const CallContext& context)>;
// Template reads also get the values of the template's variables.
using TemplateReadFn = std::function<core::Result<std::vector<ResourceContents>>(
    const std::string& uri, const std::map<std::string, std::string>& variables,
    const CallContext& context)>;

struct ResourceDefinition {
  std::string uri;  // unique in the registry
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  CacheHint cache;
  // Errors become JSON-RPC errors (kNotFound: resource not found; kInvalidArgument -32602;
  // anything else -32603) with the Status message. Must not throw.
  ReadFn read;
};

struct ResourceTemplateDefinition {
  std::string uri_template;  // for example "test://template/{id}/data"
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  CacheHint cache;
  std::map<std::string, CompleteFn> complete;  // completion/complete per variable
  TemplateReadFn read;
};

class ResourceRegistry {
 public:
  // Fail (kInvalidArgument) on an empty or duplicate URI or template, a missing name or read
  // function, or a template whose braces do not pair up.
  core::Status Add(ResourceDefinition resource);
  core::Status AddTemplate(ResourceTemplateDefinition resource_template);

  // Declares that resources/subscribe is served (legacy era; the owner then calls
  // Server::NotifyResourceUpdated when a resource changes).
  void EnableSubscriptions() { subscriptions_ = true; }
  bool subscriptions() const { return subscriptions_; }

  const ResourceDefinition* Find(std::string_view uri) const;
  const ResourceTemplateDefinition* FindTemplate(std::string_view uri_template) const;

  // The first template (in registration order) that `uri` matches, with its variables.
  struct TemplateMatch {
    const ResourceTemplateDefinition* resource_template = nullptr;
    std::map<std::string, std::string> variables;
  };
  std::optional<TemplateMatch> MatchTemplate(std::string_view uri) const;

  const std::vector<ResourceDefinition>& resources() const { return resources_; }
  const std::vector<ResourceTemplateDefinition>& templates() const { return templates_; }

  bool HasCompletions() const;

 private:
  std::vector<ResourceDefinition> resources_;
  std::vector<ResourceTemplateDefinition> templates_;
  bool subscriptions_ = false;
};

// Matches `uri` against a template of literal text and `{name}` variables; a variable matches
// one or more characters other than '/'. nullopt when it does not match.
std::optional<std::map<std::string, std::string>> MatchUriTemplate(std::string_view uri_template,
                                                                   std::string_view uri);

Json ResourceToJson(const ResourceDefinition& resource);
Json ResourceTemplateToJson(const ResourceTemplateDefinition& resource_template);
Json ResourceContentsToJson(const ResourceContents& contents);

}  // namespace mcp
