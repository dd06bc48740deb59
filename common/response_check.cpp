// SPDX-License-Identifier: BSD-3-Clause
// response_check.cpp: what a response must agree on with our challenge.
#include "common/response_check.hpp"

#include "common/directive_list.hpp"
#include "common/secure.hpp"

namespace digestmd5 {

Status check_digest_uri(std::string_view uri, std::string_view service,
                        std::span<const std::string> hosts) {
  const auto slash = uri.find('/');
  if (slash == std::string_view::npos || !iequals(uri.substr(0, slash), service)) {
    return fail(Errc::BadProtocol, "digest-uri does not name this service");
  }
  if (hosts.empty()) {
    return {};
  }
  auto host = uri.substr(slash + 1);
  host = host.substr(0, host.find('/'));
  for (const auto& h : hosts) {
    if (iequals(host, h)) {
      return {};
    }
  }
  return fail(Errc::BadProtocol, "digest-uri does not name this host");
}

Status check_response(const Response& r, const OfferedChallenge& offered) {
  // [bis-07] §3.3: the nonce must be the one we issued; we hash our stored copy afterwards.
  if (!ct_equal(r.nonce, offered.nonce)) {
    return fail(Errc::BadProtocol, "response nonce does not match the challenge");
  }
  // RFC 2831 §2.1.2.1: on an initial authentication nc-value is 00000001.
  if (offered.nc && r.nc != *offered.nc) {
    return fail(Errc::BadProtocol, "nc is not 00000001 on initial authentication");
  }
  if (!r.realm && offered.realms_offered) {
    return fail(Errc::BadProtocol, "response has no realm");
  }
  if (const auto st = check_digest_uri(r.digest_uri, offered.service, offered.hosts); !st) {
    return st;
  }
  if (!offered.offer.qops.has(r.qop)) {
    return fail(Errc::BadProtocol, "client chose a qop that was not offered");
  }
  if (r.qop == Qop::AuthConf && !offered.offer.ciphers.has(*r.cipher)) {
    return fail(Errc::BadProtocol, "client chose a cipher that was not offered");
  }
  return {};
}

}  // namespace digestmd5
