// SPDX-License-Identifier: BSD-3-Clause
// http_digest.cpp: the HTTP Digest computations.
#include "common/http_digest.hpp"

#include "common/digest.hpp"
#include "common/directive_list.hpp"
#include "common/value_syntax.hpp"

namespace digestmd5 {

const std::array<HttpAlgorithmInfo, kHttpAlgorithmCount> kHttpAlgorithms = {{
    {HttpAlgorithm::Md5, "MD5", false, 0},
    {HttpAlgorithm::Md5Sess, "MD5-sess", true, 0},
    {HttpAlgorithm::Sha256, "SHA-256", false, 1},
    {HttpAlgorithm::Sha256Sess, "SHA-256-sess", true, 1},
    {HttpAlgorithm::Sha512_256, "SHA-512-256", false, 2},
    {HttpAlgorithm::Sha512_256Sess, "SHA-512-256-sess", true, 2},
}};

const HttpAlgorithmInfo& http_algorithm_info(HttpAlgorithm a) noexcept {
  return kHttpAlgorithms[static_cast<std::size_t>(a)];
}

std::optional<HttpAlgorithm> parse_http_algorithm(std::string_view name) noexcept {
  for (const auto& info : kHttpAlgorithms) {
    if (iequals(info.name, name)) {
      return info.id;
    }
  }
  return std::nullopt;
}

std::string_view http_qop_name(HttpQop q) noexcept {
  switch (q) {
    case HttpQop::Auth:
      return "auth";
    case HttpQop::AuthInt:
      return "auth-int";
    case HttpQop::None:
      break;
  }
  return {};
}

std::optional<HttpQop> parse_http_qop(std::string_view name) noexcept {
  for (const HttpQop q : {HttpQop::Auth, HttpQop::AuthInt}) {
    if (iequals(name, http_qop_name(q))) {
      return q;
    }
  }
  return std::nullopt;
}

const EVP_MD* http_hash(const Crypto& crypto, HttpAlgorithm a) noexcept {
  switch (http_algorithm_info(a).strength) {
    case 0:
      return crypto.md5();
    case 1:
      return crypto.sha256();
    default:
      return crypto.sha512_256();
  }
}

std::size_t http_hex_length(HttpAlgorithm a) noexcept {
  return http_algorithm_info(a).strength == 0 ? 32 : 64;
}

namespace {
constexpr std::string_view kColon = ":";
}

SecureBytes http_user_hash(const Crypto& crypto, HttpAlgorithm a, std::string_view username,
                           std::string_view realm, ByteView password) {
  return digest_hex(http_hash(crypto, a), {as_bytes(username), as_bytes(kColon), as_bytes(realm),
                                           as_bytes(kColon), password});
}

SecureBytes http_user_hash_latin1(const Crypto& crypto, HttpAlgorithm a, std::string_view username,
                                  std::string_view realm, ByteView password, bool* converted) {
  SecureBytes user;
  SecureBytes folded_realm;
  SecureBytes folded_password;
  const bool changed = to_8859_1(as_bytes(username), user).converted |
                       to_8859_1(as_bytes(realm), folded_realm).converted |
                       to_8859_1(password, folded_password).converted;
  if (converted != nullptr) {
    *converted = changed;
  }
  return http_user_hash(crypto, a, as_text(ByteView(user)), as_text(ByteView(folded_realm)),
                        ByteView(folded_password));
}

SecureBytes http_ha1(const Crypto& crypto, HttpAlgorithm a, const SecureBytes& inner,
                     std::string_view nonce, std::string_view cnonce) {
  if (!http_algorithm_info(a).sess) {
    return inner;
  }
  return digest_hex(http_hash(crypto, a), {ByteView(inner), as_bytes(kColon), as_bytes(nonce),
                                           as_bytes(kColon), as_bytes(cnonce)});
}

std::string http_digest(const Crypto& crypto, const SecureBytes& ha1, const HttpDigestInputs& in) {
  const EVP_MD* md = http_hash(crypto, in.algorithm);
  SecureBytes ha2;
  if (in.qop == HttpQop::AuthInt) {
    const SecureBytes body = digest_hex(md, {in.entity});
    ha2 = digest_hex(md, {as_bytes(in.method), as_bytes(kColon), as_bytes(in.uri), as_bytes(kColon),
                          ByteView(body)});
  } else {
    ha2 = digest_hex(md, {as_bytes(in.method), as_bytes(kColon), as_bytes(in.uri)});
  }
  SecureBytes kd;
  if (in.qop == HttpQop::None) {
    kd = digest_hex(
        md, {ByteView(ha1), as_bytes(kColon), as_bytes(in.nonce), as_bytes(kColon), ByteView(ha2)});
  } else {
    const std::string nc = format_nc(in.nc);
    const std::string_view qop = http_qop_name(in.qop);
    kd = digest_hex(md, {ByteView(ha1), as_bytes(kColon), as_bytes(in.nonce), as_bytes(kColon),
                         as_bytes(nc), as_bytes(kColon), as_bytes(in.cnonce), as_bytes(kColon),
                         as_bytes(qop), as_bytes(kColon), ByteView(ha2)});
  }
  return std::string(as_text(ByteView(kd)));
}

}  // namespace digestmd5
