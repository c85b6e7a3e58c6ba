#include "mcp/http_sessions.h"

#include <openssl/rand.h>

#include <algorithm>

#include "core/base64.h"

namespace mcp {
namespace {

constexpr int kSessionIdBytes = 24;

std::optional<std::string> RandomId() {
  unsigned char bytes[kSessionIdBytes];
  if (RAND_bytes(bytes, kSessionIdBytes) != 1) {
    return std::nullopt;
  }
  // Base64url keeps the id within the visible ASCII the spec requires for Mcp-Session-Id.
  return core::Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(bytes), kSessionIdBytes));
}

}  // namespace

HttpSessionStore::HttpSessionStore(Options options)
    : options_(options),
      clock_(options.clock != nullptr ? *options.clock : core::SystemClock::Instance()) {}

core::Result<HttpSessionStore::Created> HttpSessionStore::Create(const std::string& subject) {
  auto id = RandomId();
  if (!id) {
    return core::Status(core::Code::kInternal, "could not create a session",
                        "RAND_bytes failed for a session id");
  }
  const auto now = clock_.Now();
  std::lock_guard lock(mutex_);
  PurgeExpired(now);
  // At its cap a subject loses its least recently used session rather than being refused: a
  // client that leaks sessions (never sends DELETE) would otherwise lock its user out until
  // they idle out, and that session's client recovers by starting over on its next 404.
  std::shared_ptr<HttpSession> evicted;
  if (CountOf(subject) >= options_.max_sessions_per_subject) {
    evicted = RemoveLeastRecentlyUsed(subject);
  }
  if (sessions_.size() >= options_.max_sessions) {
    return core::Status(core::Code::kResourceExhausted,
                        "the server has too many open sessions; try again later");
  }
  auto session = std::make_shared<HttpSession>(*id, subject);
  sessions_[*id] = Entry{session, now};
  return Created{.session = session, .evicted = std::move(evicted)};
}

std::shared_ptr<HttpSession> HttpSessionStore::Find(const std::string& id,
                                                    const std::string& subject) {
  const auto now = clock_.Now();
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(id);
  if (it == sessions_.end()) {
    return nullptr;
  }
  if (Expired(it->second, now)) {
    sessions_.erase(it);
    return nullptr;
  }
  if (it->second.session->subject != subject) {
    return nullptr;  // a session never changes hands; its owner's timer is left alone
  }
  it->second.last_used = now;
  return it->second.session;
}

bool HttpSessionStore::Remove(const std::string& id, const std::string& subject) {
  if (Find(id, subject) == nullptr) {
    return false;
  }
  std::lock_guard lock(mutex_);
  return sessions_.erase(id) == 1;
}

bool HttpSessionStore::Alive(const HttpSession& session) {
  const auto now = clock_.Now();
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(session.id);
  return it != sessions_.end() && it->second.session.get() == &session && !Expired(it->second, now);
}

void HttpSessionStore::Clear() {
  std::lock_guard lock(mutex_);
  sessions_.clear();
}

std::size_t HttpSessionStore::size() {
  const auto now = clock_.Now();
  std::lock_guard lock(mutex_);
  PurgeExpired(now);
  return sessions_.size();
}

bool HttpSessionStore::Expired(const Entry& entry, core::Clock::TimePoint now) const {
  return now - entry.last_used > options_.idle_timeout;
}

std::size_t HttpSessionStore::CountOf(const std::string& subject) const {
  return static_cast<std::size_t>(
      std::count_if(sessions_.begin(), sessions_.end(),
                    [&](const auto& item) { return item.second.session->subject == subject; }));
}

std::shared_ptr<HttpSession> HttpSessionStore::RemoveLeastRecentlyUsed(const std::string& subject) {
  auto oldest = sessions_.end();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->second.session->subject == subject &&
        (oldest == sessions_.end() || it->second.last_used < oldest->second.last_used)) {
      oldest = it;
    }
  }
  if (oldest == sessions_.end()) {
    return nullptr;
  }
  auto session = std::move(oldest->second.session);
  sessions_.erase(oldest);
  return session;
}

void HttpSessionStore::PurgeExpired(core::Clock::TimePoint now) {
  std::erase_if(sessions_, [&](const auto& item) { return Expired(item.second, now); });
}

}  // namespace mcp
