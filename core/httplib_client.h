// HttplibClient: HttpClient over cpp-httplib, with TLS peer verification always on for https.
//
// Keeps a few idle connections per origin for reuse. Thread-safe: each request takes a
// connection of its own from the pool.
//
// A request's `timeout` bounds the whole request (connecting, sending, waiting, reading), and a
// `cancelled` flag that turns true ends it within a few tens of milliseconds, also while the
// server is silent: a watchdog thread (one per client, for its lifetime) shuts the connection of
// such a request down. cpp-httplib's own timeouts apply to each read or write only, so a server
// that never answers held a cancelled call for the whole timeout, and one that drips bytes held
// it without end.
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

  class Watchdog;

  Options options_;
  std::mutex mutex_;
  std::map<std::string, std::vector<std::unique_ptr<httplib::Client>>> idle_;
  std::unique_ptr<Watchdog> watchdog_;
};

}  // namespace core
