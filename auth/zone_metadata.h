// ZoneMetadataCache: the Keycard zone's OAuth authorization server metadata (RFC 8414), fetched
// once and kept.
//
// Construction (the lead wires settings here):
//
//   auth::ZoneMetadataCache zone(http, core::SystemClock::Instance(),
//                                {.zone_url = settings.keycard_zone_url});
//
// `Get()` fetches `{zone}/.well-known/oauth-authorization-server` on first use (for a zone URL
// with a path, the well-known segment goes between host and path, RFC 8414 §3.1), checks it and
// caches it for `ttl`. The token-exchange client reads `token_endpoint` from it; the JWT verifier
// reads `jwks_uri`.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/status.h"

namespace auth {

struct ZoneMetadata {
  std::string issuer;  // equals the configured zone URL, character for character
  std::string token_endpoint;
  std::optional<std::string> jwks_uri;  // same origin as the zone when present
  std::optional<std::string> authorization_endpoint;
  std::vector<std::string> scopes_supported;
  // False when discovery answered 404 and `token_endpoint` is the `{zone}/oauth/2/token`
  // fallback; then nothing but `issuer` and `token_endpoint` is known (no `jwks_uri`).
  bool discovered = true;
};

// The RFC 8414 §3.1 metadata URL for an issuer identifier: "/.well-known/oauth-authorization-
// server" inserted between the host and the path (a terminating "/" of the path removed).
// Errors: kInvalidArgument when `issuer` is not an http(s) URL without query or fragment.
core::Result<std::string> MetadataUrlFor(std::string_view issuer);

// Parses and checks a metadata document against the configured zone URL. Errors:
// kFailedPrecondition when `issuer` is not identical to `zone_url` (RFC 8414 §3.3 says identical,
// so a trailing-slash difference fails too; the admin fixes KEYCARD_ZONE_URL); kUnavailable, with
// the reason in detail(), when the body is not a JSON object, `issuer` or `token_endpoint` is
// missing, `token_endpoint` is not a URL or downgrades https to http, `jwks_uri` is not a URL on
// the zone's origin, or a field has the wrong JSON type.
core::Result<ZoneMetadata> ParseZoneMetadata(std::string_view body, const std::string& zone_url);

class ZoneMetadataCache {
 public:
  struct Options {
    std::string zone_url;  // KEYCARD_ZONE_URL exactly as configured, e.g. https://z.keycard.cloud
    std::chrono::seconds ttl{3600};            // how long discovered metadata is kept
    std::chrono::seconds fallback_ttl{300};    // how long the 404 fallback (or stale data) is kept
    std::chrono::milliseconds timeout{10000};  // for the discovery request
  };

  // `http` and `clock` must outlive this object.
  ZoneMetadataCache(core::HttpClient& http, const core::Clock& clock, Options options);

  // Returns the cached metadata, fetching it when absent or older than its ttl. When a refresh
  // fails but older metadata is held, the older metadata is returned (and a warning logged).
  // Errors: kFailedPrecondition when the zone URL is unset or unusable or the issuer differs
  // (the admin must fix KEYCARD_ZONE_URL); kUnavailable when the zone cannot be reached, answers
  // other than 200/404, or sends metadata that fails the checks of ParseZoneMetadata. Failures are
  // not cached. Thread-safe; concurrent callers share one fetch (the lock is held while fetching),
  // its failure included: a caller that waited for a fetch that failed gets that failure, so
  // behind a zone that hangs, callers do not wait out one timeout after another.
  core::Result<ZoneMetadata> Get();

 private:
  core::Result<ZoneMetadata> Fetch();

  core::HttpClient& http_;
  const core::Clock& clock_;
  Options options_;
  std::mutex mutex_;
  std::optional<ZoneMetadata> cached_;
  core::Clock::TimePoint refresh_at_{};
  std::atomic<std::uint64_t> fetches_done_{0};  // read before waiting for mutex_
  std::optional<core::Status> last_failure_;    // of the latest fetch, if it failed
};

}  // namespace auth
