// HttpClient: the seam between this server and every upstream (Keycard zone, Atlassian).
//
// Implementations never throw. A transport failure (refused, TLS, timeout) is a non-ok Result;
// any HTTP status, 4xx and 5xx included, is an ok Result carrying that status. Implementations
// are safe to call from several threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/secret.h"
#include "core/status.h"

namespace core {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive lookup of the first header named `name`; nullopt when absent.
std::optional<std::string> FindHeader(const HttpHeaders& headers, std::string_view name);

// `text` without the optional whitespace (spaces and tabs, RFC 9110 §5.6.3) around a field value
// or one of its parts.
std::string_view TrimOws(std::string_view text);

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute
  HttpHeaders headers;
  // The whole Authorization header value ("Bearer ...", "Basic ..."), kept apart from the other
  // headers so it is never logged with them.
  std::optional<Secret> authorization;
  std::string body;
  std::string content_type;  // for a body; empty means none
  std::chrono::milliseconds timeout{30000};
  // A larger response body is cut off and answered as kResourceExhausted.
  std::size_t max_response_bytes = 16U << 20;
  // Polled while the request runs; when it turns true the request is abandoned (kCancelled).
  const std::atomic<bool>* cancelled = nullptr;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;

  std::optional<std::string> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace core
