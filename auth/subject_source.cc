#include "auth/subject_source.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <vector>

#include "auth/unverified_jwt.h"
#include "core/log.h"

extern char** environ;  // POSIX: the environment handed to the command

namespace auth {
namespace {

using core::Code;
using core::Status;

constexpr std::int64_t kMaxPollMs = 3'600'000;  // keeps poll()'s int timeout in range

bool IsSpace(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && IsSpace(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

// Turns raw text into a token, or says what is wrong with it in terms of `where`.
core::Result<core::Secret> TokenFrom(std::string_view raw, const std::string& where) {
  const std::string_view token = Trim(raw);
  if (token.empty()) {
    return Status(Code::kFailedPrecondition,
                  fmt::format("{} holds no Keycard token; put a current token there.", where));
  }
  const bool clean = std::none_of(token.begin(), token.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c <= 0x20 || c == 0x7f;
  });
  if (!clean) {
    return Status(Code::kFailedPrecondition,
                  fmt::format("{} holds more than one token-like word or control characters; it "
                              "must hold exactly one Keycard token.",
                              where));
  }
  return core::Secret(std::string(token));
}

std::string ErrnoText(int error) { return std::generic_category().message(error); }

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }

  int Get() const { return fd_; }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }
  void Close() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

 private:
  int fd_ = -1;
};

// ---- running a command -------------------------------------------------------------------

struct CommandRun {
  std::string out;
  std::string err;
  int wait_status = 0;
  bool timed_out = false;
  bool too_much_output = false;
};

struct Pipe {
  Fd read;
  Fd write;
};

Status MakePipe(Pipe& pipe) {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    return {Code::kInternal, "Could not start the subject token command.",
            fmt::format("pipe2: {}", ErrnoText(errno))};
  }
  pipe.read.Reset(fds[0]);
  pipe.write.Reset(fds[1]);
  return Status::Ok();
}

// Starts /bin/sh -c `command` in a new process group, stdin from /dev/null, stdout and stderr
// into the pipes. posix_spawn rather than fork: this process has threads.
core::Result<pid_t> Spawn(const std::string& command, Pipe& out, Pipe& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write.Get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write.Get(), STDERR_FILENO);

  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  sigset_t default_signals;
  sigemptyset(&default_signals);
  sigaddset(&default_signals, SIGPIPE);  // servers often ignore SIGPIPE; the command should not
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setsigdefault(&attributes, &default_signals);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(
      &attributes,
      static_cast<short>(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));

  std::string shell = "/bin/sh";
  std::string flag = "-c";
  std::string script = command;
  std::array<char*, 4> argv = {shell.data(), flag.data(), script.data(), nullptr};
  pid_t pid = -1;
  const int error = posix_spawn(&pid, shell.c_str(), &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    return Status(
        Code::kFailedPrecondition,
        fmt::format("The subject token command could not be started: {}.", ErrnoText(error)));
  }
  return pid;
}

// Reads what is ready on `fd` into `sink`; false at end of file or on a read error.
bool Drain(int fd, std::string& sink) {
  std::array<char, 4096> buffer{};
  const ssize_t got = ::read(fd, buffer.data(), buffer.size());
  if (got < 0 && errno == EINTR) {
    return true;
  }
  if (got <= 0) {
    return false;
  }
  sink.append(buffer.data(), static_cast<std::size_t>(got));
  return true;
}

int RemainingMs(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, kMaxPollMs));
}

// Collects stdout and stderr until both close, the deadline passes or the output is too large.
void Collect(Pipe& out, Pipe& err, std::chrono::steady_clock::time_point deadline,
             std::size_t max_bytes, CommandRun& run) {
  std::array<pollfd, 2> fds = {pollfd{out.read.Get(), POLLIN, 0},
                               pollfd{err.read.Get(), POLLIN, 0}};
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    const int timeout = RemainingMs(deadline);
    if (timeout == 0) {
      run.timed_out = true;
      return;
    }
    const int ready = ::poll(fds.data(), fds.size(), timeout);
    if (ready < 0 && errno != EINTR) {
      run.timed_out = true;
      return;
    }
    for (std::size_t i = 0; i < fds.size() && ready > 0; ++i) {
      if (fds[i].fd >= 0 && fds[i].revents != 0 && !Drain(fds[i].fd, i == 0 ? run.out : run.err)) {
        fds[i].fd = -1;  // poll ignores negative descriptors
      }
    }
    if (run.out.size() > max_bytes || run.err.size() > max_bytes) {
      run.too_much_output = true;
      return;
    }
  }
}

