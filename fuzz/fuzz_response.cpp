// SPDX-License-Identifier: BSD-3-Clause
// fuzz_response.cpp: parse_response on arbitrary octets (docs/protocol.md §2, §3.2).
//
// Properties: no crash; a refusal is BadProtocol, or TooLong exactly when the input is above
// 4096 octets; an accepted response satisfies every rule of §3.2; and writing it out again
// gives a response under the limit that parses back to the same value.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.hpp"

using namespace digestmd5;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_response(input);
  if (!parsed) {
    const Error& e = parsed.error();
    DMD5_FUZZ_CHECK(!e.message.empty());
    DMD5_FUZZ_CHECK(e.code == Errc::BadProtocol || e.code == Errc::TooLong);
    DMD5_FUZZ_CHECK((e.code == Errc::TooLong) == (size > kResponseLimit));
    return 0;
  }
  const Response& r = *parsed;
  DMD5_FUZZ_CHECK(size <= kResponseLimit);
  DMD5_FUZZ_CHECK(!r.username.empty() && !r.cnonce.empty() && !r.digest_uri.empty());
  DMD5_FUZZ_CHECK(r.nc != 0);
  DMD5_FUZZ_CHECK(is_lower_hex32(r.response));
  DMD5_FUZZ_CHECK(r.cipher.has_value() == (r.qop == Qop::AuthConf));
  DMD5_FUZZ_CHECK(!r.qop_text || parse_qop(*r.qop_text) == r.qop);
  DMD5_FUZZ_CHECK(!r.maxbuf || (*r.maxbuf >= kMinMaxbuf && *r.maxbuf <= kMaxMaxbuf));

  const auto text = format_response(r);
  if (!text) {
    DMD5_FUZZ_CHECK(text.error().code == Errc::Internal);
    return 0;
  }
  DMD5_FUZZ_CHECK(text->size() < kResponseLimit);
  // The writer always sends qop, so an absent qop comes back as an explicit "auth" (the value
  // hashed either way, docs/protocol.md §3.2).
  Response expect = r;
  if (!expect.qop_text) {
    expect.qop_text = std::string(qop_name(r.qop));
  }
  const auto again = parse_response(*text);
  DMD5_FUZZ_CHECK(again.has_value());
  DMD5_FUZZ_CHECK(*again == expect);
  DMD5_FUZZ_CHECK(again->qop_for_hash() == r.qop_for_hash());
  return 0;
}
