// SPDX-License-Identifier: BSD-3-Clause
// http_client.cpp: answering HTTP Digest challenges and checking Authentication-Info.
#include "common/http_client.hpp"

#include <array>

#include "common/digest.hpp"
#include "common/encoding.hpp"

namespace digestmd5 {

HttpClientSession::HttpClientSession(std::shared_ptr<const Crypto> crypto)
    : m_crypto(std::move(crypto)) {}

std::optional<std::size_t> choose_http_challenge(const Crypto& crypto,
                                                 const std::vector<HttpChallenge>& challenges) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < challenges.size(); ++i) {
    const auto& a = challenges[i].algorithm;
    if (!a || http_hash(crypto, *a) == nullptr) {
      continue;
    }
    if (!best || http_algorithm_info(*a).strength >
                     http_algorithm_info(*challenges[*best].algorithm).strength) {
      best = i;
    }
  }
  return best;
}

Result<StepOutput> HttpClientSession::step(ClientHost& host, const HttpRequest& request,
                                           std::string_view input) {
  if (m_state == State::Done || m_state == State::Failed) {
    return report(host, fail(Errc::BadProtocol, "DIGEST-MD5 exchange already finished"));
  }
  if (input.empty()) {
    if (m_state == State::AwaitInfo) {
      m_state = State::Failed;
      return report(host, fail(Errc::BadProtocol, "HTTP server sent nothing to check"));
    }
    m_out.clear();
    return StepOutput{m_out, false};
  }
  auto challenges = parse_http_challenges(input);
  if (challenges) {
    auto out = answer(host, request, *challenges);
    if (!out && out.error().code != Errc::Interact) {
      m_state = State::Failed;
    }
    return out;
  }
  if (m_state != State::AwaitInfo) {
    m_state = State::Failed;
    return report(host, challenges.error());
  }
  auto out = check_info(host, request, input);
  m_state = out ? State::Done : State::Failed;
  return out;
}

Result<StepOutput> HttpClientSession::answer(ClientHost& host, const HttpRequest& request,
                                             std::vector<HttpChallenge>& challenges) {
  const auto pick = choose_http_challenge(*m_crypto, challenges);
  if (!pick) {
    return report(host, fail(Errc::BadProtocol,
                             "no HTTP Digest challenge with an algorithm we "
                             "support (MD5, SHA-256, SHA-512-256, -sess)"));
  }
  HttpChallenge& c = challenges[*pick];
  auto id = host.identity({c.realm}, false);
  if (!id) {
    return id.error().code == Errc::Interact ? id.error() : report(host, id.error());
  }
  if (id->authzid != id->authid) {
    host.log(LogLevel::Note, "HTTP Digest has no authzid; the application's is not sent");
  }
  const HttpAlgorithm alg = *c.algorithm;
  HttpCredentials r;
  r.username = id->authid;
  r.username_ext = c.utf8 && needs_ext_value(r.username);
  r.realm = c.realm;
  r.nonce = c.nonce;
  r.uri = std::string(request.uri);
  if (!c.algorithm_text.empty()) {
    r.algorithm = alg;
    r.algorithm_text = c.algorithm_text;
  }
  r.opaque = c.opaque;
  r.qop = !c.qop_present ? HttpQop::None : c.auth ? HttpQop::Auth : HttpQop::AuthInt;
  if (r.qop != HttpQop::None) {
    std::array<std::uint8_t, 24> random{};
    if (const auto st = m_crypto->random(random); !st) {
      return report(host, st.error());
    }
    r.cnonce = base64(random);
    r.nc = 1;
  }
  // RFC 2617 hashes ISO-8859-1 where the text fits; charset=UTF-8 (RFC 7616) hashes UTF-8.
  SecureBytes inner;
  if (c.utf8) {
    inner = http_user_hash(*m_crypto, alg, r.username, r.realm, ByteView(id->password));
  } else {
    SecureBytes user;
    SecureBytes realm;
    SecureBytes password;
    to_8859_1(as_bytes(r.username), user);
    to_8859_1(as_bytes(r.realm), realm);
    to_8859_1(ByteView(id->password), password);
    inner = http_user_hash(*m_crypto, alg, as_text(ByteView(user)), as_text(ByteView(realm)),
                           ByteView(password));
  }
  m_ha1 = http_ha1(*m_crypto, alg, inner, r.nonce, r.cnonce);
  const HttpDigestInputs in{alg,   r.nonce,        r.nc,  r.cnonce,
                            r.qop, request.method, r.uri, request.entity};
  r.response = http_digest(*m_crypto, m_ha1, in);
  m_out = format_http_credentials(r);
  m_sent = std::move(r);
  m_state = State::AwaitInfo;
  return StepOutput{m_out, false};
}

Result<StepOutput> HttpClientSession::check_info(ClientHost& host, const HttpRequest& request,
                                                 std::string_view input) {
  auto info = parse_http_auth_info(input);
  if (!info) {
    return report(host, info.error());
  }
  if (!info->rspauth) {
    return report(host, fail(Errc::BadProtocol, "Authentication-Info has no rspauth"));
  }
  if ((info->cnonce && *info->cnonce != m_sent.cnonce) || (info->nc && *info->nc != m_sent.nc) ||
      (info->qop && *info->qop != m_sent.qop)) {
    return report(host, fail(Errc::BadAuth, "Authentication-Info is for another request"));
  }
  const HttpDigestInputs in{m_sent.algorithm.value_or(HttpAlgorithm::Md5),
                            m_sent.nonce,
                            m_sent.nc,
                            m_sent.cnonce,
                            m_sent.qop,
                            "",
                            m_sent.uri,
                            request.entity};
  if (!ct_equal(http_digest(*m_crypto, m_ha1, in), *info->rspauth)) {
    return report(host, fail(Errc::BadAuth, "server's rspauth does not match"));
  }
  SecureBytes().swap(m_ha1);
  m_out.clear();
  return StepOutput{m_out, true};
}

}  // namespace digestmd5
