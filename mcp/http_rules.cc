#include "mcp/http_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/base64.h"
#include "core/http_client.h"
#include "core/url.h"
#include "mcp/server.h"

namespace mcp {
namespace {

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto at = text.find(separator);
    parts.push_back(core::TrimOws(text.substr(0, at)));
    if (at == std::string_view::npos) {
      return parts;
    }
    text.remove_prefix(at + 1);
  }
}

// RFC 9110 §12.4.2: "q=0" (with any number of zero decimals) means "not acceptable".
bool IsZeroQuality(std::string_view parameter) {
  const auto equals = parameter.find('=');
  if (equals == std::string_view::npos ||
      core::ToLower(core::TrimOws(parameter.substr(0, equals))) != "q") {
    return false;
  }
  const std::string_view value = core::TrimOws(parameter.substr(equals + 1));
  return !value.empty() && value.front() == '0' &&
         value.find_first_not_of("0.") == std::string_view::npos;
}

bool RangeCovers(std::string_view range, std::string_view type) {
  const std::string lower_range = core::ToLower(range);
  const std::string lower_type = core::ToLower(type);
  if (lower_range == "*/*" || lower_range == lower_type) {
    return true;
  }
  const auto slash = lower_type.find('/');
  return lower_range.size() > 2 && lower_range.ends_with("/*") &&
         lower_range.substr(0, lower_range.size() - 1) == lower_type.substr(0, slash + 1);
}

// RFC 9110 §5.5: field values are visible ASCII, space and horizontal tab.
bool IsPlainHeaderValue(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u <= 0x7e);
  });
}

// Header values quoted back to the client stay short.
std::string Quote(std::string_view value) {
  constexpr std::size_t kMax = 80;
  return value.size() <= kMax ? std::string(value) : std::string(value.substr(0, kMax)) + "...";
}

std::optional<std::string> CompareHeader(std::string_view header_name,
                                         const std::optional<std::string>& header,
                                         const std::string& body_value) {
  if (!header) {
    return fmt::format("the {} header is required and must be '{}'", header_name,
                       Quote(body_value));
  }
  if (*header != body_value) {
    return fmt::format("{} header value '{}' does not match body value '{}'", header_name,
                       Quote(*header), Quote(body_value));
  }
  return std::nullopt;
}

// The body field that Mcp-Name mirrors, per method; nullptr for methods without one.
const char* NameField(const std::string& method) {
  if (method == "tools/call" || method == "prompts/get") {
    return "name";
  }
  if (method == "resources/read") {
    return "uri";
  }
  return nullptr;
}

std::optional<std::string> NameMismatch(const Message& message, const ModernHeaders& headers) {
  const char* field = NameField(message.method);
  if (field == nullptr) {
    return std::nullopt;
  }
  const auto body = message.params.find(field);
  if (body == message.params.end() || !body->is_string()) {
    if (headers.name) {
      return fmt::format("Mcp-Name header is set but the body has no params.{}", field);
    }
    return std::nullopt;  // the dispatcher answers the missing field as invalid params
  }
  if (!headers.name) {
    return CompareHeader("Mcp-Name", std::nullopt, body->get<std::string>());
  }
  const auto decoded = DecodeMcpHeaderValue(*headers.name);
  if (!decoded) {
    return std::string("Mcp-Name header value has invalid characters or bad base64");
  }
  return CompareHeader("Mcp-Name", decoded, body->get<std::string>());
}

// RFC 6750 §3: auth-param values hold %x20-21 / %x23-5B / %x5D-7E only.
std::string ChallengeValue(std::string_view value) {
  std::string out;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u <= 0x7e && c != '"' && c != '\\') {
      out += c;
    }
  }
  return out;
}

bool IsB64TokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' ||
         c == '~' || c == '+' || c == '/';
}

void AddUnique(std::vector<std::string>& list, std::string value) {
  value = core::ToLower(value);
  if (std::find(list.begin(), list.end(), value) == list.end()) {
    list.push_back(std::move(value));
  }
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), core::ToLower(value)) != list.end();
}

}  // namespace

bool AcceptsMediaType(std::string_view accept, std::string_view type) {
  for (const std::string_view item : Split(accept, ',')) {
    const auto parts = Split(item, ';');
    if (!RangeCovers(parts.front(), type)) {
      continue;
    }
    if (std::none_of(parts.begin() + 1, parts.end(), IsZeroQuality)) {
      return true;
    }
  }
  return false;
}

