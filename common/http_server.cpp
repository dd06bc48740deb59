// SPDX-License-Identifier: BSD-3-Clause
// http_server.cpp: HTTP Digest challenges and the check of credentials.
#include "common/http_server.hpp"

#include <algorithm>

#include "common/digest.hpp"
#include "common/directive_list.hpp"
#include "common/encoding.hpp"
#include "common/value_syntax.hpp"

namespace digestmd5 {

HttpServerSession::HttpServerSession(std::shared_ptr<const Crypto> crypto,
                                     HttpServerOptions options)
    : m_crypto(std::move(crypto)), m_options(std::move(options)) {}

Result<StepOutput> HttpServerSession::step(ServerHost& host, const HttpRequest* request,
                                           std::string_view input) {
  if (m_state == State::Done || m_state == State::Failed) {
    return report(host, fail(Errc::BadProtocol, "DIGEST-MD5 exchange already finished"));
  }
  if (input.empty()) {
    if (m_state == State::AwaitResponse) {
      m_state = State::Failed;
      return report(host, fail(Errc::BadProtocol, "HTTP credentials expected"));
    }
    return challenge(host, request, false);
  }
  auto parsed = parse_http_credentials(input);
  if (!parsed) {
    // A request's first Authorization may be anything (httptest sends "Digest =" before it has
    // a challenge): answer it with one. After our challenge, credentials must parse.
    if (m_state == State::Start) {
      host.log(LogLevel::Note, "HTTP credentials ignored (" + std::string(parsed.error().message) +
                                   "); sending a challenge");
      return challenge(host, request, false);
    }
    m_state = State::Failed;
    return report(host, parsed.error());
  }
  auto out = verify(host, request, *parsed);
  if (!out) {
    m_state = State::Failed;
  } else if (out->done) {
    m_state = State::Done;
  }
  return out;
}

Result<std::string> HttpServerSession::realm(ServerHost& host) const {
  std::string r = m_options.realm              ? *m_options.realm
                  : !host.user_realm().empty() ? std::string(host.user_realm())
                                               : std::string(host.server_fqdn());
  if (r.empty() || !is_sendable_quoted(r)) {
    return fail(Errc::BadParam,
                "the HTTP realm (digestmd5_realms, user_realm or the server FQDN) is empty, over "
                "1024 octets or has a control character");
  }
  return r;
}

std::string HttpServerSession::opaque_of(std::string_view nonce) const {
  // Derived from the nonce, so every node of a farm computes the same value.
  const SecureBytes h =
      digest_hex(m_crypto->sha256(), {as_bytes("digestmd5 http opaque:"), as_bytes(nonce)});
  return std::string(as_text(ByteView(h)).substr(0, 32));
}

bool HttpServerSession::offered(HttpAlgorithm a) const noexcept {
  const auto& list = m_options.algorithms;
  return std::find(list.begin(), list.end(), a) != list.end();
}

Result<StepOutput> HttpServerSession::challenge(ServerHost& host, const HttpRequest* request,
                                                bool stale) {
  auto r = realm(host);
  if (!r) {
    return report(host, r.error());
  }
  auto nonce = m_options.nonces->issue(*r);
  if (!nonce) {
    return report(host, nonce.error());
  }
  HttpChallenge c;
  c.realm = *r;
  c.nonce = *nonce;
  c.opaque = opaque_of(*nonce);
  c.qop_present = true;
  c.auth = true;
  c.auth_int = request == nullptr || request->has_entity;
  c.utf8 = true;
  c.stale = stale;
  c.algorithm = m_options.algorithms.front();
  m_out = format_http_challenge(c);
  m_state = State::AwaitResponse;
  return StepOutput{m_out, false};
}

namespace {

// proves tells whether `inner` (A1's inner hash) gives the client's response.
std::optional<SecureBytes> proves(const Crypto& crypto, const SecureBytes& inner,
                                  const HttpCredentials& c, const HttpRequest& request) {
  const HttpAlgorithm alg = c.algorithm.value_or(HttpAlgorithm::Md5);
  SecureBytes ha1 = http_ha1(crypto, alg, inner, c.nonce, c.cnonce);
  const HttpDigestInputs in{alg,   c.nonce,        c.nc,        c.cnonce,
                            c.qop, request.method, request.uri, request.entity};
  if (ct_equal(http_digest(crypto, ha1, in), c.response)) {
    return ha1;
  }
  return std::nullopt;
}

}  // namespace

std::optional<SecureBytes> recover_http_ha1(const Crypto& crypto, const StoredSecret& secret,
                                            const HttpCredentials& c, const HttpRequest& request) {
  const HttpAlgorithm alg = c.algorithm.value_or(HttpAlgorithm::Md5);
  if (secret.kind == StoredSecret::Kind::Ss) {
    if (http_algorithm_info(alg).strength != 0) {
      return std::nullopt;
    }
    return proves(crypto, to_secure_hex(ByteView(secret.bytes)), c, request);
  }
  bool converted = false;
  auto ha1 = proves(
      crypto,
      http_user_hash_latin1(crypto, alg, c.username, c.realm, ByteView(secret.bytes), &converted),
      c, request);
  if (!ha1 && converted) {
    ha1 = proves(crypto, http_user_hash(crypto, alg, c.username, c.realm, ByteView(secret.bytes)),
                 c, request);
  }
  return ha1;
}

// check_terms refuses credentials that do not answer our challenge for this request.
Status HttpServerSession::check_terms(const HttpRequest& request, const HttpCredentials& c,
                                      std::string_view realm) const {
  if (c.realm != realm) {
    return fail(Errc::BadAuth, "HTTP credentials name another realm");
  }
  if (c.uri != request.uri) {
    return fail(Errc::BadAuth, "HTTP credentials' uri is not the request's");
  }
  if (!offered(c.algorithm.value_or(HttpAlgorithm::Md5))) {
    return fail(Errc::BadProtocol, "HTTP credentials use an algorithm not offered");
  }
  if (c.qop == HttpQop::None) {
    return fail(Errc::BadProtocol, "HTTP credentials without qop (RFC 2069)");
  }
  if (c.qop == HttpQop::AuthInt && !request.has_entity) {
    return fail(Errc::BadProtocol,
                "HTTP credentials use auth-int, but the application passes no entity body");
  }
  if (c.userhash) {
    return fail(Errc::BadProtocol, "HTTP credentials use userhash, not offered");
  }
  if (!c.opaque || *c.opaque != opaque_of(c.nonce)) {
    return fail(Errc::BadProtocol, "HTTP credentials do not echo opaque");
  }
  return {};
}

Result<StepOutput> HttpServerSession::verify(ServerHost& host, const HttpRequest* request,
                                             const HttpCredentials& c) {
  if (request == nullptr) {
    return report(host, fail(Errc::BadParam,
                             "HTTP credentials without the request (SASL_HTTP_REQUEST not set)"));
  }
  auto r = realm(host);
  if (!r) {
    return report(host, r.error());
  }
  if (const auto st = check_terms(*request, c, *r); !st) {
    return report(host, st.error());
  }
  auto secret = fetch_account_secret(host, c.username, c.realm, std::nullopt);
  if (!secret) {
    return report(host, secret.error());
  }
  const auto ha1 = recover_http_ha1(*m_crypto, *secret, c, *request);
  if (!ha1) {
    const auto& alg = http_algorithm_info(c.algorithm.value_or(HttpAlgorithm::Md5));
    if (secret->kind == StoredSecret::Kind::Ss && alg.strength != 0) {
      return report(host, fail(Errc::BadAuth, "the user store holds only the MD5 secret; " +
                                                  std::string(alg.name) +
                                                  " needs the password (userPassword)"));
    }
    return report(host, fail(Errc::BadAuth, "client response does not match"));
  }
  return accept(host, *request, c, *r, *ha1);
}

// accept runs after a right proof: the nonce decides. A client that knows the password but holds
// an expired, unknown or used count gets a new nonce with stale=true (RFC 7616 §3.3).
Result<StepOutput> HttpServerSession::accept(ServerHost& host, const HttpRequest& request,
                                             const HttpCredentials& c, std::string_view realm,
                                             const SecureBytes& ha1) {
  switch (m_options.nonces->check(c.nonce, realm)) {
    case HttpNonceStore::State::Usable:
      break;
    case HttpNonceStore::State::Expired:
      host.log(LogLevel::Note, "HTTP nonce expired; sending stale=true");
      return challenge(host, &request, true);
    case HttpNonceStore::State::Unknown:
      host.log(LogLevel::Note, "HTTP nonce unknown to this server; sending stale=true");
      return challenge(host, &request, true);
  }
  if (!m_options.nonces->use(c.nonce, c.nc, c.username)) {
    host.log(LogLevel::Warn,
             "HTTP request refused: nc " + format_nc(c.nc) +
                 " is replayed or out of order for its nonce (or the nonce is another user's)");
    return challenge(host, &request, true);
  }
  const HttpAlgorithm alg = c.algorithm.value_or(HttpAlgorithm::Md5);
  HttpAuthInfo info;
  const HttpDigestInputs in{alg, c.nonce, c.nc, c.cnonce, c.qop, "", c.uri, request.entity};
  info.rspauth = http_digest(*m_crypto, ha1, in);
  info.cnonce = c.cnonce;
  info.nc = c.nc;
  info.qop = c.qop;
  m_out = format_http_auth_info(info);
  m_outcome = Outcome{};
  host.log(LogLevel::Note, "authenticated (HTTP Digest, " +
                               std::string(http_algorithm_info(alg).name) + ", " +
                               std::string(http_qop_name(c.qop)) + ")");
  return StepOutput{m_out, true};
}

}  // namespace digestmd5
