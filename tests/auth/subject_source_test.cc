#include "auth/subject_source.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "core/base64.h"
#include "tests/auth/auth_test_util.h"
#include "tests/fakes/fake_clock.h"

namespace auth {
namespace {

using core::Code;
using testing::TempDir;
namespace fs = std::filesystem;

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// Sets the file's modification time to `seconds` after the epoch.
void SetMtime(const std::string& path, std::int64_t seconds) {
  const std::array<timespec, 2> times = {timespec{seconds, 0}, timespec{seconds, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times.data(), 0), 0);
}

bool Says(const core::Status& status, const std::string& text) {
  return status.message().find(text) != std::string::npos;
}

// ---- environment ---------------------------------------------------------------------------

TEST(EnvSubjectTokenSource, TrimsTheCapturedValue) {
  EnvSubjectTokenSource source("KEYCARD_SUBJECT_TOKEN", "  tok-env\n");

  const auto token = source.Current();

  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->Reveal(), "tok-env");
}

TEST(EnvSubjectTokenSource, CapturesTheVariableAtConstruction) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): single-threaded test set-up
  ASSERT_EQ(::setenv("JIRA_MCP_TEST_SUBJECT", "tok-start", 1), 0);
  EnvSubjectTokenSource source({.variable = "JIRA_MCP_TEST_SUBJECT"});
  // NOLINTNEXTLINE(concurrency-mt-unsafe): single-threaded test set-up
  ASSERT_EQ(::setenv("JIRA_MCP_TEST_SUBJECT", "tok-later", 1), 0);

  const auto token = source.Current();

  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->Reveal(), "tok-start");
  ::unsetenv("JIRA_MCP_TEST_SUBJECT");  // NOLINT(concurrency-mt-unsafe): test tear-down
}

TEST(EnvSubjectTokenSource, MissingOrEmptyNamesTheVariable) {
  EnvSubjectTokenSource unset("KEYCARD_SUBJECT_TOKEN", std::nullopt);
  EnvSubjectTokenSource blank("KEYCARD_SUBJECT_TOKEN", " \n");

  for (auto* source : {&unset, &blank}) {
    const auto token = source->Current();

    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.status().code(), Code::kFailedPrecondition);
    EXPECT_TRUE(Says(token.status(), "KEYCARD_SUBJECT_TOKEN")) << token.status().message();
  }
}

// ---- file ----------------------------------------------------------------------------------

TEST(FileSubjectTokenSource, ReadsAndTrims) {
  TempDir dir;
  Write(dir.File("token"), "\n  tok-file-1 \r\n");
  FileSubjectTokenSource source({.path = dir.File("token")});

  const auto token = source.Current();

  ASSERT_TRUE(token.ok()) << token.status().message();
  EXPECT_EQ(token->Reveal(), "tok-file-1");
}

TEST(FileSubjectTokenSource, RereadsWhenTheSizeChanges) {
  TempDir dir;
  Write(dir.File("token"), "tok-1");
  FileSubjectTokenSource source({.path = dir.File("token")});
  ASSERT_EQ(source.Current()->Reveal(), "tok-1");

  Write(dir.File("token"), "tok-longer-2");

  EXPECT_EQ(source.Current()->Reveal(), "tok-longer-2");
}

TEST(FileSubjectTokenSource, RereadsWhenReplacedByRename) {
  TempDir dir;
  Write(dir.File("token"), "tok-A");
  SetMtime(dir.File("token"), 1000);
  FileSubjectTokenSource source({.path = dir.File("token")});
  ASSERT_EQ(source.Current()->Reveal(), "tok-A");

  Write(dir.File("next"), "tok-B");  // same size and mtime, another inode
  SetMtime(dir.File("next"), 1000);
  fs::rename(dir.File("next"), dir.File("token"));

  EXPECT_EQ(source.Current()->Reveal(), "tok-B");
}

TEST(FileSubjectTokenSource, RereadsWhenOnlyTheMtimeChanges) {
  TempDir dir;
  Write(dir.File("token"), "tok-A");
  SetMtime(dir.File("token"), 1000);
  FileSubjectTokenSource source({.path = dir.File("token")});
  ASSERT_EQ(source.Current()->Reveal(), "tok-A");

  Write(dir.File("token"), "tok-B");  // in place: same inode, same size
  SetMtime(dir.File("token"), 2000);

  EXPECT_EQ(source.Current()->Reveal(), "tok-B");
}

TEST(FileSubjectTokenSource, DoesNotRereadAnUnchangedFile) {
  TempDir dir;
  Write(dir.File("token"), "tok-A");
  SetMtime(dir.File("token"), 1000);
  FileSubjectTokenSource source({.path = dir.File("token")});
  ASSERT_EQ(source.Current()->Reveal(), "tok-A");

  // Same inode, size and mtime: only a re-read could see the new bytes.
  Write(dir.File("token"), "tok-B");
  SetMtime(dir.File("token"), 1000);

  EXPECT_EQ(source.Current()->Reveal(), "tok-A");
}

