// Helpers shared by the auth tests: a zone on loopback (never contacted: the HTTP client is the
// scripted fake), JWT-shaped tokens, form decoding and log capture.
#pragma once

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/base64.h"
#include "core/log.h"
#include "tests/fakes/capturing_sink.h"
#include "tests/fakes/fake_http_client.h"
#include "tests/fakes/temp_dir.h"

namespace auth::testing {

inline constexpr char kZone[] = "http://127.0.0.1:4010";
inline constexpr char kMetadataUrl[] =
    "http://127.0.0.1:4010/.well-known/oauth-authorization-server";
inline constexpr char kTokenEndpoint[] = "http://127.0.0.1:4010/tenant/token";

// A metadata document for kZone whose token endpoint is kTokenEndpoint.
inline std::string Metadata(const std::string& issuer = kZone) {
  return nlohmann::json{{"issuer", issuer},
                        {"token_endpoint", kTokenEndpoint},
                        {"jwks_uri", std::string(kZone) + "/jwks"},
                        {"authorization_endpoint", std::string(kZone) + "/oauth/2/authorize"},
                        {"scopes_supported", {"openid", "offline_access"}}}
      .dump();
}

// Scripts discovery of kZone on `http`.
inline void ServeMetadata(fakes::FakeHttpClient& http) {
  http.OnJson("GET", kMetadataUrl, 200, Metadata());
}

// An unsigned JWT-shaped token whose payload holds `exp` (and `tag`, to tell tokens apart).
inline std::string MakeJwt(std::chrono::system_clock::time_point exp, std::string_view tag = "t") {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(exp.time_since_epoch());
  const std::string header = R"({"alg":"RS256","kid":"k1","typ":"JWT"})";
  const std::string payload =
      fmt::format(R"({{"sub":"u1","exp":{},"tag":"{}"}})", seconds.count(), tag);
  return core::Base64UrlEncode(header) + "." + core::Base64UrlEncode(payload) + ".c2ln";
}

// Decodes an application/x-www-form-urlencoded body; a repeated name keeps its last value.
inline std::map<std::string, std::string> ParseForm(std::string_view body) {
  auto decode = [](std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '+') {
        out += ' ';
      } else if (text[i] == '%' && i + 2 < text.size()) {
        out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        out += text[i];
      }
    }
    return out;
  };
  std::map<std::string, std::string> form;
  while (!body.empty()) {
    const auto amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    const auto eq = pair.find('=');
    form[decode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : decode(pair.substr(eq + 1));
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
  }
  return form;
}

using fakes::TempDir;

// Captures every log line at trace level while alive; restores stderr at info afterwards.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<fakes::CapturingSink>()) {
    core::SetLogSink(sink_);
    core::SetLogLevel("trace");
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  ~LogCapture() {
    core::SetLogSink(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    core::SetLogLevel("info");
  }

  std::string Text() { return sink_->Text(); }

 private:
  std::shared_ptr<fakes::CapturingSink> sink_;
};

}  // namespace auth::testing
