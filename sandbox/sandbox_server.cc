#include "sandbox/sandbox_server.h"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/base64.h"
#include "core/listen_error.h"
#include "core/listening_server.h"
#include "core/log.h"
#include "sandbox/internal.h"
#include "sandbox/seed.h"

namespace sandbox {
namespace {

using core::Code;
using core::Result;
using core::Status;

std::shared_ptr<spdlog::logger> Log() { return core::GetLogger("sandbox"); }

constexpr std::int64_t kLeewaySeconds = 30;

Result<State> LoadOrSeed(const SandboxServer::Options& options, bool& loaded) {
  loaded = false;
  const std::uint32_t seed = options.seed == 0 ? kDefaultSeed : options.seed;
  if (options.state_file.empty()) {
    return SeedState(seed);
  }
  std::ifstream in(options.state_file, std::ios::binary);
  if (!in) {
    return SeedState(seed);
  }
  std::stringstream text;
  text << in.rdbuf();
  const Json json = Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  auto state = FromJson(json);
  if (!state.ok()) {
    return state.status().WithContext("reading " + options.state_file);
  }
  loaded = true;
  return state;
}

std::string HostForUrl(const std::string& host) {
  if (host.find(':') != std::string::npos && host.front() != '[') {
    return "[" + host + "]";
  }
  return host;
}

bool AudienceHas(const Json& aud, std::string_view want) {
  if (aud.is_string()) {
    return aud.get<std::string>() == want;
  }
  if (aud.is_array()) {
    return std::any_of(aud.begin(), aud.end(), [&](const Json& a) {
      return a.is_string() && a.get<std::string>() == want;
    });
  }
  return false;
}

void SendGatewayError(httplib::Response& res, const char* message) {
  SendJson(res, 401, {{"code", 401}, {"message", message}});
}

}  // namespace

// ---- ServerCore ----

std::int64_t ServerCore::NowMillis() const {
  const auto now = settings.clock->Now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
}

std::int64_t ServerCore::NowSeconds() const { return NowMillis() / 1000; }

std::string ServerCore::IssueUserToken(const User& user, const std::string& audience,
                                       const std::string& scope) const {
  const std::int64_t now = NowSeconds();
  Json claims = {{"iss", settings.base_url},
                 {"sub", user.account_id},
                 {"aud", audience.empty() ? settings.base_url : audience},
                 {"iat", now},
                 {"nbf", now},
                 {"exp", now + settings.token_lifetime.count()},
                 {"jti", RandomToken(12)},
                 {"client_id", settings.client_id},
                 {"name", user.display_name},
                 {"email", user.email},
                 {"preferred_username", user.login}};
  if (!scope.empty()) {
    claims["scope"] = scope;
  }
  return key.Sign(claims, "at+jwt");
}

void ServerCore::Save() const {
  if (settings.state_file.empty()) {
    return;
  }
  const std::string temp = settings.state_file + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << ToJson(state).dump(1, ' ', false, Json::error_handler_t::replace) << '\n';
    if (!out) {
      Log()->error("event=state_save_failed file={}", settings.state_file);
      return;
    }
  }
  if (std::rename(temp.c_str(), settings.state_file.c_str()) != 0) {
    Log()->error("event=state_save_failed file={}", settings.state_file);
  }
}

// ---- HTTP helpers ----

void SendJson(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace),
                  "application/json;charset=UTF-8");
}

void SendEmpty(httplib::Response& res, int status) {
  res.status = status;
  res.set_header("Content-Type", "application/json;charset=UTF-8");
}

void SendJiraError(httplib::Response& res, int status, const std::vector<std::string>& messages,
                   const Json& errors) {
  SendJson(res, status, {{"errorMessages", messages}, {"errors", errors}});
}

std::set<std::string> ScopeWords(const std::string& text) {
  std::set<std::string> words;
  std::istringstream in(text);
  for (std::string word; in >> word;) {
    words.insert(word);
  }
  return words;
}

std::vector<std::string> ListParam(const httplib::Request& req, const std::string& name) {
  std::vector<std::string> values;
  const std::size_t count = req.get_param_value_count(name);
  for (std::size_t i = 0; i < count; ++i) {
    const std::string value = req.get_param_value(name, i);
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      while (!item.empty() && item.front() == ' ') {
        item.remove_prefix(1);
      }
      while (!item.empty() && item.back() == ' ') {
        item.remove_suffix(1);
      }
      if (!item.empty()) {
        values.emplace_back(item);
      }
      rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
    }
  }
  return values;
}

std::int64_t IntParam(const httplib::Request& req, const std::string& name, std::int64_t fallback) {
  if (!req.has_param(name)) {
    return fallback;
  }
  const std::string text = req.get_param_value(name);
  if (text.empty() || text.size() > 12 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return -1;
  }
  return std::stoll(text);
}