TEST(FileSubjectTokenSource, MissingFileIsAClearError) {
  TempDir dir;
  FileSubjectTokenSource source({.path = dir.File("absent")});

  const auto token = source.Current();

  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(Says(token.status(), dir.File("absent"))) << token.status().message();
  EXPECT_TRUE(Says(token.status(), "KEYCARD_SUBJECT_TOKEN_FILE")) << token.status().message();
}

TEST(FileSubjectTokenSource, EmptyOrMultiWordFileIsAClearError) {
  TempDir dir;
  Write(dir.File("empty"), " \n\n");
  Write(dir.File("two"), "tok-1\ntok-2\n");
  FileSubjectTokenSource empty({.path = dir.File("empty")});
  FileSubjectTokenSource two({.path = dir.File("two")});

  const auto no_token = empty.Current();
  const auto two_tokens = two.Current();

  ASSERT_FALSE(no_token.ok());
  EXPECT_TRUE(Says(no_token.status(), "holds no Keycard token")) << no_token.status().message();
  ASSERT_FALSE(two_tokens.ok());
  EXPECT_TRUE(Says(two_tokens.status(), "exactly one")) << two_tokens.status().message();
}

TEST(FileSubjectTokenSource, RecoversWhenTheFileAppears) {
  TempDir dir;
  FileSubjectTokenSource source({.path = dir.File("token")});
  ASSERT_FALSE(source.Current().ok());

  Write(dir.File("token"), "tok-late");

  ASSERT_TRUE(source.Current().ok());
  EXPECT_EQ(source.Current()->Reveal(), "tok-late");
}

// ---- command -------------------------------------------------------------------------------

TEST(CommandSubjectTokenSource, PrintsTheTokenTrimmed) {
  fakes::FakeClock clock;
  CommandSubjectTokenSource source(clock, {.command = "printf '  tok-cmd-1\\n\\n'"});

  const auto token = source.Current();

  ASSERT_TRUE(token.ok()) << token.status().message();
  EXPECT_EQ(token->Reveal(), "tok-cmd-1");
}

// The command counts its runs in a file and prints tok-<run>.
std::string CountingCommand(const TempDir& dir) {
  return fmt::format(
      "n=$(cat '{0}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '{0}'; "
      "echo tok-$n",
      dir.File("runs"));
}

TEST(CommandSubjectTokenSource, KeepsAnOpaqueTokenUntilRejected) {
  TempDir dir;
  fakes::FakeClock clock;
  CommandSubjectTokenSource source(clock, {.command = CountingCommand(dir)});
  ASSERT_EQ(source.Current()->Reveal(), "tok-1");
  clock.Advance(std::chrono::hours(48));
  ASSERT_EQ(source.Current()->Reveal(), "tok-1");

  source.Rejected(core::Secret("tok-other"));  // not the token held: no effect
  const auto still = source.Current();
  source.Rejected(core::Secret("tok-1"));
  const auto fresh = source.Current();

  EXPECT_EQ(still->Reveal(), "tok-1");
  EXPECT_EQ(fresh->Reveal(), "tok-2");
}

TEST(CommandSubjectTokenSource, RunsAgainWhenTheJwtNearsExpiry) {
  TempDir dir;
  fakes::FakeClock clock;
  const std::string first = testing::MakeJwt(clock.Now() + std::chrono::seconds(300), "one");
  const std::string second = testing::MakeJwt(clock.Now() + std::chrono::seconds(900), "two");
  Write(dir.File("jwt"), first);
  CommandSubjectTokenSource source(clock, {.command = "cat '" + dir.File("jwt") + "'",
                                           .refresh_before = std::chrono::seconds(60)});
  ASSERT_EQ(source.Current()->Reveal(), first);
  Write(dir.File("jwt"), second);

  clock.Advance(std::chrono::seconds(239));
  const auto before = source.Current();
  clock.Advance(std::chrono::seconds(2));
  const auto after = source.Current();

  EXPECT_EQ(before->Reveal(), first);
  EXPECT_EQ(after->Reveal(), second);
}

TEST(CommandSubjectTokenSource, NonZeroExitGivesTheExitStatus) {
  fakes::FakeClock clock;
  CommandSubjectTokenSource source(
      clock, {.command = "echo 'keycard: not signed in; run keycard login' >&2; exit 3"});

  const auto token = source.Current();

  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(Says(token.status(), "exit status 3")) << token.status().message();
  EXPECT_TRUE(Says(token.status(), "run it yourself")) << token.status().message();
}

