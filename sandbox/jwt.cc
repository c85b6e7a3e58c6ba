#include "sandbox/jwt.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <vector>

#include "core/base64.h"

namespace sandbox {
namespace {

using core::Code;
using core::Result;
using core::Status;
using Json = nlohmann::json;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};

Result<std::string> BigNumParam(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return Status(Code::kInternal, "key parameter unavailable", name);
  }
  const std::unique_ptr<BIGNUM, BnFree> bn(raw);
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  return core::Base64UrlEncode(bytes);
}

Status Unauthenticated(std::string reason) {
  return {Code::kUnauthenticated, "invalid token", std::move(reason)};
}

}  // namespace

std::string Sha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    return {};
  }
  return {reinterpret_cast<const char*>(digest), length};
}

SigningKey::SigningKey(std::shared_ptr<evp_pkey_st> key, std::string n, std::string e)
    : key_(std::move(key)), n_(std::move(n)), e_(std::move(e)) {
  // RFC 7638 thumbprint input (members in lexicographic order), shortened: a stable kid.
  const std::string thumb_input = R"({"e":")" + e_ + R"(","kty":"RSA","n":")" + n_ + R"("})";
  kid_ = core::Base64UrlEncode(Sha256(thumb_input)).substr(0, 16);
}

Result<SigningKey> SigningKey::Generate() {
  EVP_PKEY* raw = EVP_RSA_gen(2048);
  if (raw == nullptr) {
    return Status(Code::kInternal, "could not generate the signing key", "EVP_RSA_gen failed");
  }
  std::shared_ptr<evp_pkey_st> key(raw, EVP_PKEY_free);
  auto n = BigNumParam(raw, OSSL_PKEY_PARAM_RSA_N);
  if (!n.ok()) {
    return n.status();
  }
  auto e = BigNumParam(raw, OSSL_PKEY_PARAM_RSA_E);
  if (!e.ok()) {
    return e.status();
  }
  return SigningKey(std::move(key), std::move(*n), std::move(*e));
}

Json SigningKey::PublicJwk() const {
  return {{"kty", "RSA"}, {"use", "sig"}, {"alg", "RS256"}, {"kid", kid_}, {"n", n_}, {"e", e_}};
}

std::string SigningKey::Sign(const Json& claims, std::string_view typ) const {
  const Json header = {{"alg", "RS256"}, {"typ", std::string(typ)}, {"kid", kid_}};
  const std::string input =
      core::Base64UrlEncode(header.dump()) + "." + core::Base64UrlEncode(claims.dump());

  const MdCtx ctx(EVP_MD_CTX_new());
  std::size_t length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return {};
  }
  std::vector<unsigned char> signature(length);
  if (EVP_DigestSign(ctx.get(), signature.data(), &length,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return {};
  }
  return input + "." +
         core::Base64UrlEncode(
             std::string_view(reinterpret_cast<const char*>(signature.data()), length));
}

Result<Json> SigningKey::Verify(std::string_view token) const {
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Unauthenticated("not a compact JWS");
  }
  const auto header_text = core::Base64UrlDecode(token.substr(0, first));
  const auto payload_text = core::Base64UrlDecode(token.substr(first + 1, second - first - 1));
  const auto signature = core::Base64UrlDecode(token.substr(second + 1));
  if (!header_text || !payload_text || !signature) {
    return Unauthenticated("bad base64url");
  }

  const Json header = Json::parse(*header_text, nullptr, false);
  const Json claims = Json::parse(*payload_text, nullptr, false);
  if (!header.is_object() || !claims.is_object()) {
    return Unauthenticated("header or payload is not a JSON object");
  }
  // Compared as JSON values: a non-string alg or kid simply does not match (value() would throw).
  if (!header.contains("alg") || header["alg"] != "RS256") {
    return Unauthenticated("alg is not RS256");
  }
  if (!header.contains("kid") || header["kid"] != kid_) {
    return Unauthenticated("unknown kid");
  }

  const std::string_view input = token.substr(0, second);
  const MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1) {
    return Status(Code::kInternal, "verification unavailable");
  }
  if (EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature->data()),
                       signature->size(), reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) != 1) {
    return Unauthenticated("bad signature");
  }
  return claims;
}

}  // namespace sandbox