std::string RandomToken(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    return {};
  }
  return core::Base64UrlEncode(raw);
}

bool JiraCall::Body(Json& out) {
  out = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (out.is_object()) {
    return true;
  }
  SendJiraError(res, 400,
                {"Invalid request payload. Refer to the REST API documentation and try again."});
  return false;
}

Json VerifyJiraToken(ServerCore& core, const httplib::Request& req) {
  const std::string header = req.get_header_value("Authorization");
  static constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() ||
      !EqualsIgnoreCase(header.substr(0, kBearer.size()), kBearer)) {
    return Json::object();
  }
  auto claims = core.key.Verify(header.substr(kBearer.size()));
  if (!claims.ok()) {
    Log()->warn("event=jira_token_rejected reason=\"{}\"", claims.status().detail());
    return Json::object();
  }
  const std::int64_t now = core.NowSeconds();
  const Json& c = *claims;
  if (c.value("iss", "") != core.settings.base_url || !c.contains("aud") ||
      !AudienceHas(c["aud"], kJiraResource) || !c.contains("exp") || !c["exp"].is_number() ||
      c["exp"].get<std::int64_t>() + kLeewaySeconds <= now ||
      (c.contains("nbf") && c["nbf"].is_number() &&
       c["nbf"].get<std::int64_t>() > now + kLeewaySeconds)) {
    Log()->warn("event=jira_token_rejected reason=\"wrong issuer, audience or lifetime\"");
    return Json::object();
  }
  return c;
}

void JiraRoute(httplib::Server& server, ServerCore& core, std::string_view method,
               const std::string& path_regex, const std::string& scope, JiraHandler handler) {
  auto wrapped = [&core, accepted = ScopeWords(scope), handler = std::move(handler)](
                     const httplib::Request& req, httplib::Response& res) {
    const std::lock_guard lock(core.mutex);
    const Json claims = VerifyJiraToken(core, req);
    if (claims.empty()) {
      SendGatewayError(res, "Unauthorized");
      return;
    }
    const User* user = core.state.FindUser(claims.value("sub", ""));
    const std::string cloud_id = req.matches[1].str();
    Site* site = core.state.FindSite(cloud_id);
    if (user == nullptr || site == nullptr ||
        std::find(user->sites.begin(), user->sites.end(), cloud_id) == user->sites.end()) {
      SendGatewayError(res, "Unauthorized");
      return;
    }
    const std::set<std::string> granted = ScopeWords(claims.value("scope", ""));
    if (std::none_of(accepted.begin(), accepted.end(),
                     [&granted](const std::string& word) { return granted.contains(word); })) {
      SendGatewayError(res, "Unauthorized; scope does not match");
      return;
    }
    JiraCall call{.core = core,
                  .req = req,
                  .res = res,
                  .user = *user,
                  .site = *site,
                  .api = core.settings.base_url + "/ex/jira/" + cloud_id};
    try {
      handler(call);
    } catch (const Json::exception& e) {
      Log()->warn("event=bad_jira_request path={} reason=\"{}\"", req.path, e.what());
      SendJiraError(
          res, 400,
          {"Invalid request payload. Refer to the REST API documentation and try again."});
    }
    if (call.mutated) {
      core.Save();
    }
  };
  const std::string pattern = "/ex/jira/([^/]+)" + path_regex;
  if (method == "GET") {
    server.Get(pattern, wrapped);
  } else if (method == "POST") {
    server.Post(pattern, wrapped);
  } else if (method == "PUT") {
    server.Put(pattern, wrapped);
  } else if (method == "DELETE") {
    server.Delete(pattern, wrapped);
  }
}

// ---- SandboxServer ----

constexpr std::size_t kServerThreads = 128;

struct SandboxServer::Impl {
  core::ListeningServer server;
  std::thread thread;
  std::unique_ptr<ServerCore> core;
  int port = 0;
  bool running = false;
  std::atomic<bool> listen_returned{false};
};

SandboxServer::SandboxServer(Options options) : options_(std::move(options)) {}

SandboxServer::~SandboxServer() { Stop(); }

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") {
    return true;
  }
  unsigned a = 0;
  unsigned b = 0;
  unsigned c = 0;
  unsigned d = 0;
  char tail = 0;
  // NOLINTNEXTLINE(cert-err34-c): the %u fields are range-checked right below
  if (std::sscanf(host.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4) {
    return false;
  }
  return a == 127 && b <= 255 && c <= 255 && d <= 255;
}

