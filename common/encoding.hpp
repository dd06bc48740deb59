// SPDX-License-Identifier: BSD-3-Clause
// encoding.hpp: the two text encodings of octets the protocol uses: lower-case hex (HEX() in
// docs/protocol.md §4) and base64 (our nonces and cnonces).
#pragma once

#include <string>

#include "common/secure.hpp"

namespace digestmd5 {

// to_hex writes lower-case hex.
std::string to_hex(ByteView bytes);

// base64 encodes without line breaks.
std::string base64(ByteView bytes);

}  // namespace digestmd5
