// TokenBroker: turns the caller into a Jira-scoped access token.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "core/principal.h"
#include "core/secret.h"
#include "core/status.h"

namespace auth {

class TokenBroker {
 public:
  virtual ~TokenBroker() = default;

  // Returns an access token for `resource` carrying `scopes`, acting as `caller`. The caller's
  // own (Keycard) token is never returned. Errors carry a client-safe message that tells the
  // user or admin what to do (re-authorize, ask an admin, retry later). Thread-safe; concurrent
  // calls for the same key share one exchange.
  virtual core::Result<core::Secret> AccessToken(const core::Principal& caller,
                                                 const std::vector<std::string>& scopes,
                                                 const std::atomic<bool>* cancelled) = 0;

  // Forgets the cached token for this key, after the upstream rejected it (401).
  virtual void Invalidate(const core::Principal& caller,
                          const std::vector<std::string>& scopes) = 0;
};

}  // namespace auth
