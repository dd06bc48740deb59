// SPDX-License-Identifier: BSD-3-Clause
// proof_oracle.hpp: recomputes, independently of the sessions, what a peer holding the password
// would send: H(A1), the `response` value and `rspauth` for a given digest-response. Used by the
// fuzz targets and the bad-input catalogue to build valid messages around one broken part.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/crypto.hpp"
#include "common/digest.hpp"
#include "common/messages.hpp"

namespace digestmd5::testing {

// expected_ha1 computes H(A1) for response `r` as a server storing `password` would, hashing
// `nonce` (the one it issued) and folding to ISO-8859-1 where possible (docs/protocol.md §4.2).
inline Digest16 expected_ha1(const Crypto& crypto, const Response& r, std::string_view nonce,
                             std::string_view password) {
  const std::string realm = r.realm.value_or("");
  const SecretInputs si{r.username, realm, as_bytes(password)};
  const Digest16 ss = compute_ss(crypto, si, true);
  return compute_ha1(crypto, ss, nonce, r.cnonce, r.authzid);
}

// proof_for returns the `response` (Proof::ClientResponse) or `rspauth` (Proof::ServerRspauth)
// value that is correct for `r` and `password`.
inline std::string proof_for(const Crypto& crypto, const Response& r, std::string_view nonce,
                             std::string_view password, Proof which) {
  const Digest16 ha1 = expected_ha1(crypto, r, nonce, password);
  const ResponseInputs in{nonce, r.nc, r.cnonce, r.qop_for_hash(), r.digest_uri, r.qop};
  return compute_response(crypto, ha1, in, which);
}

}  // namespace digestmd5::testing