// F17: a failing helper may print a token on stderr; it reaches neither the message (which the
// agent sees in the tool result) nor the detail nor the log, which says only how many bytes.
TEST(CommandSubjectTokenSource, StderrOfAFailingCommandAppearsNowhere) {
  constexpr char kLeaked[] = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnLVNFQ1JFVA";
  testing::LogCapture logs;
  fakes::FakeClock clock;
  CommandSubjectTokenSource failing(
      clock, {.command = std::string("echo 'refresh failed for ") + kLeaked + "' >&2; exit 4"});
  CommandSubjectTokenSource unusable(clock,
                                     {.command = std::string("echo ") + kLeaked + " >&2; exit 0"});
  CommandSubjectTokenSource killed(
      clock, {.command = std::string("echo ") + kLeaked + " >&2; kill -9 $$"});

  const auto results = {failing.Current(), unusable.Current(), killed.Current()};
  const std::string log = logs.Text();

  for (const auto& result : results) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().message().find("eyJ"), std::string::npos)
        << result.status().message();
    EXPECT_EQ(result.status().detail().find("eyJ"), std::string::npos) << result.status().detail();
  }
  EXPECT_EQ(log.find("eyJ"), std::string::npos) << log;
  EXPECT_NE(log.find("stderr_bytes="), std::string::npos) << log;
}

TEST(CommandSubjectTokenSource, EmptyOutputIsAnError) {
  fakes::FakeClock clock;
  CommandSubjectTokenSource source(clock, {.command = "echo 'no token today' >&2"});

  const auto token = source.Current();

  ASSERT_FALSE(token.ok());
  EXPECT_TRUE(Says(token.status(), "holds no Keycard token")) << token.status().message();
  EXPECT_FALSE(Says(token.status(), "no token today")) << token.status().message();
}

TEST(CommandSubjectTokenSource, GetsNothingFromOurStdin) {
  fakes::FakeClock clock;
  // `cat` with no file copies stdin; stdin is /dev/null, so it ends at once with no output.
  CommandSubjectTokenSource source(clock, {.command = "cat", .timeout = std::chrono::seconds(10)});

  const auto token = source.Current();

  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), Code::kFailedPrecondition);
}

// True while `pid` is a live process (a zombie counts as dead).
bool Alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) {
    return false;
  }
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

// Waits (bounded) for `pid` to die; SIGKILL is delivered asynchronously.
bool DiesSoon(pid_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (Alive(pid) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  return !Alive(pid);
}

TEST(CommandSubjectTokenSource, TimesOutAndKillsTheWholeProcessGroup) {
  TempDir dir;
  fakes::FakeClock clock;
  const std::string pid_file = dir.File("child.pid");
  CommandSubjectTokenSource source(clock,
                                   {.command = "sleep 30 & echo $! > '" + pid_file + "'; wait",
                                    .timeout = std::chrono::milliseconds(1000)});
  const auto start = std::chrono::steady_clock::now();

  const auto token = source.Current();

  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), Code::kDeadlineExceeded);
  EXPECT_TRUE(Says(token.status(), "did not finish within 1000 ms")) << token.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  pid_t child = 0;
  ASSERT_TRUE(std::ifstream(pid_file) >> child);
  EXPECT_TRUE(DiesSoon(child));
}

TEST(CommandSubjectTokenSource, TimesOutWhenAChildKeepsTheOutputOpen) {
  fakes::FakeClock clock;
  CommandSubjectTokenSource source(
      clock, {.command = "sleep 30 & echo tok", .timeout = std::chrono::milliseconds(200)});
  const auto start = std::chrono::steady_clock::now();

  const auto token = source.Current();

  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), Code::kDeadlineExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(CommandSubjectTokenSource, DoesNotCacheAFailure) {
  TempDir dir;
  fakes::FakeClock clock;
  CommandSubjectTokenSource source(clock, {.command = "cat '" + dir.File("late") + "'"});
  ASSERT_FALSE(source.Current().ok());

  Write(dir.File("late"), "tok-late\n");
  const auto token = source.Current();

  ASSERT_TRUE(token.ok()) << token.status().message();
  EXPECT_EQ(token->Reveal(), "tok-late");
}

// F9: the key of the local user's site cache changes when the token file changes user.
TEST(LocalSubjectKey, FollowsTheSubjectOfTheCurrentToken) {
  const TempDir dir;
  const std::string path = dir.File("token");
  const auto jwt_of = [](const std::string& sub) {
    return "eyJhbGciOiJSUzI1NiJ9." + core::Base64UrlEncode(R"({"sub":")" + sub + R"("})") + ".c2ln";
  };
  FileSubjectTokenSource source({.path = path});

  const auto missing = LocalSubjectKey(source);
  Write(path, jwt_of("alice"));
  const auto alice = LocalSubjectKey(source);
  Write(path, jwt_of("bob") + "\n");
  const auto bob = LocalSubjectKey(source);
  Write(path, "opaque-token-1");
  const auto opaque = LocalSubjectKey(source);

  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(Says(missing.status(), path)) << missing.status().message();
  ASSERT_TRUE(alice.ok() && bob.ok() && opaque.ok());
  EXPECT_EQ(*alice, "sub:alice");
  EXPECT_EQ(*bob, "sub:bob");
  EXPECT_EQ(*opaque, "fp:" + core::Secret("opaque-token-1").Fingerprint());
}

}  // namespace
}  // namespace auth
