// SPDX-License-Identifier: BSD-3-Clause
// response_check.hpp: the pure check of a parsed digest-response against the challenge we sent
// (docs/protocol.md §4.4, §4.5, §9.4), before any user lookup or hashing.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/errc.hpp"
#include "common/messages.hpp"
#include "common/negotiation.hpp"

namespace digestmd5 {

// OfferedChallenge is what the server's challenge committed it to.
struct OfferedChallenge {
  std::string_view nonce;
  Offer offer;
  bool realms_offered = true;
  std::string_view service;             // the digest-uri service must be this one
  std::span<const std::string> hosts;   // accepted digest-uri hosts; empty = any host
  std::optional<std::uint32_t> nc = 1;  // the nc required; none = checked by the caller
};

// check_response fails with BadProtocol, naming the rule, when `r` does not answer `offered`:
// another nonce, nc other than 1, no realm though realms were offered, a digest-uri for another
// service or host, or a qop or cipher we did not offer.
Status check_response(const Response& r, const OfferedChallenge& offered);

// check_digest_uri: digest-uri = serv-type "/" host [ "/" serv-name ] (RFC 2831 §2.1.2); the
// serv-type must be `service` and, when `hosts` is not empty, host one of them (both compared
// case-insensitively).
Status check_digest_uri(std::string_view uri, std::string_view service,
                        std::span<const std::string> hosts);

}  // namespace digestmd5
