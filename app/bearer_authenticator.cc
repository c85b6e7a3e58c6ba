#include "app/bearer_authenticator.h"

#include "core/log.h"

namespace app {
namespace {

// True for a failure that a later attempt may not meet: the zone or the network, not a setting.
bool IsPassingFailure(const core::Status& status) {
  return status.code() == core::Code::kUnavailable ||
         status.code() == core::Code::kDeadlineExceeded ||
         status.code() == core::Code::kConnectionLost;
}

}  // namespace

BearerAuthenticator::BearerAuthenticator(VerifierFactory make_verifier, const core::Clock& clock)
    : make_verifier_(std::move(make_verifier)), clock_(clock) {}

core::Status BearerAuthenticator::Prepare() {
  auto verifier = Verifier();
  if (verifier.ok()) {
    return core::Status::Ok();
  }
  std::lock_guard lock(mutex_);
  const core::Status& cause = last_failure_.value_or(verifier.status());
  if (!IsPassingFailure(cause)) {
    return cause;
  }
  core::GetLogger("app")->warn(
      "zone_unreachable_at_start detail={}; bearer requests are answered 503 until it answers",
      cause.message());
  return core::Status::Ok();
}

core::Result<auth::JwksVerifier*> BearerAuthenticator::Verifier() {
  if (auth::JwksVerifier* ready = ready_.load(std::memory_order_acquire); ready != nullptr) {
    return ready;
  }
  std::lock_guard lock(mutex_);
  if (verifier_) {
    return verifier_.get();
  }
  if (!last_failure_ || clock_.Now() >= retry_at_) {
    auto built = make_verifier_();
    if (built.ok()) {
      verifier_ = std::move(built).value();
      last_failure_.reset();
      ready_.store(verifier_.get(), std::memory_order_release);
      return verifier_.get();
    }
    last_failure_ = built.status();
    retry_at_ = clock_.Now() + kRetryAfterFailure;
    core::GetLogger("app")->warn("bearer_verifier_unavailable code={} detail={}",
                                 core::CodeName(last_failure_->code()), last_failure_->message());
  }
  // The client can do nothing but wait: whatever the cause, tokens cannot be checked yet.
  return core::Status(core::Code::kUnavailable,
                      "the Keycard zone's metadata could not be read, so bearer tokens cannot be "
                      "checked yet",
                      last_failure_->message());
}

core::Result<core::Principal> BearerAuthenticator::Authenticate(const core::Secret& bearer_token) {
  auto verifier = Verifier();
  if (!verifier.ok()) {
    return verifier.status();
  }
  auto verified = (*verifier)->Verify(bearer_token.Reveal());
  if (!verified.ok()) {
    return verified.status();
  }
  return auth::PrincipalOf(*verified);
}

}  // namespace app
