// SPDX-License-Identifier: BSD-3-Clause
// http_digest.hpp: HTTP Digest's algorithms and computations (RFC 2617 §3.2.2, RFC 7616 §3.4;
// docs/protocol.md §12): H(A1) as hex for MD5, SHA-256 and SHA-512/256 and their -sess forms,
// the request digest and rspauth.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto.hpp"
#include "common/secure.hpp"

namespace digestmd5 {

// HttpAlgorithm is the `algorithm` directive of HTTP Digest, strongest hash last.
enum class HttpAlgorithm : std::uint8_t {
  Md5,
  Md5Sess,
  Sha256,
  Sha256Sess,
  Sha512_256,
  Sha512_256Sess
};
inline constexpr std::size_t kHttpAlgorithmCount = 6;

// HttpAlgorithmInfo is one row of the algorithm table.
struct HttpAlgorithmInfo {
  HttpAlgorithm id;
  std::string_view name;  // RFC 7616 spelling
  bool sess;              // A1 carries nonce and cnonce
  int strength;           // the hash's rank: MD5 < SHA-256 < SHA-512/256
};
extern const std::array<HttpAlgorithmInfo, kHttpAlgorithmCount> kHttpAlgorithms;

const HttpAlgorithmInfo& http_algorithm_info(HttpAlgorithm a) noexcept;
// parse_http_algorithm accepts the RFC 7616 names case-insensitively.
std::optional<HttpAlgorithm> parse_http_algorithm(std::string_view name) noexcept;
// http_hash returns the EVP digest of `a`, or nullptr when this OpenSSL lacks it.
const EVP_MD* http_hash(const Crypto& crypto, HttpAlgorithm a) noexcept;
// http_hex_length is the length of H() in hex: 32 for MD5, 64 for the SHA-2 digests.
std::size_t http_hex_length(HttpAlgorithm a) noexcept;

// HttpQop is the qop of one HTTP request; None is RFC 2069's digest without qop.
enum class HttpQop : std::uint8_t { None, Auth, AuthInt };

// http_qop_name is the wire name of Auth ("auth") or AuthInt ("auth-int"); empty for None.
std::string_view http_qop_name(HttpQop q) noexcept;
// parse_http_qop accepts "auth" and "auth-int", case-insensitively.
std::optional<HttpQop> parse_http_qop(std::string_view name) noexcept;

// http_user_hash returns H(username ":" realm ":" password) in hex: A1's inner hash, the value
// htdigest files hold for MD5 (and, for MD5, HEX(SS) of SASL mode).
SecureBytes http_user_hash(const Crypto& crypto, HttpAlgorithm a, std::string_view username,
                           std::string_view realm, ByteView password);

// http_user_hash_latin1 is http_user_hash over username, realm and password each folded to
// ISO-8859-1 where it fits (docs/protocol.md §4.2, RFC 2617's character set); `converted`, when
// non-null, reports whether folding changed any of the three.
SecureBytes http_user_hash_latin1(const Crypto& crypto, HttpAlgorithm a, std::string_view username,
                                  std::string_view realm, ByteView password,
                                  bool* converted = nullptr);

// http_ha1 returns HEX(H(A1)) from the inner hash: the inner hash itself, or for -sess
// H(inner ":" nonce ":" cnonce) where `inner` is the hex string (RFC 2617 erratum 1649, RFC 7616;
// SASL mode hashes the 16 raw octets instead).
SecureBytes http_ha1(const Crypto& crypto, HttpAlgorithm a, const SecureBytes& inner,
                     std::string_view nonce, std::string_view cnonce);

// HttpDigestInputs are what goes into the request digest besides H(A1).
struct HttpDigestInputs {
  HttpAlgorithm algorithm = HttpAlgorithm::Md5;
  std::string_view nonce;
  std::uint32_t nc = 1;
  std::string_view cnonce;
  HttpQop qop = HttpQop::Auth;
  std::string_view method;  // empty for rspauth
  std::string_view uri;
  ByteView entity;  // the entity body (hashed for auth-int only)
};

// http_digest returns KD(H(A1), nonce ":" nc ":" cnonce ":" qop ":" H(A2)) in hex, or for
// HttpQop::None KD(H(A1), nonce ":" H(A2)); A2 = method ":" uri [":" H(entity)].
std::string http_digest(const Crypto& crypto, const SecureBytes& ha1, const HttpDigestInputs& in);

}  // namespace digestmd5
