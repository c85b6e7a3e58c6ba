#include "core/httplib_client.h"

#include <fmt/format.h>
#include <httplib.h>

#include "core/log.h"
#include "core/url.h"

namespace core {
namespace {

std::shared_ptr<spdlog::logger> Log() { return GetLogger("http"); }

Status TransportError(const Url& url, httplib::Error error) {
  const std::string reason = httplib::to_string(error);
  const Code code = error == httplib::Error::Read || error == httplib::Error::Write
                        ? Code::kDeadlineExceeded
                        : Code::kUnavailable;
  return {code, fmt::format("could not reach {} ({})", url.Origin(), reason),
          fmt::format("{} {}: {}", url.Origin(), url.path, reason)};
}

}  // namespace

HttplibClient::HttplibClient() : HttplibClient(Options{}) {}
HttplibClient::HttplibClient(Options options) : options_(std::move(options)) {}
HttplibClient::~HttplibClient() = default;

std::unique_ptr<httplib::Client> HttplibClient::Acquire(const std::string& origin) {
  {
    std::lock_guard lock(mutex_);
    auto& pool = idle_[origin];
    if (!pool.empty()) {
      auto client = std::move(pool.back());
      pool.pop_back();
      return client;
    }
  }
  auto client = std::make_unique<httplib::Client>(origin);
  client->set_keep_alive(true);
  // httplib writes a request's head and body apart; with Nagle the body would wait for the
  // server's delayed ACK (40 ms).
  client->set_tcp_nodelay(true);
  client->enable_server_certificate_verification(true);
  if (!options_.ca_bundle.empty()) {
    client->set_ca_cert_path(options_.ca_bundle);
  }
  const auto connect = options_.connect_timeout.count();
  client->set_connection_timeout(connect / 1000, (connect % 1000) * 1000);
  return client;
}

void HttplibClient::Release(const std::string& origin, std::unique_ptr<httplib::Client> client) {
  std::lock_guard lock(mutex_);
  auto& pool = idle_[origin];
  if (pool.size() < options_.idle_per_origin) {
    pool.push_back(std::move(client));
  }
}

Result<HttpResponse> HttplibClient::Send(const HttpRequest& request) {
  auto url = ParseUrl(request.url);
  if (!url.ok()) {
    return url.status();
  }
  const std::string origin = url->Origin();
  auto client = Acquire(origin);
  client->set_read_timeout(request.timeout);
  client->set_write_timeout(request.timeout);

  httplib::Request req;
  req.method = request.method;
  req.path = url->path;
  for (const auto& [key, value] : request.headers) {
    req.headers.emplace(key, value);
  }
  if (request.authorization) {
    req.headers.emplace("Authorization", request.authorization->Reveal());
  }
  if (!request.content_type.empty()) {
    req.headers.emplace("Content-Type", request.content_type);
  }
  req.body = request.body;

  HttpResponse response;
  bool too_large = false;
  bool cancelled = false;
  req.response_handler = [&](const httplib::Response& head) {
    response.status = head.status;
    return true;
  };
  req.content_receiver = [&](const char* data, size_t length, uint64_t /*offset*/,
                             uint64_t /*total*/) {
    if (request.cancelled != nullptr && request.cancelled->load()) {
      cancelled = true;
      return false;
    }
    if (response.body.size() + length > request.max_response_bytes) {
      too_large = true;
      return false;
    }
    response.body.append(data, length);
    return true;
  };
  req.progress = [&](uint64_t, uint64_t) {
    cancelled = request.cancelled != nullptr && request.cancelled->load();
    return !cancelled;
  };

  Log()->debug("send method={} origin={} path={}", request.method, origin, url->path);
  auto result = client->send(req);
  if (cancelled) {
    return Status(Code::kCancelled, "the request was cancelled");
  }
  if (too_large) {
    return Status(Code::kResourceExhausted,
                  fmt::format("the answer from {} was larger than {} bytes", origin,
                              request.max_response_bytes));
  }
  if (!result) {
    return TransportError(*url, result.error());
  }
  response.status = result->status;
  for (const auto& [key, value] : result->headers) {
    response.headers.emplace_back(key, value);
  }
  Log()->debug("recv method={} origin={} path={} status={} bytes={}", request.method, origin,
               url->path, response.status, response.body.size());
  Release(origin, std::move(client));
  return response;
}

}  // namespace core
