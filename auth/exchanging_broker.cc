#include "auth/exchanging_broker.h"

#include <fmt/format.h>

#include <algorithm>

#include "auth/unverified_jwt.h"
#include "core/log.h"

namespace auth {
namespace {

using core::Code;
using core::Status;

// How often a caller waiting on another caller's exchange looks at its own cancellation flag.
constexpr std::chrono::milliseconds kCancelPoll{50};

bool IsSet(const std::atomic<bool>* flag) { return flag != nullptr && flag->load(); }

Status Cancelled() { return {Code::kCancelled, "The request was cancelled."}; }

}  // namespace

ExchangingTokenBroker::ExchangingTokenBroker(TokenExchangeClient& exchange,
                                             SubjectTokenSource* source, const core::Clock& clock,
                                             Options options)
    : exchange_(exchange), source_(source), clock_(clock), options_(std::move(options)) {}

core::Result<core::Secret> ExchangingTokenBroker::AccessToken(
    const core::Principal& caller, const std::vector<std::string>& scopes,
    const std::atomic<bool>* cancelled) {
  auto subject = ResolveSubject(caller);
  if (!subject.ok()) {
    return subject.status();
  }
  const auto& subject_expiry = subject->expiry;
  if (subject_expiry && *subject_expiry <= clock_.Now()) {
    return Status(Code::kUnauthenticated,
                  "Your Keycard token has expired; sign in to Keycard again, then retry.",
                  "subject token past its exp; not exchanged");
  }

  const Key key{caller.subject, subject->fingerprint, options_.resource, ScopeParameter(scopes)};
  while (true) {
    if (IsSet(cancelled)) {
      return Cancelled();
    }
    std::unique_lock lock(mutex_);
    Entry& entry = entries_[key];
    if (entry.cached && clock_.Now() < entry.cached->expires_at) {
      ++stats_.cache_hits;
      return entry.cached->token;
    }
    entry.cached.reset();

    if (entry.flight) {
      const Flight flight = *entry.flight;
      ++stats_.shared_waits;
      lock.unlock();
      auto shared = Await(flight, cancelled);
      // The caller who ran the exchange gave up; this one has not, so it tries on its own.
      if (!shared.ok() && shared.status().code() == Code::kCancelled && !IsSet(cancelled)) {
        continue;
      }
      if (!shared.ok()) {
        return shared.status();
      }
      return shared->token;
    }

    std::promise<core::Result<Cached>> promise;
    entry.flight = promise.get_future().share();
    ++stats_.exchanges;
    lock.unlock();

    auto result = RunExchange(*subject, scopes, cancelled);
    Store(key, result);
    promise.set_value(result);
    if (!result.ok()) {
      if (result.status().code() == Code::kUnauthenticated && !caller.token && source_ != nullptr) {
        source_->Rejected(subject->token);
      }
      return result.status();
    }
    return result->token;
  }
}

void ExchangingTokenBroker::Invalidate(const core::Principal& caller,
                                       const std::vector<std::string>& scopes) {
  const std::string scope = ScopeParameter(scopes);
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    const auto& [subject, fingerprint, resource, entry_scope] = it->first;
    const bool match =
        subject == caller.subject && resource == options_.resource && entry_scope == scope;
    if (match) {
      it->second.cached.reset();
    }
    it = (match && !it->second.flight) ? entries_.erase(it) : std::next(it);
  }
  core::GetLogger("auth")->debug("token_cache invalidate subject={} scope=\"{}\"", caller.subject,
                                 scope);
}

ExchangingTokenBroker::Stats ExchangingTokenBroker::CurrentStats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

core::Result<ExchangingTokenBroker::Subject> ExchangingTokenBroker::ResolveSubject(
    const core::Principal& caller) {
  // A caller that brought a token (even an empty one) never falls through to the local source.
  if (caller.token) {
    return Subject{.token = *caller.token,
                   .expiry = caller.token_expiry ? caller.token_expiry
                                                 : UnverifiedJwtExpiry(caller.token->Reveal()),
                   .fingerprint = ""};
  }
  if (source_ == nullptr) {
    return Status(Code::kFailedPrecondition,
                  "No Keycard token is available: configure KEYCARD_SUBJECT_TOKEN, "
                  "KEYCARD_SUBJECT_TOKEN_FILE or KEYCARD_SUBJECT_TOKEN_COMMAND.");
  }
  auto token = source_->Current();
  if (!token.ok()) {
    return token.status();
  }
  Subject subject{.token = std::move(token).value()};
  subject.expiry = UnverifiedJwtExpiry(subject.token.Reveal());
  subject.fingerprint = subject.token.Fingerprint();
  return subject;
}

core::Result<ExchangingTokenBroker::Cached> ExchangingTokenBroker::RunExchange(
    const Subject& subject, const std::vector<std::string>& scopes,
    const std::atomic<bool>* cancelled) {
  auto issued = exchange_.Exchange({.subject_token = subject.token,
                                    .resource = options_.resource,
                                    .scopes = scopes,
                                    .cancelled = cancelled});
  if (!issued.ok()) {
    return issued.status();
  }

  // The issued token must not outlive the token it was derived from (DESIGN.md §3).
  const auto now = clock_.Now();
  auto expires_at = now + issued->expires_in;
  if (subject.expiry) {
    expires_at = std::min(expires_at, *subject.expiry);
  }
  return Cached{.token = std::move(issued->access_token),
                .expires_at = expires_at - options_.expiry_skew};
}

core::Result<ExchangingTokenBroker::Cached> ExchangingTokenBroker::Await(
    const Flight& flight, const std::atomic<bool>* cancelled) {
  while (flight.wait_for(kCancelPoll) != std::future_status::ready) {
    if (IsSet(cancelled)) {
      return Cancelled();
    }
  }
  return flight.get();
}

void ExchangingTokenBroker::Store(const Key& key, const core::Result<Cached>& result) {
  std::lock_guard lock(mutex_);
  const auto now = clock_.Now();
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    return;
  }
  it->second.flight.reset();
  if (result.ok() && now < result->expires_at) {
    it->second.cached = *result;
    core::GetLogger("auth")->debug(
        "token_cache store subject={} scope=\"{}\" token_fp={} ttl_s={}", std::get<0>(key),
        std::get<3>(key), result->token.Fingerprint(),
        std::chrono::duration_cast<std::chrono::seconds>(result->expires_at - now).count());
  } else if (!it->second.cached) {
    entries_.erase(it);
  }
  if (entries_.size() > options_.max_entries) {
    SweepExpired(now);
  }
}

void ExchangingTokenBroker::SweepExpired(core::Clock::TimePoint now) {
  std::erase_if(entries_, [now](const auto& item) {
    const Entry& entry = item.second;
    return !entry.flight && (!entry.cached || entry.cached->expires_at <= now);
  });
}

}  // namespace auth
