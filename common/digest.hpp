// SPDX-License-Identifier: BSD-3-Clause
// digest.hpp: the RFC 2831 computations: SS, H(A1), response/rspauth values and layer keys.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/cipher_table.hpp"
#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "common/secure.hpp"

namespace digestmd5 {

// to_8859_1 applies the RFC 2831 §8 octet scan (docs/protocol.md §4.2): when `in` contains no octet
// above 0xC3 and every octet 0xC0..0xC3 is followed by one in 0x80..0xBF, each such pair is folded
// into one ISO-8859-1 octet and the function returns true; otherwise `out` is a copy and it returns
// false. The result is `converted` only when at least one pair was folded.
struct Latin1Result {
  bool representable = false;  // the string fits ISO-8859-1
  bool converted = false;      // at least one octet pair was folded
};
Latin1Result to_8859_1(ByteView in, SecureBytes& out);

// SecretInputs names what goes into SS = H(user ":" realm ":" passwd).
struct SecretInputs {
  std::string_view username;
  std::string_view realm;
  ByteView password;
};

// compute_ss returns SS with each of username, realm and password down-converted to
// ISO-8859-1 when representable (`fold` = true), or all three raw (`fold` = false).
// `converted`, when non-null, reports whether folding changed any of the three.
Digest16 compute_ss(const Crypto& crypto, const SecretInputs& in, bool fold,
                    bool* converted = nullptr);

// compute_ha1 returns H(SS ":" nonce ":" cnonce [":" authzid]).
Digest16 compute_ha1(const Crypto& crypto, const Digest16& ss, std::string_view nonce,
                     std::string_view cnonce, const std::optional<std::string>& authzid);

// ResponseInputs names what goes into KD(HEX(H(A1)), ...) besides H(A1).
struct ResponseInputs {
  std::string_view nonce;
  std::uint32_t nc = 1;
  std::string_view cnonce;
  std::string_view qop;  // as sent ("auth" when absent); hashed exactly
  std::string_view digest_uri;
  Qop qop_kind = Qop::Auth;  // what `qop` means; decides the A2 suffix
};

enum class Proof { ClientResponse, ServerRspauth };

// compute_response returns the 32 lower-case hex digits of `response` (A2 starts with
// "AUTHENTICATE:") or `rspauth` (A2 starts with ":"); auth-int/auth-conf append 32 zeros.
std::string compute_response(const Crypto& crypto, const Digest16& ha1, const ResponseInputs& in,
                             Proof which);

// LayerKeys are the four keys of docs/protocol.md §7.1.
struct LayerKeys {
  Digest16 kic;  // client-to-server integrity
  Digest16 kis;  // server-to-client integrity
  Digest16 kcc;  // client-to-server confidentiality (only for auth-conf)
  Digest16 kcs;  // server-to-client confidentiality
};

// derive_keys computes Kic/Kis, and Kcc/Kcs from the first `cipher_info(c).ha1_prefix` octets.
LayerKeys derive_keys(const Crypto& crypto, const Digest16& ha1, std::optional<CipherId> cipher);

}  // namespace digestmd5
