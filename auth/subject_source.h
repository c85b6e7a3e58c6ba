// Subject-token sources for stdio (and HTTP with --auth none): where the local user's Keycard
// access token comes from when no bearer header carries it.
//
// Construction (the lead picks one from the settings):
//
//   KEYCARD_SUBJECT_TOKEN          auth::EnvSubjectTokenSource env({});  // reads it now
//   KEYCARD_SUBJECT_TOKEN_FILE     auth::FileSubjectTokenSource file({.path = path});
//   KEYCARD_SUBJECT_TOKEN_COMMAND  auth::CommandSubjectTokenSource cmd(
//                                      core::SystemClock::Instance(), {.command = command});
//
// Every source trims surrounding whitespace and refuses a value that is empty or holds inner
// whitespace or control characters. None logs a token; logs show its fingerprint at most. All are
// thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/secret.h"
#include "core/status.h"

namespace auth {

class SubjectTokenSource {
 public:
  virtual ~SubjectTokenSource() = default;

  // Returns the subject token to exchange now. Errors (kFailedPrecondition, kDeadlineExceeded)
  // carry a message that tells the user how to fix the source.
  virtual core::Result<core::Secret> Current() = 0;

  // Tells the source that the zone refused `token` (invalid_grant), so a source that can obtain a
  // fresh one does so on the next Current(). The default does nothing.
  virtual void Rejected(const core::Secret& token) { static_cast<void>(token); }
};

// A token given once in an environment variable; the value is captured at construction.
class EnvSubjectTokenSource final : public SubjectTokenSource {
 public:
  struct Options {
    std::string variable = "KEYCARD_SUBJECT_TOKEN";
  };

  // Reads the variable now (call this before starting threads).
  explicit EnvSubjectTokenSource(const Options& options);
  // For callers that already read the environment: `value` is what the variable held, if set.
  EnvSubjectTokenSource(std::string variable, std::optional<std::string> value);

  core::Result<core::Secret> Current() override;

 private:
  std::string variable_;
  core::Result<core::Secret> token_;
};

// A token kept in a file that something else rewrites (a login helper, a sidecar). The file is
// read on first use and again whenever its inode, size or modification time change.
class FileSubjectTokenSource final : public SubjectTokenSource {
 public:
  struct Options {
    std::string path;
    std::size_t max_bytes = std::size_t{64} * 1024;
  };

  explicit FileSubjectTokenSource(Options options);

  // Errors: kFailedPrecondition when the file is missing, unreadable, too large or holds no
  // usable token; the message names the file and what to do.
  core::Result<core::Secret> Current() override;

 private:
  struct Stamp {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    std::int64_t mtime_ns = 0;
    friend bool operator==(const Stamp&, const Stamp&) = default;
  };

  Options options_;
  std::mutex mutex_;
  std::optional<Stamp> stamp_;                      // of the file last read
  std::optional<core::Result<core::Secret>> read_;  // what that read gave
};

// A token printed by a command, for example `keycard credential read <resource>`. The command
// runs through /bin/sh -c with stdin from /dev/null, in its own process group, and is killed
// (the whole group) when it outlives `timeout`. Its stdout, trimmed, is the token; its stderr is
// read and dropped: neither errors nor logs quote the command's output (a failing credential
// helper may print a token there), the log says only how many bytes it wrote. The output is cached
// and the command runs again only when the token is within `refresh_before` of its `exp` (read,
// unverified, when the token is a JWT), after Rejected(), or after a failed run. A token without a
// readable `exp` is kept until Rejected().
class CommandSubjectTokenSource final : public SubjectTokenSource {
 public:
  struct Options {
    std::string command;
    std::chrono::milliseconds timeout{30000};  // wall time, not the injected clock
    std::chrono::seconds refresh_before{60};
    std::size_t max_output_bytes = std::size_t{64} * 1024;
  };

  // `clock` (for the token's expiry) must outlive this object.
  CommandSubjectTokenSource(const core::Clock& clock, Options options);

  // Errors: kFailedPrecondition when the command cannot start, exits non-zero, is killed,
  // prints nothing usable or too much (the message gives the exit status, never the output);
  // kDeadlineExceeded when it times out. Concurrent callers share one run.
  core::Result<core::Secret> Current() override;
  void Rejected(const core::Secret& token) override;

 private:
  core::Result<core::Secret> Run();

  const core::Clock& clock_;
  Options options_;
  std::mutex mutex_;
  std::optional<core::Secret> token_;
  std::optional<core::Clock::TimePoint> refresh_at_;  // nullopt: keep until Rejected()
};

// A key naming the local user behind `source`'s current token, for caches that must change
// when the token changes user (the Jira site list): "sub:<sub>" from the token's `sub` claim
// read without verification, or "fp:<fingerprint>" for a token without one. Never a basis for
// trust. Errors: the source's own, unchanged, when it has no usable token now; the caller should
// fail with it rather than ask the source again (a failed command source runs its command anew
// on every Current()).
core::Result<std::string> LocalSubjectKey(SubjectTokenSource& source);

}  // namespace auth
