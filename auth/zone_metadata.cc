#include "auth/zone_metadata.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/log.h"
#include "core/url.h"

namespace auth {
namespace {

using core::Code;
using core::Status;
using nlohmann::json;

constexpr char kWellKnown[] = "/.well-known/oauth-authorization-server";
constexpr char kFallbackTokenPath[] = "/oauth/2/token";
constexpr char kUnavailableText[] =
    "The Keycard zone's authorization server metadata could not be read; retry later, and tell "
    "an administrator if it persists.";

// The zone could not be asked, or answered with an error: it may work again soon.
Status MetadataUnavailable(std::string detail) {
  return {Code::kUnavailable, kUnavailableText, std::move(detail)};
}

// The zone answered, but with metadata this server must not use: that lasts until someone fixes
// the zone or KEYCARD_ZONE_URL, so no retry would help.
Status BadMetadata(std::string detail) {
  std::string message = fmt::format(
      "The Keycard zone's authorization server metadata is not usable: {}. No Jira token can be "
      "obtained until an administrator fixes the zone or KEYCARD_ZONE_URL.",
      detail);
  return {Code::kFailedPrecondition, std::move(message), std::move(detail)};
}

// Reads an optional string member; a present member of another type is an error.
Status OptionalString(const json& doc, const char* name, std::optional<std::string>& out) {
  const auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) {
    return Status::Ok();
  }
  if (!it->is_string()) {
    return BadMetadata(fmt::format("metadata member '{}' is not a string", name));
  }
  out = it->get<std::string>();
  return Status::Ok();
}

Status StringList(const json& doc, const char* name, std::vector<std::string>& out) {
  const auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) {
    return Status::Ok();
  }
  if (!it->is_array()) {
    return BadMetadata(fmt::format("metadata member '{}' is not an array", name));
  }
  for (const auto& item : *it) {
    if (!item.is_string()) {
      return BadMetadata(fmt::format("metadata member '{}' holds a non-string", name));
    }
    out.push_back(item.get<std::string>());
  }
  return Status::Ok();
}

Status CheckTokenEndpoint(const std::string& endpoint, const core::Url& zone) {
  const auto url = core::ParseUrl(endpoint);
  if (!url.ok()) {
    return BadMetadata(fmt::format("token_endpoint '{}' is not a URL", endpoint));
  }
  // The client secret goes to this URL: never let the metadata downgrade it to plain http.
  if (zone.scheme == "https" && url->scheme != "https") {
    return BadMetadata(fmt::format("token_endpoint '{}' is not https", endpoint));
  }
  return Status::Ok();
}

Status CheckJwksUri(const std::string& jwks_uri, const core::Url& zone) {
  const auto url = core::ParseUrl(jwks_uri);
  if (!url.ok()) {
    return BadMetadata(fmt::format("jwks_uri '{}' is not a URL", jwks_uri));
  }
  // Keys that sign the zone's tokens must come from the zone itself (DESIGN.md §3).
  if (url->Origin() != zone.Origin()) {
    return BadMetadata(
        fmt::format("jwks_uri '{}' is not on the zone's origin {}", jwks_uri, zone.Origin()));
  }
  return Status::Ok();
}

}  // namespace

core::Result<std::string> MetadataUrlFor(std::string_view issuer) {
  const auto url = core::ParseUrl(issuer);
  if (!url.ok()) {
    return url.status();
  }
  if (issuer.find_first_of("?#") != std::string_view::npos) {
    return Status(Code::kInvalidArgument,
                  fmt::format("'{}' is not an issuer URL: it has a query or fragment", issuer));
  }

  std::string path = url->path;
  while (!path.empty() && path.back() == '/') {
    path.pop_back();
  }
  return fmt::format("{}{}{}", url->Origin(), kWellKnown, path);
}

