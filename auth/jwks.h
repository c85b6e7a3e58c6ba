// JSON Web Key Sets (RFC 7517) of signature-verification keys, and a cached, refetching source.
#pragma once

#include <openssl/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/http_client.h"
#include "core/status.h"

namespace auth {

enum class KeyType {
  kRsa,     // usable for RS256 and PS256
  kEcP256,  // usable for ES256
};

// One public key from a key set. Copies share the same immutable OpenSSL key, which may be used
// from several threads at once.
struct Jwk {
  std::string kid;
  KeyType type = KeyType::kRsa;
  std::string alg;  // the JWK's own `alg`, when it names one; empty otherwise
  std::shared_ptr<EVP_PKEY> key;
};

// Smaller RSA moduli are ignored (RFC 7518 §3.3 requires at least 2048 bits).
inline constexpr int kMinRsaBits = 2048;

// Builds the OpenSSL public key of one JWK object. Errors (kInvalidArgument, detail says why):
// `use` present and not "sig"; no `kid`; `kty` other than RSA or EC; `crv` other than P-256;
// members missing or not base64url; an RSA modulus under kMinRsaBits; a point not on the curve.
core::Result<Jwk> ParseJwk(const nlohmann::json& jwk);

class JwkSet {
 public:
  // Parses a JWKS document (`{"keys": [...]}`). Keys that ParseJwk refuses are left out and
  // counted in skipped(); of several keys with one `kid`, the first is kept. Error
  // (kInvalidArgument): the text is not a JSON object with a "keys" array.
  static core::Result<JwkSet> Parse(std::string_view json_text);

  // The key with this `kid`, or nullptr.
  const Jwk* Find(std::string_view kid) const;

  std::size_t size() const { return keys_.size(); }
  std::size_t skipped() const { return skipped_; }

 private:
  std::vector<Jwk> keys_;
  std::size_t skipped_ = 0;
};

// Fetches one jwks_uri and keeps its keys. The set is fetched on first use, again when a `kid`
// is not in it, when a key in it fails a signature check, and again when it is older than
// max_age; never more often than once per
// min_refetch_interval (successful or not), so tokens with made-up `kid`s cannot make us hammer
// the zone. A failed fetch keeps the previous set. Thread-safe; concurrent lookups share one
// fetch. `http` and `clock` must outlive the source.
class JwksSource {
 public:
  struct Options {
    std::string uri;  // absolute; the zone's jwks_uri
    std::chrono::seconds min_refetch_interval{30};
    std::chrono::seconds max_age{3600};
    std::chrono::milliseconds timeout{10000};
    std::size_t max_bytes = 1U << 20;
  };

  JwksSource(core::HttpClient& http, const core::Clock& clock, Options options);

  // The key named `kid`. Errors: kNotFound when no key has that `kid` (after a refetch, or a
  // refetch was not yet allowed); kUnavailable when no key set could be fetched. Messages are
  // client-safe; details name the cause.
  core::Result<Jwk> Find(std::string_view kid);

  // Another key named `kid` than `refused`, whose signature check failed: a zone may replace a
  // key and keep its `kid`, so the set is fetched again (within the same rate limit). kNotFound
  // when no other key has that `kid`.
  core::Result<Jwk> FindReplacement(std::string_view kid, const Jwk& refused);

 private:
  using TimePoint = core::Clock::TimePoint;

  std::optional<Jwk> Cached(std::string_view kid, bool fresh_only) const;
  bool MayFetchNow();
  core::Status Fetch();

  core::HttpClient& http_;
  const core::Clock& clock_;
  const Options options_;

  std::mutex fetch_mutex_;  // held through a fetch, so concurrent misses wait for one answer
  mutable std::mutex mutex_;
  std::shared_ptr<const JwkSet> keys_;     // guarded by mutex_
  TimePoint fetched_at_;                   // guarded by mutex_; when keys_ was installed
  std::optional<TimePoint> last_attempt_;  // guarded by mutex_
};

}  // namespace auth