// Waits for `pid` until the deadline; false when it is still running then.
bool WaitUntil(pid_t pid, std::chrono::steady_clock::time_point deadline, int& wait_status) {
  while (true) {
    const pid_t done = ::waitpid(pid, &wait_status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) {
      return true;
    }
    if (RemainingMs(deadline) == 0) {
      return false;
    }
    // Both pipes are closed, so the command is exiting or has detached its output; look again
    // shortly rather than block past the deadline.
    ::poll(nullptr, 0, 5);
  }
}

void KillGroup(pid_t pid, int& wait_status) {
  ::kill(-pid, SIGKILL);  // the group spawned for this command, nothing else
  while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
}

core::Result<CommandRun> RunCommand(const std::string& command, std::chrono::milliseconds timeout,
                                    std::size_t max_bytes) {
  Pipe out;
  Pipe err;
  if (auto status = MakePipe(out); !status.ok()) {
    return status;
  }
  if (auto status = MakePipe(err); !status.ok()) {
    return status;
  }
  const auto pid = Spawn(command, out, err);
  if (!pid.ok()) {
    return pid.status();
  }
  out.write.Close();
  err.write.Close();

  CommandRun run;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Collect(out, err, deadline, max_bytes, run);
  if (run.timed_out || run.too_much_output || !WaitUntil(*pid, deadline, run.wait_status)) {
    run.timed_out = !run.too_much_output;
    KillGroup(*pid, run.wait_status);
  }
  return run;
}

// The command's own output never goes into the message (nor into the log): a failing credential
// helper may print a token, or other secrets, on stderr.
Status CommandFailure(const CommandRun& run, std::chrono::milliseconds timeout) {
  if (run.timed_out) {
    return {Code::kDeadlineExceeded,
            fmt::format("The subject token command did not finish within {} ms and was stopped; "
                        "check KEYCARD_SUBJECT_TOKEN_COMMAND.",
                        timeout.count())};
  }
  if (run.too_much_output) {
    return {Code::kFailedPrecondition,
            "The subject token command printed far more than a token and was stopped; it must "
            "print only the Keycard token."};
  }
  if (WIFSIGNALED(run.wait_status)) {
    return {Code::kFailedPrecondition,
            fmt::format("The subject token command was killed by signal {}; run it yourself "
                        "to see why.",
                        WTERMSIG(run.wait_status))};
  }
  return {Code::kFailedPrecondition,
          fmt::format("The subject token command failed with exit status {}; run it yourself to "
                      "see why, fix it (for example, sign in to Keycard) and retry.",
                      WEXITSTATUS(run.wait_status))};
}

}  // namespace

// ---- environment -------------------------------------------------------------------------

namespace {

std::optional<std::string> ReadEnvironment(const std::string& variable) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read once, at start-up, before threads exist
  const char* value = std::getenv(variable.c_str());
  return value == nullptr ? std::nullopt : std::optional<std::string>(value);
}

}  // namespace

EnvSubjectTokenSource::EnvSubjectTokenSource(const Options& options)
    : EnvSubjectTokenSource(options.variable, ReadEnvironment(options.variable)) {}

EnvSubjectTokenSource::EnvSubjectTokenSource(std::string variable, std::optional<std::string> value)
    : variable_(std::move(variable)),
      token_(value ? TokenFrom(*value, "The environment variable " + variable_)
                   : core::Result<core::Secret>(Status(
                         Code::kFailedPrecondition,
                         fmt::format("The environment variable {} is not set; set it to your "
                                     "Keycard token, or configure another subject token source.",
                                     variable_)))) {
  if (token_.ok()) {
    core::GetLogger("auth")->info("subject_source kind=env variable={} token_fp={}", variable_,
                                  token_->Fingerprint());
  }
}

core::Result<core::Secret> EnvSubjectTokenSource::Current() { return token_; }

// ---- file --------------------------------------------------------------------------------

FileSubjectTokenSource::FileSubjectTokenSource(Options options) : options_(std::move(options)) {}

