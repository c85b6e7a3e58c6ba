#include "mcp/client_request_mrtr.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sys/random.h>

#include <array>
#include <cerrno>

#include "core/base64.h"

namespace mcp {
namespace {

constexpr std::size_t kKeyBytes = 32;

core::Status BadState(const std::string& why) {
  return {core::Code::kInvalidArgument,
          "Invalid params: requestState " + why + "; retry the request without requestState"};
}

// From the kernel's CSPRNG (getrandom(2)): OpenSSL's RAND_bytes would first set up its DRBG, a
// quarter of all the instructions from exec to the first answer, for a key most sessions never use.
std::string RandomKey() {
  std::string key(kKeyBytes, '\0');
  std::size_t filled = 0;
  while (filled < key.size()) {
    const ssize_t got = getrandom(key.data() + filled, key.size() - filled, 0);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      key.clear();  // no key: every state is refused, the safe outcome
      return key;
    }
    filled += static_cast<std::size_t>(got);
  }
  return key;
}

std::string HexSha256(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  std::string hex;
  for (const unsigned char byte : digest) {
    hex += fmt::format("{:02x}", byte);
  }
  return hex;
}

long long ToSeconds(RequestStateCodec::TimePoint time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

}  // namespace

RequestStateCodec::RequestStateCodec(std::string key)
    : key_(key.empty() ? RandomKey() : std::move(key)) {}

std::string RequestStateCodec::Mac(std::string_view payload) const {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int size = 0;
  if (key_.empty() || HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
                           reinterpret_cast<const unsigned char*>(payload.data()), payload.size(),
                           mac.data(), &size) == nullptr) {
    return {};
  }
  return {reinterpret_cast<const char*>(mac.data()), size};
}

std::string RequestStateCodec::Seal(const State& state) const {
  const Json payload = {{"v", 1},
                        {"sub", state.subject},
                        {"bind", state.binding},
                        {"exp", ToSeconds(state.expires)},
                        {"r", state.answers}};
  const std::string text = payload.dump(-1, ' ', false, Json::error_handler_t::replace);
  return core::Base64UrlEncode(text) + "." + core::Base64UrlEncode(Mac(text));
}

core::Result<RequestStateCodec::State> RequestStateCodec::Open(std::string_view text,
                                                               const std::string& subject,
                                                               const std::string& binding,
                                                               TimePoint now) const {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos) {
    return BadState("is malformed");
  }
  const auto payload = core::Base64UrlDecode(text.substr(0, dot));
  const auto mac = core::Base64UrlDecode(text.substr(dot + 1));
  if (!payload || !mac) {
    return BadState("is malformed");
  }
  const std::string expected = Mac(*payload);
  if (expected.empty() || expected.size() != mac->size() ||
      CRYPTO_memcmp(expected.data(), mac->data(), expected.size()) != 0) {
    return BadState("failed its integrity check");
  }

  const Json json = Json::parse(*payload, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || json.value("v", 0) != 1 || !json.value("exp", Json()).is_number() ||
      !json.value("r", Json()).is_object()) {
    return BadState("is malformed");
  }
  if (json.value("sub", std::string()) != subject) {
    return BadState("belongs to another caller");
  }
  if (json.value("bind", std::string()) != binding) {
    return BadState("belongs to another request");
  }
  if (json["exp"].get<long long>() < ToSeconds(now)) {
    return BadState("has expired");
  }
  State state;
  state.subject = subject;
  state.binding = binding;
  state.expires = TimePoint(std::chrono::seconds(json["exp"].get<long long>()));
  state.answers = json["r"];
  return state;
}

std::string RequestBinding(const std::string& method, std::string_view name,
                           const Json& arguments) {
  // {"arguments":…,"name":…} as nlohmann writes it (members in key order), built as text: the
  // arguments may be megabytes of rich text, not worth a copy as JSON.
  constexpr auto kReplace = Json::error_handler_t::replace;
  const std::string salient = R"({"arguments":)" + arguments.dump(-1, ' ', false, kReplace) +
                              R"(,"name":)" + Json(name).dump(-1, ' ', false, kReplace) + "}";
  return method + ":" + HexSha256(salient);
}

MrtrRequester::MrtrRequester(Json client_capabilities, Json answers)
    : capabilities_(std::move(client_capabilities)), answers_(std::move(answers)) {}

bool MrtrRequester::Supports(std::string_view capability) const {
  return capabilities_.is_object() && capabilities_.contains(capability);
}

core::Result<Json> MrtrRequester::Request(const std::string& key, const std::string& method,
                                          Json params) {
  const std::string capability = CapabilityForMethod(method);
  if (capability.empty()) {
    return core::Status(core::Code::kInvalidArgument,
                        fmt::format("{} is not a request a server may send", method));
  }
  std::lock_guard lock(mutex_);
  if (!Supports(capability)) {
    missing_[capability] = Json::object();
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("the client does not support {} ({})", capability, method));
  }
  if (const auto it = answers_.find(key); it != answers_.end()) {
    if (auto status = ValidateClientResult(method, *it); !status.ok()) {
      invalid_ = status;
      return status;
    }
    used_[key] = *it;
    return *it;
  }
  requests_[key] = {{"method", method}, {"params", std::move(params)}};
  return core::Status(core::Code::kUnavailable,
                      fmt::format("waiting for the client's answer to '{}'", key));
}

bool MrtrRequester::pending() const {
  std::lock_guard lock(mutex_);
  return !requests_.empty();
}

Json MrtrRequester::input_requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

Json MrtrRequester::used_answers() const {
  std::lock_guard lock(mutex_);
  return used_;
}

Json MrtrRequester::missing_capabilities() const {
  std::lock_guard lock(mutex_);
  return missing_;
}

std::optional<core::Status> MrtrRequester::invalid_answer() const {
  std::lock_guard lock(mutex_);
  return invalid_;
}

}  // namespace mcp
