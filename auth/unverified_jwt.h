// Reading a JWT's `exp` and `sub` claims WITHOUT verifying the token.
//
// Only for deciding how long to keep something cached (a stdio subject token, an exchanged token
// bound to it) and under which key (the local user's sites). Never a basis for trust: anyone can
// write any `exp` into an unsigned payload. Verified tokens go through the JWT verifier instead.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace auth {

// Returns the `exp` of a compact JWS (header.payload.signature) as a time point, or nullopt when
// `token` is not shaped like a JWT, its payload is not a base64url JSON object, or `exp` is
// missing or not a non-negative number. Never throws.
std::optional<std::chrono::system_clock::time_point> UnverifiedJwtExpiry(std::string_view token);

// Returns the `sub` of a compact JWS when it is a non-empty string; nullopt otherwise, as above.
std::optional<std::string> UnverifiedJwtSubject(std::string_view token);

}  // namespace auth
