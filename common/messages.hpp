// SPDX-License-Identifier: BSD-3-Clause
// messages.hpp: typed digest-challenge, digest-response and response-auth, with parse_/format_.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/cipher_table.hpp"
#include "common/errc.hpp"
#include "common/value_syntax.hpp"

namespace digestmd5 {

// RFC 2831 §2.1.1: "The size of a digest-challenge MUST be less than 2048 bytes."
// §2.1.2: "The size of a digest-response MUST be less than 4096 bytes."
// Receivers accept exactly the limit (as Cyrus does); we always send strictly less.
inline constexpr std::size_t kChallengeLimit = 2048;
inline constexpr std::size_t kResponseLimit = 4096;
inline constexpr std::size_t kMaxRealms = 32;

// Challenge is a digest-challenge (docs/protocol.md §3.1).
struct Challenge {
  std::vector<std::string> realms;  // each occurrence is one choice
  std::string nonce;
  QopSet qops;        // recognised values; {auth} when the directive is absent
  CipherSet ciphers;  // recognised ciphers of the `cipher` directive
  bool stale = false;
  std::optional<std::uint32_t> maxbuf;  // absent = 65536
  bool utf8 = false;                    // charset=utf-8
  friend bool operator==(const Challenge&, const Challenge&) = default;
};

// parse_challenge fails with TooLong above kChallengeLimit, BadProtocol on any rule of §2/§3.1.
Result<Challenge> parse_challenge(std::string_view input);
// format_challenge writes the Cyrus order; it fails with Internal if the result would not be
// strictly shorter than kChallengeLimit.
Result<std::string> format_challenge(const Challenge& c);

// Response is a digest-response (docs/protocol.md §3.2).
struct Response {
  std::string username;
  std::optional<std::string> realm;
  std::optional<std::string> authzid;
  std::string nonce;
  std::string cnonce;
  std::uint32_t nc = 0;
  std::optional<std::string> qop_text;  // exactly as sent; hashed as sent
  Qop qop = Qop::Auth;
  std::optional<CipherId> cipher;
  std::optional<std::uint32_t> maxbuf;
  bool utf8 = false;
  std::string digest_uri;
  std::string response;  // 32 lower-case hex digits
  friend bool operator==(const Response&, const Response&) = default;

  // qop_for_hash is the qop value that goes into the response hash.
  [[nodiscard]] std::string_view qop_for_hash() const noexcept {
    return qop_text ? std::string_view(*qop_text) : std::string_view("auth");
  }
};

// parse_response fails with TooLong above kResponseLimit, BadProtocol on any rule of §2/§3.2.
Result<Response> parse_response(std::string_view input);
// format_response writes the Cyrus order; fails with Internal unless shorter than the limit.
Result<std::string> format_response(const Response& r);

// parse_response_auth returns the 32 hex digits of `rspauth` (docs/protocol.md §3.3).
Result<std::string> parse_response_auth(std::string_view input);
std::string format_response_auth(std::string_view rspauth_hex);

}  // namespace digestmd5
