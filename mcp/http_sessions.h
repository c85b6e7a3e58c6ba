// HttpSessionStore: the legacy-era (2025-03-26 .. 2025-11-25) sessions of the Streamable HTTP
// transport. A session is created by a successful `initialize`, named by an Mcp-Session-Id from a
// CSPRNG, bound to the subject that created it, and ends when deleted, when idle for longer than
// the timeout (sliding: every use restarts it), or when the store is closed.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/status.h"
#include "mcp/server.h"

namespace mcp {

struct HttpSession {
  HttpSession(std::string id, std::string subject)
      : id(std::move(id)), subject(std::move(subject)) {}

  const std::string id;       // the Mcp-Session-Id
  const std::string subject;  // the principal that created it
  Session state;              // what the dispatcher keeps (thread-safe itself)
  // Our requests to the client (sampling, elicitation, roots) awaiting the answers the client
  // POSTs back on this session.
  PendingRequests client_requests;
  // Session notifications (Session::Notify) waiting for the session's GET stream, oldest first;
  // guarded by the transport's stream lock.
  std::deque<std::string> outbox;
};

class HttpSessionStore {
 public:
  struct Options {
    std::size_t max_sessions = 1000;
    // Live sessions of one subject. At this cap, a new session of that subject replaces its
    // least recently used one, so one caller can neither fill the store nor lock itself out.
    std::size_t max_sessions_per_subject = 100;
    std::chrono::seconds idle_timeout{1800};
    const core::Clock* clock = nullptr;  // null: the system clock; must outlive the store
  };

  explicit HttpSessionStore(Options options);

  struct Created {
    std::shared_ptr<HttpSession> session;
    // The subject's least recently used session, ended to keep it within
    // max_sessions_per_subject; null when none had to go. The caller ends what runs in it.
    std::shared_ptr<HttpSession> evicted;
  };

  // A new session for `subject` with a fresh id: 192 bits from OpenSSL's RAND_bytes, base64url.
  // Expired sessions are purged first. A subject with max_sessions_per_subject live sessions
  // loses its least recently used one. kResourceExhausted when max_sessions live sessions exist
  // otherwise; kInternal when the random generator fails.
  core::Result<Created> Create(const std::string& subject);

  // The live session `id` of `subject`, its idle timer restarted. nullptr for an id that never
  // existed, was removed, has expired, or belongs to another subject: callers answer all of these
  // alike (404), so a caller cannot tell another subject's session from a missing one.
  std::shared_ptr<HttpSession> Find(const std::string& id, const std::string& subject);

  // Ends the session; false when Find(id, subject) would give nullptr.
  bool Remove(const std::string& id, const std::string& subject);

  // True while `session` is in the store and not idle-expired. Does not restart the timer.
  bool Alive(const HttpSession& session);

  // Ends every session; later Create calls still work.
  void Clear();

  // Live sessions, expired ones not counted.
  std::size_t size();

 private:
  struct Entry {
    std::shared_ptr<HttpSession> session;
    core::Clock::TimePoint last_used;
  };

  bool Expired(const Entry& entry, core::Clock::TimePoint now) const;
  void PurgeExpired(core::Clock::TimePoint now);
  std::size_t CountOf(const std::string& subject) const;  // under mutex_
  // Takes the subject's least recently used session out; null when it has none. Under mutex_.
  std::shared_ptr<HttpSession> RemoveLeastRecentlyUsed(const std::string& subject);

  Options options_;
  const core::Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, Entry> sessions_;
};

}  // namespace mcp
