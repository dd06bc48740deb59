// SPDX-License-Identifier: BSD-3-Clause
// server_session.cpp: challenge generation and response verification.
#include "common/server_session.hpp"

#include <algorithm>
#include <array>

#include "common/account.hpp"
#include "common/digest.hpp"
#include "common/directive_list.hpp"
#include "common/encoding.hpp"
#include "common/response_check.hpp"

namespace digestmd5 {
namespace {

constexpr std::size_t kNonceOctets = 32;

// check_offered_realms keeps the server from sending a challenge that a client (our own parser
// included) would refuse: at most kMaxRealms realms, each non-empty and sendable. The realms come
// from digestmd5_realms, else from user_realm or the FQDN; the messages say which to fix.
Status check_offered_realms(const std::vector<std::string>& realms, bool from_option) {
  if (realms.size() > kMaxRealms) {
    return fail(Errc::BadParam,
                "digestmd5_realms lists more than 32 realms, the most one challenge may carry");
  }
  for (const auto& r : realms) {
    if (r.empty() || !is_sendable_quoted(r)) {
      return fail(Errc::BadParam,
                  from_option ? "digestmd5_realms has a realm over 1024 octets or with a control "
                                "character"
                              : "the user realm or server FQDN cannot be offered as a realm "
                                "(empty, over 1024 octets or with a control character)");
    }
  }
  return {};
}

}  // namespace

ServerSession::ServerSession(std::shared_ptr<const Crypto> crypto, ServerOptions options)
    : m_crypto(std::move(crypto)), m_options(std::move(options)) {}

ServerSession::~ServerSession() = default;

Result<StepOutput> ServerSession::step(ServerHost& host, std::string_view input) {
  switch (m_state) {
    case State::Start:
      // Initial client data is a subsequent authentication (docs/protocol.md §6); when it does
      // not succeed, the exchange goes on as an initial one, with a challenge.
      if (!input.empty()) {
        auto r = try_reauth(host, input);
        if (r) {
          m_state = State::Done;
          return r;
        }
        host.log(LogLevel::Note, r.error().message);
      }
      return issue_challenge(host);
    case State::AwaitResponse: {
      auto r = verify_response(host, input);
      m_state = r ? State::Done : State::Failed;
      return r;
    }
    case State::Done:
    case State::Failed:
      break;
  }
  return report(host, fail(Errc::BadProtocol, "DIGEST-MD5 exchange already finished"));
}

Status ServerSession::prepare_offer(ServerHost& host) {
  const SecurityProps props = host.props();
  m_window = ssf_window(props);
  m_own_maxbuf = own_maxbuf(props);
  // Offer only ciphers whose packets fit our own buffer, or the client could pick one in which
  // it can send nothing.
  const CipherSet usable =
      ciphers_fitting(m_options.ciphers.intersect(m_crypto->available()), m_own_maxbuf);
  auto offer = make_offer(m_window, usable);
  if (!offer) {
    return offer.error();
  }
  m_offer = *offer;
  return {};
}

Result<StepOutput> ServerSession::issue_challenge(ServerHost& host) {
  if (const auto st = prepare_offer(host); !st) {
    return report(host, st.error());
  }

  std::array<std::uint8_t, kNonceOctets> random{};
  if (const auto st = m_crypto->random(random); !st) {
    return report(host, st.error());
  }
  m_nonce = base64(random);

  m_realms = m_options.realms;
  if (m_realms.empty()) {
    m_realms.emplace_back(!host.user_realm().empty() ? host.user_realm() : host.server_fqdn());
  }
  const bool realms_from_option = !m_options.realms.empty();
  if (const auto st = check_offered_realms(m_realms, realms_from_option); !st) {
    return report(host, st.error());
  }

  Challenge c;
  c.nonce = m_nonce;
  c.realms = m_realms;
  c.qops = m_offer.qops;
  c.ciphers = m_offer.ciphers;
  c.utf8 = true;
  c.stale = m_stale;
  // maxbuf only matters with a layer. Without one (maxbufsize 1..16 collapses the window to
  // auth) the value would be outside 17..16777215 and a client would refuse the challenge.
  const bool layer_offered = m_offer.qops.has(Qop::AuthInt) || m_offer.qops.has(Qop::AuthConf);
  if (m_own_maxbuf != kDefaultMaxbuf && layer_offered) {
    c.maxbuf = m_own_maxbuf;
  }
  auto text = format_challenge(c);
  if (!text) {
    return report(host, realms_from_option
                            ? fail(Errc::BadParam,
                                   "digestmd5_realms is too long: the challenge would reach the "
                                   "2048-octet limit")
                            : text.error());
  }
  m_out = std::move(*text);
  m_state = State::AwaitResponse;
  return StepOutput{m_out, false};
}

namespace {

// fetch_secret asks the host for the secret of the account `r` names.
Result<StoredSecret> fetch_secret(ServerHost& host, const Response& r) {
  return fetch_account_secret(host, r.username, r.realm.value_or(""), r.authzid);
}

// recover_ha1 returns H(A1) when the response proves knowledge of `secret`: a stored SS is used
// as is; a password is folded to ISO-8859-1 first and, if that changed anything and failed,
// tried again as raw UTF-8 octets (docs/protocol.md §4.2).
std::optional<Digest16> recover_ha1(const Crypto& crypto, const StoredSecret& secret,
                                    const Response& r, std::string_view nonce) {
  const ResponseInputs inputs{nonce, r.nc, r.cnonce, r.qop_for_hash(), r.digest_uri, r.qop};
  const auto verify = [&](const Digest16& ss) -> std::optional<Digest16> {
    Digest16 ha1 = compute_ha1(crypto, ss, nonce, r.cnonce, r.authzid);
    const auto expect = compute_response(crypto, ha1, inputs, Proof::ClientResponse);
    if (ct_equal(expect, r.response)) {
      return ha1;
    }
    return std::nullopt;
  };
  if (secret.kind == StoredSecret::Kind::Ss) {
    Digest16 ss;
    std::copy(secret.bytes.begin(), secret.bytes.end(), ss.data());
    return verify(ss);
  }
  const std::string realm = r.realm.value_or("");
  const SecretInputs si{r.username, realm, ByteView(secret.bytes)};
  bool converted = false;
  auto ha1 = verify(compute_ss(crypto, si, true, &converted));
  if (!ha1 && converted) {
    ha1 = verify(compute_ss(crypto, si, false));
  }
  return ha1;
}

}  // namespace

Result<StepOutput> ServerSession::try_reauth(ServerHost& host, std::string_view input) {
  if (!m_options.reauth) {
    return fail(Errc::BadProtocol, "initial response ignored: reauth_timeout is off");
  }
  auto parsed = parse_response(input);
  if (!parsed) {
    return fail(Errc::BadProtocol, "initial response ignored: it does not parse");
  }
  const Response& r = *parsed;
  const auto entry = m_options.reauth->find(r.nonce);
  if (!entry || !r.realm || *r.realm != entry->realm || r.username != entry->username) {
    return fail(Errc::BadProtocol,
                "initial response ignored: no subsequent authentication "
                "for this nonce, realm and user");
  }
  if (const auto st = prepare_offer(host); !st) {
    return st.error();
  }
  const OfferedChallenge offered{r.nonce,        m_offer,         true,
                                 host.service(), m_options.hosts, std::nullopt};
  if (const auto st = check_response(r, offered); !st) {
    return fail(Errc::BadProtocol, "initial response ignored: it breaks a rule of the offer");
  }
  auto secret = fetch_secret(host, r);
  const auto ha1 = secret ? recover_ha1(*m_crypto, *secret, r, r.nonce) : std::nullopt;
  // A wrong proof leaves the count alone (anyone could otherwise lock the user out) and gets a
  // plain challenge; a right one with a stale count, age or cnonce gets stale=true.
  if (!ha1) {
    return fail(Errc::BadAuth, "subsequent authentication refused: the proof does not match");
  }
  m_stale = true;
  if (std::chrono::steady_clock::now() - entry->issued > m_options.reauth_lifetime) {
    m_options.reauth->erase(r.nonce);
    return fail(Errc::BadProtocol, "subsequent authentication refused: the nonce expired");
  }
  // The same cnonce would give the same H(A1), so the same layer keys with the counters back
  // at 0: keystream and IV reuse, and replayable packets. Only qop=auth may keep it.
  if (r.qop != Qop::Auth && r.cnonce == entry->cnonce) {
    return fail(Errc::BadProtocol,
                "subsequent authentication refused: a layer needs a fresh cnonce");
  }
  if (!m_options.reauth->advance(r.nonce, r.nc, r.cnonce)) {
    return fail(Errc::BadProtocol, "subsequent authentication refused: nc is not the next count");
  }
  m_stale = false;
  m_nonce = r.nonce;
  m_reauthenticated = true;
  return finish(host, r, *ha1);
}

Result<StepOutput> ServerSession::verify_response(ServerHost& host, std::string_view input) {
  auto parsed = parse_response(input);
  if (!parsed) {
    return report(host, parsed.error());
  }
  const Response& r = *parsed;
  const OfferedChallenge offered{m_nonce,        m_offer,         !m_realms.empty(),
                                 host.service(), m_options.hosts, 1};
  if (const auto st = check_response(r, offered); !st) {
    return report(host, st.error());
  }
  auto secret = fetch_secret(host, r);
  if (!secret) {
    return report(host, secret.error());
  }
  const auto ha1 = recover_ha1(*m_crypto, *secret, r, m_nonce);
  if (!ha1) {
    return report(host, fail(Errc::BadAuth, "client response does not match"));
  }
  return finish(host, r, *ha1);
}

// finish installs the layer the client chose and answers with rspauth.
Result<StepOutput> ServerSession::finish(ServerHost& host, const Response& r, const Digest16& ha1) {
  m_outcome.qop = r.qop;
  m_outcome.cipher = r.cipher;
  m_outcome.ssf = ssf_of(r.qop, r.cipher);
  if (r.qop != Qop::Auth) {
    const LayerConfig cfg{Role::Server, r.qop, r.cipher, r.maxbuf.value_or(kDefaultMaxbuf),
                          m_own_maxbuf};
    auto layer = install_layer(m_crypto, ha1, cfg, m_outcome);
    if (!layer) {
      return report(host, layer.error());
    }
    m_layer = std::move(*layer);
  }
  const ResponseInputs inputs{m_nonce, r.nc, r.cnonce, r.qop_for_hash(), r.digest_uri, r.qop};
  m_out = format_response_auth(compute_response(*m_crypto, ha1, inputs, Proof::ServerRspauth));
  if (m_options.reauth && !m_reauthenticated) {
    m_options.reauth->put(
        m_nonce, ReauthEntry{r.realm.value_or(""), r.username, r.authzid.value_or(""), r.cnonce, 2,
                             std::chrono::steady_clock::now()});
  }
  host.log(LogLevel::Note,
           std::string(m_reauthenticated ? "reauthenticated with " : "authenticated with ") +
               protection_name(r.qop, r.cipher));
  // The nonce and the realms served only this exchange: free them rather than keep them for the
  // connection's lifetime (bytes per established connection).
  std::string().swap(m_nonce);
  std::vector<std::string>().swap(m_realms);
  return StepOutput{m_out, true};
}

}  // namespace digestmd5
