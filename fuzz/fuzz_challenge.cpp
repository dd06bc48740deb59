// SPDX-License-Identifier: BSD-3-Clause
// fuzz_challenge.cpp: parse_challenge on arbitrary octets (docs/protocol.md §2, §3.1).
//
// Properties: no crash; a refusal is BadProtocol, or TooLong exactly when the input is above
// 2048 octets; an accepted challenge satisfies every rule of §3.1; and writing it out again
// gives a challenge under the limit that parses back to the same value.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.hpp"

using namespace digestmd5;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_challenge(input);
  if (!parsed) {
    const Error& e = parsed.error();
    DMD5_FUZZ_CHECK(!e.message.empty());
    DMD5_FUZZ_CHECK(e.code == Errc::BadProtocol || e.code == Errc::TooLong);
    DMD5_FUZZ_CHECK((e.code == Errc::TooLong) == (size > kChallengeLimit));
    return 0;
  }
  const Challenge& c = *parsed;
  DMD5_FUZZ_CHECK(size <= kChallengeLimit);
  DMD5_FUZZ_CHECK(!c.nonce.empty() && c.nonce.size() <= kMaxValueLength);
  DMD5_FUZZ_CHECK(c.realms.size() <= kMaxRealms);
  DMD5_FUZZ_CHECK(!c.qops.empty());
  DMD5_FUZZ_CHECK(!c.maxbuf || (*c.maxbuf >= kMinMaxbuf && *c.maxbuf <= kMaxMaxbuf));
  DMD5_FUZZ_CHECK(c.nonce.find('\0') == std::string::npos);

  // The writer lists ciphers only with auth-conf, where they mean something (docs/protocol.md
  // §3.1).
  Challenge expect = c;
  if (!expect.qops.has(Qop::AuthConf)) {
    expect.ciphers = CipherSet{};
  }
  const auto text = format_challenge(c);
  if (!text) {
    // Only the size check may refuse (quoting can lengthen what was sent as tokens).
    DMD5_FUZZ_CHECK(text.error().code == Errc::Internal);
    return 0;
  }
  DMD5_FUZZ_CHECK(text->size() < kChallengeLimit);
  const auto again = parse_challenge(*text);
  DMD5_FUZZ_CHECK(again.has_value());
  DMD5_FUZZ_CHECK(*again == expect);
  return 0;
}
