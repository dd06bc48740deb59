// SPDX-License-Identifier: BSD-3-Clause
// fuzz_http_messages.cpp: the three HTTP Digest parsers on arbitrary octets (docs/protocol.md
// §12). The first octet picks the parser: challenges, credentials or Authentication-Info.
//
// Properties: no crash; a refusal is BadProtocol, or TooLong exactly above the parser's limit;
// accepted credentials satisfy the rules (one username form, qop with nc and cnonce, response of
// the algorithm's length) and write out to text that parses back to the same values; accepted
// challenges have a realm and nonce each, and each written challenge parses back alone.
#include <cstddef>
#include <cstdint>

#include "common/http_messages.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace digestmd5;

namespace {

void check_refusal(const Error& e, std::size_t size, std::size_t limit) {
  DMD5_FUZZ_CHECK(!e.message.empty());
  DMD5_FUZZ_CHECK(e.code == Errc::BadProtocol || e.code == Errc::TooLong);
  DMD5_FUZZ_CHECK((e.code == Errc::TooLong) == (size > limit));
}

void challenges(std::string_view input) {
  const auto parsed = parse_http_challenges(input);
  if (!parsed) {
    check_refusal(parsed.error(), input.size(), kHttpChallengeLimit);
    return;
  }
  DMD5_FUZZ_CHECK(!parsed->empty() && parsed->size() <= kMaxHttpChallenges);
  for (const auto& c : *parsed) {
    DMD5_FUZZ_CHECK(!c.nonce.empty());
    DMD5_FUZZ_CHECK(!c.qop_present || c.auth || c.auth_int);
    if (!c.algorithm || c.realm.empty() || !is_sendable_quoted(c.realm) ||
        !is_sendable_quoted(c.nonce) || (c.opaque && !is_sendable_quoted(*c.opaque))) {
      continue;
    }
    HttpChallenge w = c;
    w.qop_present = true;
    w.auth = true;
    const auto again = parse_http_challenges(format_http_challenge(w));
    DMD5_FUZZ_CHECK(again.has_value() && again->size() == 1);
    const HttpChallenge& b = again->front();
    DMD5_FUZZ_CHECK(b.realm == w.realm && b.nonce == w.nonce && b.opaque == w.opaque);
    DMD5_FUZZ_CHECK(b.algorithm == w.algorithm && b.stale == w.stale && b.utf8 == w.utf8);
    DMD5_FUZZ_CHECK(b.auth_int == w.auth_int);
  }
}

bool sendable(const HttpCredentials& c) {
  return is_sendable_quoted(c.realm) && is_sendable_quoted(c.nonce) && is_sendable_quoted(c.uri) &&
         is_sendable_quoted(c.cnonce) && (c.username_ext || is_sendable_quoted(c.username)) &&
         (!c.opaque || is_sendable_quoted(*c.opaque));
}

void credentials(std::string_view input) {
  const auto parsed = parse_http_credentials(input);
  if (!parsed) {
    check_refusal(parsed.error(), input.size(), kHttpCredentialsLimit);
    return;
  }
  const HttpCredentials& c = *parsed;
  DMD5_FUZZ_CHECK(!c.nonce.empty() && !c.uri.empty());
  DMD5_FUZZ_CHECK(c.response.size() == http_hex_length(c.algorithm.value_or(HttpAlgorithm::Md5)));
  DMD5_FUZZ_CHECK(c.qop == HttpQop::None || (c.nc > 0 && !c.cnonce.empty()));
  if (!sendable(c)) {
    return;
  }
  const auto again = parse_http_credentials(format_http_credentials(c));
  DMD5_FUZZ_CHECK(again.has_value());
  const HttpCredentials& b = *again;
  DMD5_FUZZ_CHECK(b.username == c.username && b.realm == c.realm && b.nonce == c.nonce);
  DMD5_FUZZ_CHECK(b.uri == c.uri && b.response == c.response && b.algorithm == c.algorithm);
  DMD5_FUZZ_CHECK(b.qop == c.qop && b.opaque == c.opaque);
  DMD5_FUZZ_CHECK(c.qop == HttpQop::None || (b.nc == c.nc && b.cnonce == c.cnonce));
}

void auth_info(std::string_view input) {
  const auto parsed = parse_http_auth_info(input);
  if (!parsed) {
    check_refusal(parsed.error(), input.size(), kHttpCredentialsLimit);
    return;
  }
  const HttpAuthInfo& a = *parsed;
  if ((a.rspauth && !is_sendable_quoted(*a.rspauth)) ||
      (a.cnonce && !is_sendable_quoted(*a.cnonce)) ||
      (a.nextnonce && !is_sendable_quoted(*a.nextnonce))) {
    return;
  }
  const auto again = parse_http_auth_info(format_http_auth_info(a));
  DMD5_FUZZ_CHECK(again.has_value());
  DMD5_FUZZ_CHECK(again->rspauth == a.rspauth && again->cnonce == a.cnonce);
  DMD5_FUZZ_CHECK(again->nc == a.nc && again->qop == a.qop && again->nextnonce == a.nextnonce);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      challenges(input);
      break;
    case 1:
      credentials(input);
      break;
    default:
      auth_info(input);
      break;
  }
  return 0;
}