core::Result<ZoneMetadata> ParseZoneMetadata(std::string_view body, const std::string& zone_url) {
  const auto zone = core::ParseUrl(zone_url);
  if (!zone.ok()) {
    return Status(Code::kFailedPrecondition, "KEYCARD_ZONE_URL is not a usable URL.",
                  zone.status().message());
  }
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    // A proxy's or a maintenance page: the zone itself may answer properly soon.
    return MetadataUnavailable("metadata is not a JSON object");
  }

  ZoneMetadata metadata;
  std::optional<std::string> issuer;
  std::optional<std::string> token_endpoint;
  for (const auto& status :
       {OptionalString(doc, "issuer", issuer),
        OptionalString(doc, "token_endpoint", token_endpoint),
        OptionalString(doc, "jwks_uri", metadata.jwks_uri),
        OptionalString(doc, "authorization_endpoint", metadata.authorization_endpoint),
        StringList(doc, "scopes_supported", metadata.scopes_supported)}) {
    if (!status.ok()) {
      return status;
    }
  }

  if (!issuer) {
    return BadMetadata("metadata has no issuer");
  }
  // RFC 8414 §3.3: identical, no normalization; a mismatch may be a mix-up or a misconfiguration.
  if (*issuer != zone_url) {
    return Status(Code::kFailedPrecondition,
                  fmt::format("The Keycard zone calls itself '{}', but KEYCARD_ZONE_URL is '{}'. "
                              "An administrator must set KEYCARD_ZONE_URL to exactly the zone's "
                              "issuer URL.",
                              *issuer, zone_url),
                  "issuer mismatch (RFC 8414 §3.3)");
  }
  metadata.issuer = *issuer;

  if (!token_endpoint) {
    return BadMetadata("metadata has no token_endpoint");
  }
  if (auto status = CheckTokenEndpoint(*token_endpoint, *zone); !status.ok()) {
    return status;
  }
  metadata.token_endpoint = *token_endpoint;

  if (metadata.jwks_uri) {
    if (auto status = CheckJwksUri(*metadata.jwks_uri, *zone); !status.ok()) {
      return status;
    }
  }
  return metadata;
}

ZoneMetadataCache::ZoneMetadataCache(core::HttpClient& http, const core::Clock& clock,
                                     Options options)
    : http_(http), clock_(clock), options_(std::move(options)) {}

core::Result<ZoneMetadata> ZoneMetadataCache::Get() {
  const std::uint64_t fetches_seen = fetches_done_.load();
  std::lock_guard lock(mutex_);
  const auto now = clock_.Now();
  if (cached_ && now < refresh_at_) {
    return *cached_;
  }
  if (fetches_done_.load() != fetches_seen && last_failure_) {
    return *last_failure_;  // a fetch ended, in failure, while this caller waited for it
  }

  auto fetched = Fetch();
  ++fetches_done_;
  last_failure_.reset();
  if (!fetched.ok()) {
    last_failure_ = fetched.status();
  }
  if (fetched.ok()) {
    refresh_at_ = now + (fetched->discovered ? options_.ttl : options_.fallback_ttl);
    cached_ = *fetched;
    return fetched;
  }
  if (cached_) {  // metadata that worked before is better than none, whatever went wrong now
    core::GetLogger("auth")->warn(
        "zone_metadata refresh_failed zone={} reason=\"{}\"; keeping the metadata already held",
        options_.zone_url, fetched.status().detail());
    refresh_at_ = now + options_.fallback_ttl;
    return *cached_;
  }
  return fetched;
}

core::Result<ZoneMetadata> ZoneMetadataCache::Fetch() {
  auto log = core::GetLogger("auth");
  if (options_.zone_url.empty()) {
    return Status(Code::kFailedPrecondition,
                  "No Keycard zone is configured; an administrator must set KEYCARD_ZONE_URL.");
  }
  const auto url = MetadataUrlFor(options_.zone_url);
  if (!url.ok()) {
    return Status(Code::kFailedPrecondition,
                  fmt::format("KEYCARD_ZONE_URL is not usable: {}", url.status().message()));
  }

  const auto response = http_.Send({.method = "GET",
                                    .url = *url,
                                    .headers = {{"Accept", "application/json"}},
                                    .timeout = options_.timeout,
                                    .max_response_bytes = 1U << 20});
  if (!response.ok()) {
    log->warn("zone_metadata fetch_failed url={} code={} reason=\"{}\"", *url,
              core::CodeName(response.status().code()), response.status().message());
    return MetadataUnavailable(fmt::format("GET {} failed: {}", *url, response.status().message()));
  }

  if (response->status == 404) {
    ZoneMetadata fallback{.issuer = options_.zone_url,
                          .token_endpoint = core::JoinUrl(options_.zone_url, kFallbackTokenPath),
                          .discovered = false};
    log->warn("zone_metadata not_found url={}; using the fallback token_endpoint={}", *url,
              fallback.token_endpoint);
    return fallback;
  }
  if (response->status != 200) {
    log->warn("zone_metadata fetch_failed url={} status={}", *url, response->status);
    return MetadataUnavailable(fmt::format("GET {} answered HTTP {}", *url, response->status));
  }

  auto metadata = ParseZoneMetadata(response->body, options_.zone_url);
  if (!metadata.ok()) {
    log->warn("zone_metadata rejected url={} reason=\"{}\" message=\"{}\"", *url,
              metadata.status().detail(), metadata.status().message());
    return metadata;
  }
  log->info("zone_metadata discovered issuer={} token_endpoint={} jwks_uri={}", metadata->issuer,
            metadata->token_endpoint, metadata->jwks_uri.value_or("(none)"));
  return metadata;
}

}  // namespace auth
