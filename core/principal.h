// Principal: the person a request acts for.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/secret.h"

namespace core {

struct Principal {
  // Stable identifier for cache keys and logs: the verified token's `sub` over HTTP, "local" for
  // a stdio process (one user per process).
  std::string subject = "local";
  // The caller's verified Keycard access token (HTTP). Empty over stdio, where the subject token
  // comes from a configured source instead.
  std::optional<Secret> token;
  // When `token` stops being valid (its `exp`); nullopt when unknown.
  std::optional<std::chrono::system_clock::time_point> token_expiry;
};

}  // namespace core
