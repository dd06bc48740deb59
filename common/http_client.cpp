// SPDX-License-Identifier: BSD-3-Clause
// http_client.cpp: answering HTTP Digest challenges and checking Authentication-Info.
#include "common/http_client.hpp"

#include <algorithm>
#include <array>

#include "common/digest.hpp"
#include "common/encoding.hpp"
#include "common/reauth_cache.hpp"

namespace digestmd5 {

HttpClientSession::HttpClientSession(std::shared_ptr<const Crypto> crypto,
                                     std::shared_ptr<HttpClientCache> cache)
    : m_crypto(std::move(crypto)), m_cache(std::move(cache)) {}

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
    return continue_nonce(host, request);
  }
  // Authentication-Info is told from a challenge by its rspauth (it may carry other directives).
  if (m_state == State::AwaitInfo) {
    if (const auto info = parse_http_auth_info(input); info && info->rspauth) {
      auto out = check_info(host, request, input);
      m_state = out ? State::Done : State::Failed;
      return out;
    }
  }
  auto challenges = parse_http_challenges(input);
  if (challenges) {
    if (m_state == State::AwaitInfo && !m_continued &&
        !std::any_of(challenges->begin(), challenges->end(),
                     [](const HttpChallenge& c) { return c.stale; })) {
      m_state = State::Failed;
      if (m_cache) {
        m_cache->erase(m_cache_key);
      }
      return report(host, fail(Errc::BadAuth,
                               "HTTP server refused the credentials (a new "
                               "challenge without stale=true)"));
    }
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
  const SecureBytes inner =
      c.utf8 ? http_user_hash(*m_crypto, alg, r.username, r.realm, ByteView(id->password))
             : http_user_hash_latin1(*m_crypto, alg, r.username, r.realm, ByteView(id->password));
  m_ha1 = http_ha1(*m_crypto, alg, inner, r.nonce, r.cnonce);
  m_sent = std::move(r);
  m_continued = false;
  if (m_cache) {
    m_cache_key = client_reauth_key("HTTP", host.server_fqdn(), id->authid, "");
    m_cache->put(m_cache_key, HttpClientEntry{m_sent, m_ha1});
  }
  return send(request);
}

// send signs m_sent for `request` with m_ha1.
Result<StepOutput> HttpClientSession::send(const HttpRequest& request) {
  m_sent.uri = std::string(request.uri);
  const HttpDigestInputs in{m_sent.algorithm.value_or(HttpAlgorithm::Md5),
                            m_sent.nonce,
                            m_sent.nc,
                            m_sent.cnonce,
                            m_sent.qop,
                            request.method,
                            m_sent.uri,
                            request.entity};
  m_sent.response = http_digest(*m_crypto, m_ha1, in);
  m_out = format_http_credentials(m_sent);
  m_state = State::AwaitInfo;
  return StepOutput{m_out, false};
}

// continue_nonce sends the next count of the cached nonce, if there is one (the same cnonce, so
// that -sess gives the same H(A1) whichever way the server reads RFC 2617).
Result<StepOutput> HttpClientSession::continue_nonce(ClientHost& host, const HttpRequest& request) {
  m_out.clear();
  const auto names = m_cache ? host.known_names() : std::nullopt;
  if (!names) {
    return StepOutput{m_out, false};
  }
  m_cache_key = client_reauth_key("HTTP", host.server_fqdn(), names->authid, "");
  std::optional<HttpClientEntry> entry;
  m_cache->update(m_cache_key, [&](HttpClientEntry& e) {
    if (e.sent.qop == HttpQop::None || e.sent.nc == 0xFFFFFFFFU) {
      return false;  // RFC 2069 has no count; a spent count is dropped
    }
    ++e.sent.nc;
    entry = HttpClientEntry{e.sent, e.ha1};
    return true;
  });
  if (!entry) {
    return StepOutput{m_out, false};
  }
  m_sent = std::move(entry->sent);
  m_ha1 = std::move(entry->ha1);
  m_continued = true;
  return send(request);
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
    return report(host, fail(Errc::BadServer, "Authentication-Info is for another request"));
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
    if (m_cache) {
      m_cache->erase(m_cache_key);
    }
    return report(host, fail(Errc::BadServer, "server's rspauth does not match"));
  }
  SecureBytes().swap(m_ha1);
  m_out.clear();
  return StepOutput{m_out, true};
}

}  // namespace digestmd5