core::Result<core::Secret> FileSubjectTokenSource::Current() {
  std::lock_guard lock(mutex_);
  const std::string where = fmt::format("The subject token file {}", options_.path);
  struct stat info {};
  if (::stat(options_.path.c_str(), &info) != 0) {
    const int error = errno;
    stamp_.reset();
    read_.reset();
    return Status(Code::kFailedPrecondition,
                  fmt::format("{} cannot be read ({}); create it with a current Keycard token or "
                              "fix --subject-token-file (KEYCARD_SUBJECT_TOKEN_FILE).",
                              where, ErrnoText(error)));
  }
  const Stamp stamp{
      info.st_dev, info.st_ino, info.st_size,
      static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec};
  if (stamp_ && *stamp_ == stamp && read_) {
    return *read_;
  }

  if (static_cast<std::size_t>(info.st_size) > options_.max_bytes) {
    read_ = Status(
        Code::kFailedPrecondition,
        fmt::format("{} is larger than a token can be; it must hold only the token.", where));
    stamp_ = stamp;
    return *read_;
  }
  Fd fd(::open(options_.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.Get() < 0) {
    const int error = errno;
    return Status(Code::kFailedPrecondition,
                  fmt::format("{} cannot be read ({}).", where, ErrnoText(error)));
  }
  std::string contents;
  while (contents.size() <= options_.max_bytes && Drain(fd.Get(), contents)) {
  }

  read_ = TokenFrom(contents, where);
  stamp_ = stamp;
  auto log = core::GetLogger("auth");
  if (read_->ok()) {
    log->info("subject_source kind=file path={} token_fp={}", options_.path,
              read_->value().Fingerprint());
  } else {
    log->warn("subject_source kind=file path={} unusable=\"{}\"", options_.path,
              read_->status().message());
  }
  return *read_;
}

// ---- command -----------------------------------------------------------------------------

CommandSubjectTokenSource::CommandSubjectTokenSource(const core::Clock& clock, Options options)
    : clock_(clock), options_(std::move(options)) {}

core::Result<core::Secret> CommandSubjectTokenSource::Current() {
  std::lock_guard lock(mutex_);
  if (token_ && (!refresh_at_ || clock_.Now() < *refresh_at_)) {
    return *token_;
  }
  token_.reset();
  return Run();
}

void CommandSubjectTokenSource::Rejected(const core::Secret& token) {
  std::lock_guard lock(mutex_);
  if (token_ && *token_ == token) {
    core::GetLogger("auth")->info(
        "subject_source kind=command rejected token_fp={}; will run "
        "the command again",
        token.Fingerprint());
    token_.reset();
  }
}

core::Result<core::Secret> CommandSubjectTokenSource::Run() {
  auto log = core::GetLogger("auth");
  if (options_.command.empty()) {
    return Status(Code::kFailedPrecondition, "No subject token command is configured.");
  }
  const auto run = RunCommand(options_.command, options_.timeout, options_.max_output_bytes);
  if (!run.ok()) {
    log->warn("subject_source kind=command start_failed reason=\"{}\" {}", run.status().message(),
              run.status().detail());
    return run.status();
  }
  const bool exited_ok = !run->timed_out && !run->too_much_output && WIFEXITED(run->wait_status) &&
                         WEXITSTATUS(run->wait_status) == 0;
  if (!exited_ok) {
    Status status = CommandFailure(*run, options_.timeout);
    log->warn("subject_source kind=command failed reason=\"{}\" stderr_bytes={}", status.message(),
              run->err.size());
    return status;
  }

  auto token = TokenFrom(run->out, "The output of the subject token command");
  if (!token.ok()) {
    log->warn("subject_source kind=command unusable reason=\"{}\" stderr_bytes={}",
              token.status().message(), run->err.size());
    return token.status();
  }

  const auto expiry = UnverifiedJwtExpiry(token->Reveal());
  refresh_at_.reset();
  if (expiry) {
    refresh_at_ = *expiry - options_.refresh_before;
  }
  log->info("subject_source kind=command token_fp={} exp_known={}", token->Fingerprint(),
            expiry.has_value());
  token_ = *token;
  return token;
}

core::Result<std::string> LocalSubjectKey(SubjectTokenSource& source) {
  const auto token = source.Current();
  if (!token.ok()) {
    return token.status();
  }
  if (auto subject = UnverifiedJwtSubject(token->Reveal())) {
    return "sub:" + *subject;
  }
  return "fp:" + token->Fingerprint();
}

}  // namespace auth
