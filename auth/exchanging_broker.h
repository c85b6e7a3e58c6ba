// ExchangingTokenBroker: the TokenBroker that exchanges the caller's Keycard token for a
// Jira-scoped token (through TokenExchangeClient) and caches the result.
//
// Construction (the lead wires settings here):
//
//   auth::ExchangingTokenBroker broker(exchange, subject_source_or_null,
//                                      core::SystemClock::Instance(), {});
//
// Where the subject token comes from: `caller.token` when present (HTTP, a verified bearer
// token); otherwise the configured SubjectTokenSource (stdio, or HTTP with --auth none). With
// neither, AccessToken fails with kFailedPrecondition.
//
// Cache: one entry per (caller.subject, resource, sorted scope set); for a source-provided token
// the subject part also holds that token's fingerprint, so a changed token file or command output
// is a new key. An entry lives until the issued token's own expiry and never past the subject
// token's expiry (caller.token_expiry, else the subject token's unverified JWT `exp`), each less
// `expiry_skew`. Concurrent calls for one key share one exchange. Errors are never cached.
#pragma once

#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "auth/subject_source.h"
#include "auth/token_broker.h"
#include "auth/token_exchange.h"
#include "core/clock.h"

namespace auth {

class ExchangingTokenBroker final : public TokenBroker {
 public:
  struct Options {
    std::string resource = kJiraResource;  // the RFC 8693 `resource` asked for
    std::chrono::seconds expiry_skew{30};  // a cached token is dropped this long before expiry
    std::size_t max_entries = 10000;       // beyond this, expired entries are swept on insert
  };

  // Counters, for diagnostics and tests.
  struct Stats {
    std::uint64_t exchanges = 0;     // exchanges started
    std::uint64_t cache_hits = 0;    // answered from the cache
    std::uint64_t shared_waits = 0;  // calls that joined an exchange already running
  };

  // `exchange`, `clock` and `source` (which may be null: HTTP only) must outlive the broker.
  ExchangingTokenBroker(TokenExchangeClient& exchange, SubjectTokenSource* source,
                        const core::Clock& clock, Options options);

  // See TokenBroker. Errors: those of TokenExchangeClient::Exchange and of the subject source;
  // kUnauthenticated when the subject token has already expired; kFailedPrecondition when no
  // subject token is available; kCancelled when `cancelled` turns true, also while waiting for
  // another caller's exchange. After invalid_grant for a source-provided token, the source is
  // told (SubjectTokenSource::Rejected) so the next call can fetch a fresh one.
  core::Result<core::Secret> AccessToken(const core::Principal& caller,
                                         const std::vector<std::string>& scopes,
                                         const std::atomic<bool>* cancelled) override;

  // Drops the cached token for (caller.subject, resource, scopes), for every subject-token
  // fingerprint of a source-provided subject. An exchange already running is not affected.
  void Invalidate(const core::Principal& caller, const std::vector<std::string>& scopes) override;

  Stats CurrentStats() const;

 private:
  struct Subject {
    core::Secret token;
    std::optional<core::Clock::TimePoint> expiry;
    std::string fingerprint;  // empty for a caller-provided (HTTP) token
  };
  struct Cached {
    core::Secret token;
    core::Clock::TimePoint expires_at;
  };
  using Flight = std::shared_future<core::Result<Cached>>;
  struct Entry {
    std::optional<Cached> cached;
    std::optional<Flight> flight;
  };
  // (subject, subject-token fingerprint, resource, scope parameter)
  using Key = std::tuple<std::string, std::string, std::string, std::string>;

  core::Result<Subject> ResolveSubject(const core::Principal& caller);
  core::Result<Cached> RunExchange(const Subject& subject, const std::vector<std::string>& scopes,
                                   const std::atomic<bool>* cancelled);
  core::Result<Cached> Await(const Flight& flight, const std::atomic<bool>* cancelled);
  void Store(const Key& key, const core::Result<Cached>& result);
  void SweepExpired(core::Clock::TimePoint now);

  TokenExchangeClient& exchange_;
  SubjectTokenSource* source_;
  const core::Clock& clock_;
  Options options_;

  mutable std::mutex mutex_;
  std::map<Key, Entry> entries_;
  Stats stats_;
};

}  // namespace auth
