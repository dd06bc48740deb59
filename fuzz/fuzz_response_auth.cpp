// SPDX-License-Identifier: BSD-3-Clause
// fuzz_response_auth.cpp: parse_response_auth on arbitrary octets (docs/protocol.md §3.3).
//
// Properties: no crash; a refusal is BadProtocol, or TooLong exactly above 2048 octets; an
// accepted message yields exactly 32 lower-case hex digits, which the writer turns back into a
// message that parses to the same value.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.hpp"

using namespace digestmd5;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_response_auth(input);
  if (!parsed) {
    const Error& e = parsed.error();
    DMD5_FUZZ_CHECK(!e.message.empty());
    DMD5_FUZZ_CHECK(e.code == Errc::BadProtocol || e.code == Errc::TooLong);
    DMD5_FUZZ_CHECK((e.code == Errc::TooLong) == (size > kChallengeLimit));
    return 0;
  }
  DMD5_FUZZ_CHECK(is_lower_hex32(*parsed));
  const std::string text = format_response_auth(*parsed);
  DMD5_FUZZ_CHECK(text.size() < kChallengeLimit);
  const auto again = parse_response_auth(text);
  DMD5_FUZZ_CHECK(again.has_value() && *again == *parsed);
  return 0;
}
