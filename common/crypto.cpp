// SPDX-License-Identifier: BSD-3-Clause
// crypto.cpp: the private OpenSSL library context and the primitives built on it.
#include "common/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cstring>
#include <new>
#include <stdexcept>

#include "common/encoding.hpp"

namespace digestmd5 {
namespace {

// probe_cipher encrypts one block with an all-zero key, so a cipher that fetches but cannot
// key (as OpenSSL 3's DES with a FIPS-only provider set) is not offered.
bool probe_cipher(const EVP_CIPHER* cipher) noexcept {
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) {
    return false;
  }
  std::array<unsigned char, 32> key{};
  std::array<unsigned char, 16> iv{};
  key[0] = 1;
  const int key_len = EVP_CIPHER_get_key_length(cipher);
  if (key_len <= 0 || static_cast<std::size_t>(key_len) > key.size()) {
    return false;
  }
  if (EVP_EncryptInit_ex2(ctx.get(), cipher, key.data(), iv.data(), nullptr) != 1) {
    return false;
  }
  std::array<unsigned char, 16> in{};
  std::array<unsigned char, 32> out{};
  int out_len = 0;
  return EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1 &&
         EVP_EncryptUpdate(ctx.get(), out.data(), &out_len, in.data(), 16) == 1;
}

}  // namespace

Result<std::shared_ptr<const Crypto>> Crypto::create() {
  std::shared_ptr<Crypto> c(new Crypto());
  c->m_libctx = OSSL_LIB_CTX_new();
  if (c->m_libctx == nullptr) {
    return fail(Errc::NoMemory, "cannot create an OpenSSL library context");
  }
  c->m_default = OSSL_PROVIDER_load(c->m_libctx, "default");
  if (c->m_default == nullptr) {
    return fail(Errc::Unavailable, "cannot load OpenSSL's default provider");
  }
  c->m_legacy = OSSL_PROVIDER_load(c->m_libctx, "legacy");
  if (c->m_legacy == nullptr) {
    c->m_legacy_note = "OpenSSL legacy provider not available: rc4 and des are not offered";
  }
  c->m_md5 = EVP_MD_fetch(c->m_libctx, "MD5", nullptr);
  c->m_hmac = EVP_MAC_fetch(c->m_libctx, "HMAC", nullptr);
  c->m_sha256 = EVP_MD_fetch(c->m_libctx, "SHA2-256", nullptr);
  c->m_sha512_256 = EVP_MD_fetch(c->m_libctx, "SHA2-512/256", nullptr);
  if (c->m_md5 == nullptr || c->m_hmac == nullptr || c->m_sha256 == nullptr) {
    return fail(Errc::Unavailable, "OpenSSL provides no MD5, SHA-256 or HMAC");
  }
  for (const auto& info : kCiphers) {
    auto& slot = c->m_ciphers[static_cast<std::size_t>(info.id)];
    slot = EVP_CIPHER_fetch(c->m_libctx, info.evp_name, nullptr);
    if (slot != nullptr && probe_cipher(slot)) {
      c->m_available.add(info.id);
    }
  }
  return std::shared_ptr<const Crypto>(std::move(c));
}

Crypto::~Crypto() {
  OPENSSL_cleanse(m_pool.data(), m_pool.size());
  for (auto* cipher : m_ciphers) {
    EVP_CIPHER_free(cipher);
  }
  EVP_MAC_free(m_hmac);
  EVP_MD_free(m_md5);
  EVP_MD_free(m_sha256);
  EVP_MD_free(m_sha512_256);
  if (m_legacy != nullptr) {
    OSSL_PROVIDER_unload(m_legacy);
  }
  if (m_default != nullptr) {
    OSSL_PROVIDER_unload(m_default);
  }
  OSSL_LIB_CTX_free(m_libctx);
}

const EVP_CIPHER* Crypto::cipher(CipherId id) const noexcept {
  return m_available.has(id) ? m_ciphers[static_cast<std::size_t>(id)] : nullptr;
}