bool IsJsonContentType(std::string_view content_type) {
  return core::ToLower(Split(content_type, ';').front()) == "application/json";
}

std::optional<std::string> DecodeMcpHeaderValue(std::string_view value) {
  constexpr std::string_view kPrefix = "=?base64?";
  constexpr std::string_view kSuffix = "?=";
  if (!IsPlainHeaderValue(value)) {
    return std::nullopt;
  }
  if (value.size() < kPrefix.size() + kSuffix.size() || !value.starts_with(kPrefix) ||
      !value.ends_with(kSuffix)) {
    return std::string(value);
  }
  return core::Base64Decode(
      value.substr(kPrefix.size(), value.size() - kPrefix.size() - kSuffix.size()));
}

std::optional<std::string> ModernHeaderMismatch(const Message& message,
                                                const ModernHeaders& headers) {
  const Json meta = message.params.value("_meta", Json::object());
  const Json version = meta.is_object() ? meta.value(kMetaProtocolVersion, Json()) : Json();
  const std::string body_version = version.is_string() ? version.get<std::string>() : "";
  if (auto mismatch =
          CompareHeader("MCP-Protocol-Version", headers.protocol_version, body_version)) {
    return mismatch;
  }
  if (auto mismatch = CompareHeader("Mcp-Method", headers.method, message.method)) {
    return mismatch;
  }
  return NameMismatch(message, headers);
}

std::optional<std::string> BearerToken(std::string_view authorization) {
  authorization = core::TrimOws(authorization);
  const auto space = authorization.find(' ');
  if (space == std::string_view::npos ||
      core::ToLower(authorization.substr(0, space)) != "bearer") {
    return std::nullopt;
  }
  std::string_view token = core::TrimOws(authorization.substr(space + 1));
  const auto body_end = token.find_last_not_of('=');
  if (token.empty() || body_end == std::string_view::npos ||
      !std::all_of(token.begin(), token.begin() + static_cast<std::ptrdiff_t>(body_end) + 1,
                   IsB64TokenChar)) {
    return std::nullopt;
  }
  return std::string(token);
}

std::string ResourceMetadataUrl(const core::Url& resource) {
  std::string path = resource.path.substr(0, resource.path.find('?'));
  if (path == "/") {
    path.clear();
  }
  return resource.Origin() + "/.well-known/oauth-protected-resource" + path;
}

std::string FormatBearerChallenge(const BearerChallenge& challenge) {
  std::vector<std::string> params;
  const auto add = [&params](const char* name, const std::string& value) {
    if (!value.empty()) {
      params.push_back(fmt::format("{}=\"{}\"", name, ChallengeValue(value)));
    }
  };
  add("error", challenge.error);
  add("error_description", challenge.error_description);
  add("scope", challenge.scope);
  add("resource_metadata", challenge.resource_metadata);
  return params.empty() ? "Bearer" : fmt::format("Bearer {}", fmt::join(params, ", "));
}

HostPolicy::HostPolicy(std::vector<std::string> hosts, std::vector<std::string> origins) {
  for (auto& host : hosts) {
    AddUnique(hosts_, std::move(host));
  }
  for (auto& origin : origins) {
    AddUnique(origins_, std::move(origin));
  }
}

HostPolicy HostPolicy::Defaults(int port, const core::Url& public_url,
                                const std::vector<std::string>& extra_hosts,
                                const std::vector<std::string>& extra_origins) {
  std::vector<std::string> hosts;
  std::vector<std::string> origins;
  for (const char* name : {"localhost", "127.0.0.1", "[::1]"}) {
    hosts.push_back(fmt::format("{}:{}", name, port));
    origins.push_back(fmt::format("http://{}:{}", name, port));
    if (port == 80) {
      hosts.emplace_back(name);  // clients leave out the default port
      origins.push_back(fmt::format("http://{}", name));
    }
  }
  const std::string origin = public_url.Origin();
  hosts.push_back(origin.substr(origin.find("://") + 3));
  hosts.push_back(fmt::format("{}:{}", public_url.host, public_url.port));
  origins.push_back(origin);
  hosts.insert(hosts.end(), extra_hosts.begin(), extra_hosts.end());
  origins.insert(origins.end(), extra_origins.begin(), extra_origins.end());
  return {std::move(hosts), std::move(origins)};
}

bool HostPolicy::AllowsHost(std::string_view host) const { return Contains(hosts_, host); }

bool HostPolicy::AllowsOrigin(std::string_view origin) const { return Contains(origins_, origin); }

}  // namespace mcp
