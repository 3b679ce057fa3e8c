#include "crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace janitor::sigv4::detail {
namespace {

const EVP_MD* sha256_md() {
  static const EVP_MD* md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) throw std::runtime_error("OpenSSL: SHA256 is not available");
    return m;
  }();
  return md;
}

EVP_MAC* hmac_mac() {
  static EVP_MAC* mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (m == nullptr) throw std::runtime_error("OpenSSL: HMAC is not available");
    return m;
  }();
  return mac;
}

struct md_ctx_deleter {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
struct mac_ctx_deleter {
  void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
};

EVP_MD_CTX* thread_md_ctx() {
  thread_local std::unique_ptr<EVP_MD_CTX, md_ctx_deleter> ctx{EVP_MD_CTX_new()};
  if (!ctx) throw std::runtime_error("OpenSSL: out of memory");
  return ctx.get();
}

// The digest is set once per context: naming it on every init makes OpenSSL
// fetch SHA256 again each time, which costs more than the MAC itself.
std::unique_ptr<EVP_MAC_CTX, mac_ctx_deleter> new_hmac_sha256_ctx() {
  std::unique_ptr<EVP_MAC_CTX, mac_ctx_deleter> ctx{EVP_MAC_CTX_new(hmac_mac())};
  if (!ctx) throw std::runtime_error("OpenSSL: out of memory");
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_MAC_CTX_set_params(ctx.get(), params) != 1)
    throw std::runtime_error("OpenSSL: HMAC-SHA256 setup failed");
  return ctx;
}

EVP_MAC_CTX* thread_mac_ctx() {
  thread_local std::unique_ptr<EVP_MAC_CTX, mac_ctx_deleter> ctx = new_hmac_sha256_ctx();
  return ctx.get();
}

// For the signing key, which is the same for a day: a context of its own that
// keeps the key's inner and outer pad state, so that signing with the same key
// again skips the two key blocks. The last key is kept to compare; it is
// wiped when the thread ends (the context holds the same secret state).
struct signing_mac {
  std::unique_ptr<EVP_MAC_CTX, mac_ctx_deleter> ctx = new_hmac_sha256_ctx();
  digest key{};
  bool keyed = false;
  ~signing_mac() { OPENSSL_cleanse(key.data(), key.size()); }
};

}  // namespace

digest sha256(std::string_view data) {
  digest out{};
  EVP_MD_CTX* ctx = thread_md_ctx();
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx, sha256_md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != out.size()) {
    throw std::runtime_error("OpenSSL: SHA256 failed");
  }
  return out;
}

digest hmac_sha256(std::span<const unsigned char> key, std::string_view data) {
  digest out{};
  EVP_MAC_CTX* ctx = thread_mac_ctx();
  std::size_t len = 0;
  if (EVP_MAC_init(ctx, key.data(), key.size(), nullptr) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, out.data(), &len, out.size()) != 1 || len != out.size()) {
    throw std::runtime_error("OpenSSL: HMAC-SHA256 failed");
  }
  return out;
}

digest hmac_sha256_same_key(std::span<const unsigned char, 32> key, std::string_view data) {
  thread_local signing_mac m;
  const bool same = m.keyed && CRYPTO_memcmp(m.key.data(), key.data(), key.size()) == 0;
  digest out{};
  std::size_t len = 0;
  if (EVP_MAC_init(m.ctx.get(), same ? nullptr : key.data(), same ? 0 : key.size(), nullptr) != 1 ||
      EVP_MAC_update(m.ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(m.ctx.get(), out.data(), &len, out.size()) != 1 || len != out.size()) {
    m.keyed = false;
    throw std::runtime_error("OpenSSL: HMAC-SHA256 failed");
  }
  if (!same) {
    std::copy(key.begin(), key.end(), m.key.begin());
    m.keyed = true;
  }
  return out;
}

void append_hex(std::string& out, std::span<const unsigned char> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  const std::size_t at = out.size();
  out.resize(at + 2 * bytes.size());
  char* p = out.data() + at;
  for (unsigned char b : bytes) {
    *p++ = digits[b >> 4];
    *p++ = digits[b & 0x0f];
  }
}

}  // namespace janitor::sigv4::detail
