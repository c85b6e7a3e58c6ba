// HttplibClient: HttpClient over cpp-httplib, with TLS peer verification always on for https.
//
// Keeps a few idle connections per origin for reuse. Thread-safe: each request takes a
// connection of its own from the pool.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/http_client.h"

namespace httplib {
class Client;
}

namespace core {

class HttplibClient final : public HttpClient {
 public:
  struct Options {
    std::chrono::milliseconds connect_timeout{5000};
    std::string ca_bundle;  // empty: the system's default trust store
    std::size_t idle_per_origin = 8;
  };

  HttplibClient();
  explicit HttplibClient(Options options);
  ~HttplibClient() override;

  Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  std::unique_ptr<httplib::Client> Acquire(const std::string& origin);
  void Release(const std::string& origin, std::unique_ptr<httplib::Client> client);

  Options options_;
  std::mutex mutex_;
  std::map<std::string, std::vector<std::unique_ptr<httplib::Client>>> idle_;
};

}  // namespace core
