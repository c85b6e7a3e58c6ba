#include "mcp/resource.h"

#include <algorithm>

#include "core/base64.h"

namespace mcp {
namespace {

core::Status Invalid(const std::string& what, const std::string& why) {
  return {core::Code::kInvalidArgument, "resource '" + what + "': " + why};
}

bool BracesPair(std::string_view text) {
  bool open = false;
  for (const char c : text) {
    if (c == '{') {
      if (open) {
        return false;
      }
      open = true;
    } else if (c == '}') {
      if (!open) {
        return false;
      }
      open = false;
    }
  }
  return !open;
}

void AddDescriptive(Json& out, const std::string& title, const std::string& description,
                    const std::string& mime_type) {
  if (!title.empty()) {
    out["title"] = title;
  }
  if (!description.empty()) {
    out["description"] = description;
  }
  if (!mime_type.empty()) {
    out["mimeType"] = mime_type;
  }
}

// Matches the rest of `uri` from `pos` against the template from `tpos`, binding variables.
bool MatchFrom(std::string_view tpl, std::size_t tpos, std::string_view uri, std::size_t pos,
               std::map<std::string, std::string>& variables) {
  if (tpos == tpl.size()) {
    return pos == uri.size();
  }
  if (tpl[tpos] != '{') {
    const std::size_t next = std::min(tpl.find('{', tpos), tpl.size());
    const std::string_view literal = tpl.substr(tpos, next - tpos);
    return uri.substr(pos, literal.size()) == literal &&
           MatchFrom(tpl, next, uri, pos + literal.size(), variables);
  }
  const std::size_t close = tpl.find('}', tpos);
  const std::string name(tpl.substr(tpos + 1, close - tpos - 1));
  // A variable takes one segment's worth of characters; try the longest first, then shorter.
  std::size_t end = pos;
  while (end < uri.size() && uri[end] != '/') {
    ++end;
  }
  for (; end > pos; --end) {
    if (MatchFrom(tpl, close + 1, uri, end, variables)) {
      variables[name] = std::string(uri.substr(pos, end - pos));
      return true;
    }
  }
  return false;
}

}  // namespace

ResourceContents ResourceContents::Text(std::string uri, std::string mime_type, std::string text) {
  return {std::move(uri), std::move(mime_type), std::move(text), std::nullopt};
}

ResourceContents ResourceContents::Blob(std::string uri, std::string mime_type,
                                        std::string_view bytes) {
  return {std::move(uri), std::move(mime_type), std::nullopt, core::Base64Encode(bytes)};
}

core::Status ResourceRegistry::Add(ResourceDefinition resource) {
  if (resource.uri.empty() || resource.name.empty()) {
    return Invalid(resource.uri, "needs a URI and a name");
  }
  if (Find(resource.uri) != nullptr) {
    return Invalid(resource.uri, "registered twice");
  }
  if (!resource.read) {
    return Invalid(resource.uri, "has no read function");
  }
  resources_.push_back(std::move(resource));
  return core::Status::Ok();
}

core::Status ResourceRegistry::AddTemplate(ResourceTemplateDefinition resource_template) {
  const std::string& tpl = resource_template.uri_template;
  if (tpl.empty() || resource_template.name.empty()) {
    return Invalid(tpl, "needs a URI template and a name");
  }
  if (!BracesPair(tpl) || tpl.find("{}") != std::string::npos) {
    return Invalid(tpl, "every '{' needs a variable name and a '}'");
  }
  if (FindTemplate(tpl) != nullptr) {
    return Invalid(tpl, "registered twice");
  }
  if (!resource_template.read) {
    return Invalid(tpl, "has no read function");
  }
  templates_.push_back(std::move(resource_template));
  return core::Status::Ok();
}

const ResourceDefinition* ResourceRegistry::Find(std::string_view uri) const {
  const auto it = std::find_if(resources_.begin(), resources_.end(),
                               [uri](const ResourceDefinition& r) { return r.uri == uri; });
  return it == resources_.end() ? nullptr : &*it;
}

const ResourceTemplateDefinition* ResourceRegistry::FindTemplate(
    std::string_view uri_template) const {
  const auto it = std::find_if(templates_.begin(), templates_.end(),
                               [uri_template](const ResourceTemplateDefinition& t) {
                                 return t.uri_template == uri_template;
                               });
  return it == templates_.end() ? nullptr : &*it;
}

std::optional<ResourceRegistry::TemplateMatch> ResourceRegistry::MatchTemplate(
    std::string_view uri) const {
  for (const ResourceTemplateDefinition& resource_template : templates_) {
    if (auto variables = MatchUriTemplate(resource_template.uri_template, uri)) {
      return TemplateMatch{&resource_template, std::move(*variables)};
    }
  }
  return std::nullopt;
}

bool ResourceRegistry::HasCompletions() const {
  return std::any_of(templates_.begin(), templates_.end(),
                     [](const ResourceTemplateDefinition& t) { return !t.complete.empty(); });
}

std::optional<std::map<std::string, std::string>> MatchUriTemplate(std::string_view uri_template,
                                                                   std::string_view uri) {
  std::map<std::string, std::string> variables;
  if (!MatchFrom(uri_template, 0, uri, 0, variables)) {
    return std::nullopt;
  }
  return variables;
}

Json ResourceToJson(const ResourceDefinition& resource) {
  Json out = {{"uri", resource.uri}, {"name", resource.name}};
  AddDescriptive(out, resource.title, resource.description, resource.mime_type);
  return out;
}

Json ResourceTemplateToJson(const ResourceTemplateDefinition& resource_template) {
  Json out = {{"uriTemplate", resource_template.uri_template}, {"name", resource_template.name}};
  AddDescriptive(out, resource_template.title, resource_template.description,
                 resource_template.mime_type);
  return out;
}

Json ResourceContentsToJson(const ResourceContents& contents) {
  Json out = {{"uri", contents.uri}};
  if (!contents.mime_type.empty()) {
    out["mimeType"] = contents.mime_type;
  }
  if (contents.blob_base64) {
    out["blob"] = *contents.blob_base64;
  } else {
    out["text"] = contents.text.value_or("");
  }
  return out;
}

}  // namespace mcp