Status Crypto::random(std::span<std::uint8_t> out) const noexcept {
  if (out.size() > kPoolMaxRequest) {
    if (RAND_bytes_ex(m_libctx, out.data(), out.size(), 0) != 1) {
      return fail(Errc::Unavailable, "random number generator failed");
    }
    return {};
  }
  // The pool's lock is never held across the generator: a thread that finds the pool short
  // draws a whole pool's worth outside the lock, then takes its octets from whichever pool is
  // current once it holds the lock again.
  if (take_from_pool(out)) {
    return {};
  }
  SecretArray<kPoolSize> fresh;
  if (RAND_bytes_ex(m_libctx, fresh.data(), fresh.size(), 0) != 1) {
    return fail(Errc::Unavailable, "random number generator failed");
  }
  const std::lock_guard lock(m_pool_mutex);
  if (m_pool_left < out.size()) {
    std::memcpy(m_pool.data(), fresh.data(), m_pool.size());
    m_pool_left = m_pool.size();
  }
  take_locked(out);
  return {};
}

bool Crypto::take_from_pool(std::span<std::uint8_t> out) const noexcept {
  const std::lock_guard lock(m_pool_mutex);
  if (const pid_t pid = getpid(); pid != m_pool_pid) {  // a forked child must not reuse octets
    OPENSSL_cleanse(m_pool.data(), m_pool.size());
    m_pool_left = 0;
    m_pool_pid = pid;
  }
  if (m_pool_left < out.size()) {
    return false;
  }
  take_locked(out);
  return true;
}

void Crypto::take_locked(std::span<std::uint8_t> out) const noexcept {
  std::uint8_t* next = m_pool.data() + (m_pool.size() - m_pool_left);
  std::memcpy(out.data(), next, out.size());
  OPENSSL_cleanse(next, out.size());
  m_pool_left -= out.size();
}

Md5::Md5(const Crypto& crypto) : m_ctx(EVP_MD_CTX_new()), m_md(crypto.md5()) {
  if (!m_ctx) {
    throw std::bad_alloc();
  }
  restart();
}

Md5& Md5::restart() {
  if (EVP_DigestInit_ex2(m_ctx.get(), m_md, nullptr) != 1) {
    throw std::runtime_error("MD5 init failed");
  }
  return *this;
}

Md5& Md5::update(ByteView part) {
  if (EVP_DigestUpdate(m_ctx.get(), part.data(), part.size()) != 1) {
    throw std::runtime_error("MD5 update failed");
  }
  return *this;
}

Digest16 Md5::final() {
  Digest16 out;
  finish(out.data());
  return out;
}

PublicDigest16 Md5::final_public() {
  PublicDigest16 out{};
  finish(out.data());
  return out;
}

void Md5::finish(std::uint8_t* out) {
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(m_ctx.get(), out, &len) != 1 || len != 16) {
    throw std::runtime_error("MD5 final failed");
  }
}

namespace {

// hmac_into computes HMAC under the digest `name` into `out` (exactly the digest's size).
void hmac_into(const Crypto& crypto, const char* name, ByteView key,
               std::initializer_list<ByteView> parts, std::span<std::uint8_t> out) {
  EvpMacCtxPtr ctx(EVP_MAC_CTX_new(crypto.hmac()));
  if (!ctx) {
    throw std::bad_alloc();
  }
  std::string digest_name(name);
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name.data(), 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1) {
    throw std::runtime_error("HMAC init failed");
  }
  for (const auto& p : parts) {
    if (EVP_MAC_update(ctx.get(), p.data(), p.size()) != 1) {
      throw std::runtime_error("HMAC update failed");
    }
  }
  std::size_t len = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != out.size()) {
    throw std::runtime_error("HMAC final failed");
  }
}

}  // namespace

Digest16 hmac_md5(const Crypto& crypto, ByteView key, std::initializer_list<ByteView> parts) {
  Digest16 out;
  hmac_into(crypto, "MD5", key, parts, {out.data(), out.size()});
  return out;
}

SecretArray<32> hmac_sha256(const Crypto& crypto, ByteView key,
                            std::initializer_list<ByteView> parts) {
  SecretArray<32> out;
  hmac_into(crypto, "SHA2-256", key, parts, {out.data(), out.size()});
  return out;
}

SecureBytes digest_hex(const EVP_MD* md, std::initializer_list<ByteView> parts) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) {
    throw std::bad_alloc();
  }
  if (EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1) {
    throw std::runtime_error("digest init failed");
  }
  for (const auto& p : parts) {
    if (EVP_DigestUpdate(ctx.get(), p.data(), p.size()) != 1) {
      throw std::runtime_error("digest update failed");
    }
  }
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> raw{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), raw.data(), &len) != 1) {
    throw std::runtime_error("digest final failed");
  }
  SecureBytes hex = to_secure_hex(ByteView(raw.data(), len));
  OPENSSL_cleanse(raw.data(), raw.size());
  return hex;
}

}  // namespace digestmd5