Status SandboxServer::Start() {
  if (impl_ && impl_->running) {
    return Status(Code::kFailedPrecondition, "the sandbox is already running");
  }
  if (!IsLoopbackHost(options_.host)) {
    return Status(
        Code::kInvalidArgument,
        fmt::format("the sandbox binds loopback addresses only, not '{}'", options_.host));
  }
  bool loaded = false;
  auto state = LoadOrSeed(options_, loaded);
  if (!state.ok()) {
    return state.status();
  }
  auto key = SigningKey::Generate();
  if (!key.ok()) {
    return key.status();
  }

  impl_ = std::make_unique<Impl>();
  // httplib's default adds SO_REUSEPORT, which lets a second sandbox bind the same port and
  // silently share its traffic (and answer with another signing key). Reuse the address only.
  impl_->server.set_socket_options([](socket_t sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  const std::string bind_host = options_.host == "[::1]" ? "::1" : options_.host;
  // Without it, a reply written in two parts waits for the client's delayed ACK (40 ms).
  impl_->server.set_tcp_nodelay(true);
  // httplib gives each keep-alive connection a thread until it idles out (5 s); its default of 8
  // threads stalled every client past the eighth connection (a server's idle pool, a benchmark's
  // 64 sessions) for those 5 s.
  impl_->server.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  if (options_.port == 0) {
    impl_->port = impl_->server.bind_to_any_port(bind_host);
  } else {
    impl_->port = impl_->server.bind_to_port(bind_host, options_.port) ? options_.port : -1;
  }
  if (impl_->port <= 0) {
    return core::ListenFailed(options_.host, options_.port, errno);
  }
  if (!impl_->server.RaiseBacklog()) {
    Log()->warn("event=listen_backlog_unchanged errno={}", errno);
  }

  Settings settings{
      .base_url = fmt::format("http://{}:{}", HostForUrl(bind_host), impl_->port),
      .client_id = options_.client_id,
      .client_secret = options_.client_secret,
      .demo_password = options_.demo_password,
      .token_lifetime = options_.token_lifetime,
      .clock = options_.clock != nullptr ? options_.clock : &core::SystemClock::Instance(),
      .state_file = options_.state_file};
  impl_->core =
      std::make_unique<ServerCore>(std::move(settings), std::move(*key), std::move(*state));
  if (!loaded) {
    impl_->core->Save();
  }

  auto& server = impl_->server;
  server.set_payload_max_length(8U << 20);
  server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    Log()->debug("method={} path={} status={}", req.method, req.path, res.status);
  });
  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res,
                                  const std::exception_ptr&) {
    Log()->error("event=handler_exception method={} path={}", req.method, req.path);
    SendJson(res, 500, {{"errorMessages", {"Internal server error"}}, {"errors", Json::object()}});
  });
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) {
      return;
    }
    const bool too_large = res.status == 413;
    if (req.path.rfind("/ex/jira/", 0) == 0) {
      SendJiraError(res, res.status,
                    {too_large ? "The request body is larger than this site accepts."
                               : "No resource found at this path."});
    } else {
      SendJson(res, res.status, {{"error", too_large ? "request_too_large" : "not_found"}});
    }
  });
  RegisterZone(server, *impl_->core);
  RegisterJira(server, *impl_->core);
  RegisterAgile(server, *impl_->core);

  impl_->running = true;
  impl_->thread = std::thread([impl = impl_.get()] {
    impl->server.listen_after_bind();
    impl->listen_returned = true;
  });
  // httplib's stop() is a no-op until the accept loop has started, so a Stop() right after
  // Start() would hang in join(). The loop starts within microseconds; wait for it here.
  while (!impl_->server.is_running() && !impl_->listen_returned) {
    std::this_thread::yield();
  }
  Log()->info("event=sandbox_started url={} state={}", impl_->core->settings.base_url,
              options_.state_file.empty() ? "memory" : options_.state_file);
  return Status::Ok();
}

int SandboxServer::port() const { return impl_ ? impl_->port : 0; }

std::string SandboxServer::base_url() const {
  return impl_ && impl_->core ? impl_->core->settings.base_url : std::string();
}

void SandboxServer::Stop() {
  if (!impl_ || !impl_->running) {
    return;
  }
  impl_->server.stop();
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
  impl_->running = false;
  Log()->info("event=sandbox_stopped");
}

Result<std::string> SandboxServer::UserToken(const std::string& user, const std::string& audience,
                                             const std::string& scope) {
  if (!impl_ || !impl_->core) {
    return Status(Code::kFailedPrecondition, "the sandbox is not running");
  }
  const std::lock_guard lock(impl_->core->mutex);
  const User* found = impl_->core->state.FindUserByName(user);
  if (found == nullptr) {
    return Status(Code::kNotFound, fmt::format("no demo user '{}'", user));
  }
  return impl_->core->IssueUserToken(*found, audience, scope);
}

}  // namespace sandbox
