// Owners for the OpenSSL objects the JWT code creates, and draining of OpenSSL's error queue.
// Internal to auth/jwt*, auth/jwks*.
#pragma once

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <string>

namespace auth::ossl {

struct Free {
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};

template <typename T>
using Ptr = std::unique_ptr<T, Free>;

// The text of every error queued on this thread ("(none)" when empty), clearing the queue. Call
// after any failed OpenSSL call: errors left behind would confuse the next TLS call on the thread.
std::string TakeErrors();

}  // namespace auth::ossl
