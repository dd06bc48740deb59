// SPDX-License-Identifier: BSD-3-Clause
// crypto.hpp: OpenSSL 3 in a private library context: MD5, HMAC, RNG, ciphers and the SHA-2
// digests of HTTP mode.
#pragma once

#include <openssl/evp.h>
#include <openssl/types.h>
#include <sys/types.h>

#include <array>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "common/cipher_table.hpp"
#include "common/errc.hpp"
#include "common/secure.hpp"

namespace digestmd5 {

template <auto Fn>
struct FreeWith {
  template <typename T>
  void operator()(T* p) const noexcept {
    Fn(p);
  }
};
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, FreeWith<&EVP_MD_CTX_free>>;
using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, FreeWith<&EVP_CIPHER_CTX_free>>;
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, FreeWith<&EVP_MAC_CTX_free>>;

// Crypto owns a private OSSL_LIB_CTX with OpenSSL's default provider and, when available, the
// legacy provider (RC4, DES). It never touches the application's default library context. All
// algorithms are fetched once, in create(); every cipher is probed and only working ones are
// reported by available(). An instance is immutable after create() (but for the random pool,
// which a mutex guards) and safe to share.
class Crypto {
 public:
  // create loads the providers and fetches the algorithms. It fails with Unavailable if MD5 or
  // HMAC cannot be fetched; a missing legacy provider only removes RC4/DES (see legacy_note()).
  static Result<std::shared_ptr<const Crypto>> create();
  ~Crypto();
  Crypto(const Crypto&) = delete;
  Crypto& operator=(const Crypto&) = delete;

  [[nodiscard]] const EVP_MD* md5() const noexcept { return m_md5; }
  // sha256 and sha512_256 serve HTTP mode (RFC 7616); sha512_256 is nullptr when OpenSSL lacks
  // it, and sha256 is always there (create() fails without it).
  [[nodiscard]] const EVP_MD* sha256() const noexcept { return m_sha256; }
  [[nodiscard]] const EVP_MD* sha512_256() const noexcept { return m_sha512_256; }
  [[nodiscard]] EVP_MAC* hmac() const noexcept { return m_hmac; }
  // cipher returns the fetched EVP cipher for `id`, or nullptr when it is not available.
  [[nodiscard]] const EVP_CIPHER* cipher(CipherId id) const noexcept;
  [[nodiscard]] CipherSet available() const noexcept { return m_available; }
  // legacy_note is empty when the legacy provider loaded, else one line saying why not.
  [[nodiscard]] std::string_view legacy_note() const noexcept { return m_legacy_note; }
  // random fills `out` from OpenSSL's CSPRNG in the private context. Requests of up to 64
  // octets (nonces, cnonces, aes-cbc's random block per packet) are served from a pool that one
  // DRBG call refills with 512 octets, since a call costs about as much for 512 octets as for 32.
  // Each octet is handed out once and wiped from the pool; a forked child discards the pool it
  // inherited (process id check), so parent and child never hand out the same values. The
  // pool's lock is held only to copy octets, never across a DRBG call.
  [[nodiscard]] Status random(std::span<std::uint8_t> out) const noexcept;

 private:
  Crypto() = default;
  OSSL_LIB_CTX* m_libctx = nullptr;
  OSSL_PROVIDER* m_default = nullptr;
  OSSL_PROVIDER* m_legacy = nullptr;
  EVP_MD* m_md5 = nullptr;
  EVP_MD* m_sha256 = nullptr;
  EVP_MD* m_sha512_256 = nullptr;
  EVP_MAC* m_hmac = nullptr;
  std::array<EVP_CIPHER*, kCipherCount> m_ciphers{};
  CipherSet m_available;
  std::string_view m_legacy_note;

  static constexpr std::size_t kPoolSize = 512;
  static constexpr std::size_t kPoolMaxRequest = 64;
  mutable std::mutex m_pool_mutex;
  mutable std::array<std::uint8_t, kPoolSize> m_pool{};
  mutable std::size_t m_pool_left = 0;  // unused octets at the end of m_pool
  mutable pid_t m_pool_pid = 0;         // the process that filled m_pool
  // take_from_pool copies out.size() octets from the pool if it holds that many.
  bool take_from_pool(std::span<std::uint8_t> out) const noexcept;
  // take_locked copies and wipes the next octets; m_pool_mutex held, enough octets left.
  void take_locked(std::span<std::uint8_t> out) const noexcept;
};

// PublicDigest16 is an MD5 digest of public data: nothing to wipe.
using PublicDigest16 = std::array<std::uint8_t, 16>;

// Md5 hashes a sequence of parts.
class Md5 {
 public:
  explicit Md5(const Crypto& crypto);
  // restart begins a new digest in the same context (after final), saving an allocation.
  Md5& restart();
  Md5& update(ByteView part);
  Md5& update(std::string_view part) { return update(as_bytes(part)); }
  // final returns the 16-octet digest as a secret (H(A1), SS, keys); the object may not be
  // updated again until restart().
  Digest16 final();
  // final_public returns a digest of public data (H(A2), the response value) as plain octets.
  PublicDigest16 final_public();

 private:
  void finish(std::uint8_t* out);  // writes the 16 octets
  EvpMdCtxPtr m_ctx;
  const EVP_MD* m_md;
};

// hmac_md5 computes HMAC-MD5(key, data parts...).
Digest16 hmac_md5(const Crypto& crypto, ByteView key, std::initializer_list<ByteView> parts);

// hmac_sha256 computes HMAC-SHA-256(key, data parts...) (HTTP mode's keyed nonces).
SecretArray<32> hmac_sha256(const Crypto& crypto, ByteView key,
                            std::initializer_list<ByteView> parts);

// digest_hex returns the lower-case hex digest of the concatenated parts under `md` (HTTP mode's
// H(); the result may be secret, so it is held in SecureBytes).
SecureBytes digest_hex(const EVP_MD* md, std::initializer_list<ByteView> parts);

}  // namespace digestmd5
