// SPDX-License-Identifier: BSD-3-Clause
// encoding.hpp: the two text encodings of octets the protocol uses: lower-case hex (HEX() in
// docs/protocol.md §4) and base64 (our nonces and cnonces).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/secure.hpp"

namespace digestmd5 {

// to_hex writes lower-case hex.
std::string to_hex(ByteView bytes);

// to_secure_hex writes lower-case hex of a secret into wiped storage.
SecureBytes to_secure_hex(ByteView bytes);

// from_hex reads exactly out.size() octets from lower-case hex; false on any other text.
bool from_hex(std::string_view hex, std::span<std::uint8_t> out) noexcept;

// base64 encodes without line breaks.
std::string base64(ByteView bytes);

}  // namespace digestmd5
