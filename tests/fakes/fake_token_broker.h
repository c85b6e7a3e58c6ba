// FakeTokenBroker: hands out scripted Jira tokens and records every request and invalidation.
//
// Each AccessToken call answers the current token ("jira-token-1" at first); Invalidate moves on
// to the next one ("jira-token-2", ...), so a test can tell a re-exchanged token from the first.
// FailWith makes every later AccessToken call fail with that status. Thread-safe.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/token_broker.h"

namespace fakes {

class FakeTokenBroker : public auth::TokenBroker {
 public:
  core::Result<core::Secret> AccessToken(const core::Principal& caller,
                                         const std::vector<std::string>& scopes,
                                         const std::atomic<bool>* /*cancelled*/) override {
    std::lock_guard lock(mutex_);
    subjects_.push_back(caller.subject);
    scope_requests_.push_back(scopes);
    if (failure_) {
      return *failure_;
    }
    return core::Secret("jira-token-" + std::to_string(generation_));
  }

  void Invalidate(const core::Principal& /*caller*/,
                  const std::vector<std::string>& scopes) override {
    std::lock_guard lock(mutex_);
    invalidated_.push_back(scopes);
    ++generation_;
  }

  void FailWith(core::Status status) {
    std::lock_guard lock(mutex_);
    failure_ = std::move(status);
  }

  std::vector<std::vector<std::string>> scope_requests() const {
    std::lock_guard lock(mutex_);
    return scope_requests_;
  }
  std::vector<std::vector<std::string>> invalidated() const {
    std::lock_guard lock(mutex_);
    return invalidated_;
  }
  std::vector<std::string> subjects() const {
    std::lock_guard lock(mutex_);
    return subjects_;
  }

 private:
  mutable std::mutex mutex_;
  int generation_ = 1;
  std::optional<core::Status> failure_;
  std::vector<std::string> subjects_;
  std::vector<std::vector<std::string>> scope_requests_;
  std::vector<std::vector<std::string>> invalidated_;
};

}  // namespace fakes
