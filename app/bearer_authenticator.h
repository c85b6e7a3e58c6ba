// BearerAuthenticator: checks the bearer tokens of Streamable HTTP requests (--auth keycard)
// with a JWT verifier that is built from the Keycard zone's metadata.
//
//   BearerAuthenticator authenticator(make_verifier, core::SystemClock::Instance());
//   if (auto status = authenticator.Prepare(); !status.ok()) { /* stop: fix the settings */ }
//
// The verifier needs the zone's jwks_uri. A zone that cannot be reached when the server starts
// does not stop it: requests are answered 503 with Retry-After (as when the JWKS is unreachable)
// and the verifier is built on the first request after the zone answers. A zone that answers
// with metadata that can never work (another issuer, no jwks_uri) stops the server at start.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "auth/jwt_verifier.h"
#include "core/clock.h"
#include "core/status.h"
#include "mcp/http_transport.h"

namespace app {

class BearerAuthenticator final : public mcp::HttpAuthenticator {
 public:
  using VerifierFactory = std::function<core::Result<std::unique_ptr<auth::JwksVerifier>>()>;

  // How long a failed build is answered from memory before the zone is asked again, so a zone
  // that is down is not asked once per request.
  static constexpr std::chrono::seconds kRetryAfterFailure{5};

  // `clock` must outlive this object.
  BearerAuthenticator(VerifierFactory make_verifier, const core::Clock& clock);

  // Builds the verifier now. Ok when it was built, or when the zone could not be reached (it is
  // built later); the error otherwise (kFailedPrecondition, kInvalidArgument: fix the settings).
  core::Status Prepare();

  core::Result<core::Principal> Authenticate(const core::Secret& bearer_token) override;

 private:
  // The verifier, built now if it is not yet and the last failure is older than
  // kRetryAfterFailure; else kUnavailable saying why tokens cannot be checked yet.
  core::Result<auth::JwksVerifier*> Verifier();

  VerifierFactory make_verifier_;
  const core::Clock& clock_;
  std::atomic<auth::JwksVerifier*> ready_{nullptr};  // set once, after verifier_
  std::mutex mutex_;
  std::unique_ptr<auth::JwksVerifier> verifier_;
  std::optional<core::Status> last_failure_;
  core::Clock::TimePoint retry_at_{};
};

}  // namespace app
