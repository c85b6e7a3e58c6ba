// FakeHttpClient: scripted HTTP answers and a record of every request, for unit tests.
//
// Routes match on method and URL prefix (or exact URL); a route answers from its queue of
// responses, repeating the last one when the queue runs dry. An unmatched request answers a
// transport error (kUnavailable) so a test notices a call it did not expect.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/http_client.h"

namespace fakes {

class FakeHttpClient : public core::HttpClient {
 public:
  using Handler = std::function<core::Result<core::HttpResponse>(const core::HttpRequest&)>;

  // Answers requests whose method equals `method` and whose URL starts with `url_prefix`.
  void On(const std::string& method, const std::string& url_prefix, core::HttpResponse response) {
    std::lock_guard lock(mutex_);
    Route* route = FindRoute(method, url_prefix);
    if (route == nullptr) {
      routes_.push_back({method, url_prefix, {}, nullptr});
      route = &routes_.back();
    }
    route->responses.push_back(std::move(response));
  }

  // Answers with `status` and a JSON (or any) body.
  void OnJson(const std::string& method, const std::string& url_prefix, int status,
              std::string body, core::HttpHeaders headers = {}) {
    headers.emplace_back("Content-Type", "application/json");
    On(method, url_prefix, core::HttpResponse{status, std::move(headers), std::move(body)});
  }

  // Answers through a function (for transport errors or answers computed from the request).
  void OnCall(const std::string& method, const std::string& url_prefix, Handler handler) {
    std::lock_guard lock(mutex_);
    routes_.push_back({method, url_prefix, {}, std::move(handler)});
  }

  core::Result<core::HttpResponse> Send(const core::HttpRequest& request) override {
    std::unique_lock lock(mutex_);
    requests_.push_back(request);
    Route* best = nullptr;
    for (auto& route : routes_) {
      if (route.method == request.method && request.url.rfind(route.url_prefix, 0) == 0 &&
          (best == nullptr || route.url_prefix.size() > best->url_prefix.size())) {
        best = &route;
      }
    }
    if (best == nullptr) {
      return core::Status(core::Code::kUnavailable,
                          "FakeHttpClient: no route for " + request.method + " " + request.url);
    }
    if (best->handler) {
      Handler handler = best->handler;
      lock.unlock();
      return handler(request);
    }
    core::HttpResponse response = best->responses.front();
    if (best->responses.size() > 1) {
      best->responses.pop_front();
    }
    return response;
  }

  std::vector<core::HttpRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  // The requests whose URL contains `fragment`.
  std::vector<core::HttpRequest> RequestsTo(const std::string& fragment) const {
    std::lock_guard lock(mutex_);
    std::vector<core::HttpRequest> out;
    for (const auto& request : requests_) {
      if (request.url.find(fragment) != std::string::npos) {
        out.push_back(request);
      }
    }
    return out;
  }

 private:
  struct Route {
    std::string method;
    std::string url_prefix;
    std::deque<core::HttpResponse> responses;
    Handler handler;
  };

  Route* FindRoute(const std::string& method, const std::string& url_prefix) {
    for (auto& route : routes_) {
      if (route.method == method && route.url_prefix == url_prefix && !route.handler) {
        return &route;
      }
    }
    return nullptr;
  }

  mutable std::mutex mutex_;
  std::deque<Route> routes_;
  std::vector<core::HttpRequest> requests_;
};

}  // namespace fakes
