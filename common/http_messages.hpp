// SPDX-License-Identifier: BSD-3-Clause
// http_messages.hpp: the three HTTP Digest messages (docs/protocol.md §12): the challenge of
// WWW-Authenticate (one or several), the credentials of Authorization, and Authentication-Info.
// The plugin sees each header's value after the scheme name "Digest".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/errc.hpp"
#include "common/http_digest.hpp"

namespace digestmd5 {

// Our limits: a header value carrying several challenges, and one credentials value.
inline constexpr std::size_t kHttpChallengeLimit = 8192;
inline constexpr std::size_t kHttpCredentialsLimit = 4096;
inline constexpr std::size_t kMaxHttpChallenges = 8;

// HttpChallenge is one Digest challenge.
struct HttpChallenge {
  std::string realm;
  std::string nonce;
  std::optional<std::string> opaque;
  // algorithm: MD5 when absent; nullopt when the challenge names one we do not know.
  std::optional<HttpAlgorithm> algorithm = HttpAlgorithm::Md5;
  std::string algorithm_text;  // as received (echoed), empty when absent
  bool qop_present = false;    // false: RFC 2069 digest
  bool auth = false;
  bool auth_int = false;
  bool stale = false;
  bool utf8 = false;  // charset=UTF-8
  bool userhash = false;
};

// parse_http_challenges reads the Digest challenges of `input`: the parameters of the first one
// (optionally after "Digest"), then each further challenge as ", <scheme> <parameters>".
// Challenges of other schemes are skipped. It fails with TooLong above kHttpChallengeLimit and
// with BadProtocol on a syntax error, a Digest challenge without realm or nonce, or no Digest
// challenge at all.
Result<std::vector<HttpChallenge>> parse_http_challenges(std::string_view input);
// format_http_challenge writes one challenge's parameters (the plugin's output; the application
// puts "Digest " in front). qop is always sent, as "auth" or "auth,auth-int".
std::string format_http_challenge(const HttpChallenge& c);

// HttpCredentials is the value of Authorization: Digest.
struct HttpCredentials {
  std::string username;       // decoded from username* when that was sent
  bool username_ext = false;  // sent as username* (RFC 8187)
  std::string realm;
  std::string nonce;
  std::string uri;
  std::string response;                    // lower-case hex
  std::optional<HttpAlgorithm> algorithm;  // absent = MD5
  std::string algorithm_text;              // as sent, echoed exactly by our client
  std::string cnonce;
  std::optional<std::string> opaque;
  HttpQop qop = HttpQop::None;
  std::uint32_t nc = 0;
  bool userhash = false;
};

// parse_http_credentials fails with TooLong above kHttpCredentialsLimit and BadProtocol on a
// syntax error, a missing or repeated directive, both username and username*, an unknown
// algorithm or qop, a qop without nc and cnonce, or a response that is not lower-case hex of
// the algorithm's length.
Result<HttpCredentials> parse_http_credentials(std::string_view input);
std::string format_http_credentials(const HttpCredentials& c);

// HttpAuthInfo is the value of Authentication-Info (RFC 7615).
struct HttpAuthInfo {
  std::optional<std::string> rspauth;
  std::optional<std::string> cnonce;
  std::optional<std::uint32_t> nc;
  std::optional<HttpQop> qop;
  std::optional<std::string> nextnonce;
};

// parse_http_auth_info fails with TooLong above kHttpCredentialsLimit and BadProtocol on a syntax
// error, a repeated directive, an nc that is not 8 lower-case hex digits or an unknown qop.
Result<HttpAuthInfo> parse_http_auth_info(std::string_view input);
std::string format_http_auth_info(const HttpAuthInfo& info);

// decode_ext_value reads an RFC 8187 ext-value in UTF-8 ("UTF-8'lang'pct-encoded"); nothing
// on another charset, a bad escape or a NUL octet.
std::optional<std::string> decode_ext_value(std::string_view value);
// encode_ext_value writes `text` as "UTF-8''" followed by the percent-encoded octets.
std::string encode_ext_value(std::string_view text);
// needs_ext_value tells whether a username must go as username*: it has an octet outside
// printable ASCII.
bool needs_ext_value(std::string_view text) noexcept;

}  // namespace digestmd5
