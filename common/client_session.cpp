// SPDX-License-Identifier: BSD-3-Clause
// client_session.cpp: answering the challenge and verifying rspauth.
#include "common/client_session.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "common/digest.hpp"
#include "common/encoding.hpp"

namespace digestmd5 {
namespace {

constexpr std::size_t kCnonceOctets = 32;

bool fits_8859_1(ByteView s) {
  SecureBytes scratch;
  return to_8859_1(s, scratch).representable;
}

}  // namespace

ClientSession::ClientSession(std::shared_ptr<const Crypto> crypto, ClientOptions options)
    : m_crypto(std::move(crypto)), m_options(options) {}

ClientSession::~ClientSession() = default;

Result<StepOutput> ClientSession::step(ClientHost& host, std::string_view input) {
  switch (m_state) {
    case State::Start:
      if (input.empty()) {
        // libsasl2 calls this only when the application can send an initial response.
        if (auto r = m_options.reauth ? start_reauth(host) : Result<StepOutput>(Error{}); r) {
          m_state = State::AwaitReauthResult;
          return r;
        } else if (r.error().code == Errc::Interact) {
          return r;  // the names are asked for; the application calls again with the answers
        }
        m_state = State::AwaitChallenge;
        m_out.clear();
        return StepOutput{m_out, false};
      }
      [[fallthrough]];
    case State::AwaitChallenge:
    case State::AwaitReauthResult: {
      auto r = m_state == State::AwaitReauthResult ? after_reauth(host, input)
                                                   : answer_challenge(host, input);
      if (r) {
        m_state = r->done ? State::Done : State::AwaitResponseAuth;
      } else if (r.error().code != Errc::Interact) {
        m_state = State::Failed;
        m_ha1.clear();
        m_pending.reset();
      } else {
        m_state = State::AwaitChallenge;
      }
      return r;
    }
    case State::AwaitResponseAuth: {
      auto r = verify_response_auth(host, input);
      m_state = r ? State::Done : State::Failed;
      // H(A1) was needed only to check rspauth and derive the layer keys: both are done now.
      m_ha1.clear();
      return r;
    }
    case State::Done:
    case State::Failed:
      break;
  }
  return report(host, fail(Errc::BadProtocol, "DIGEST-MD5 exchange already finished"));
}

namespace {

// choose_realm (docs/protocol.md §5): the application's answer wins; otherwise one offered realm
// is taken as is, none means the server's FQDN (as Cyrus does), and among several the first (the
// default of the prompt the host would have shown).
std::string choose_realm(const std::optional<std::string>& answer,
                         const std::vector<std::string>& offered, std::string_view fqdn) {
  if (answer) {
    return *answer;
  }
  return offered.empty() ? std::string(fqdn) : offered.front();
}

}  // namespace

CipherSet ClientSession::usable_ciphers(std::uint32_t peer_maxbuf, std::uint32_t own) const {
  // Only ciphers whose packets fit both buffers are candidates: the one chosen must be able to
  // carry at least one octet each way.
  return ciphers_fitting(
      ciphers_fitting(m_options.ciphers.intersect(m_crypto->available()), peer_maxbuf), own);
}

Result<Choice> ClientSession::choose_protection(ClientHost& host, const Challenge& c) {
  const SecurityProps props = host.props();
  const SsfWindow window = ssf_window(props);
  const std::uint32_t peer_maxbuf = c.maxbuf.value_or(kDefaultMaxbuf);
  const std::uint32_t own = own_maxbuf(props);
  auto choice = choose(window, c.qops, c.ciphers, usable_ciphers(peer_maxbuf, own));
  if (choice) {
    m_layer_config = LayerConfig{Role::Client, choice->qop, choice->cipher, peer_maxbuf, own};
  }
  return choice;
}

void ClientSession::sign(Response& r, const Digest16& ss) {
  m_ha1 = compute_ha1(*m_crypto, ss, r.nonce, r.cnonce, r.authzid);
  const ResponseInputs inputs{r.nonce, r.nc, r.cnonce, qop_name(r.qop), r.digest_uri, r.qop};
  r.response = compute_response(*m_crypto, m_ha1, inputs, Proof::ClientResponse);
  m_expected_rspauth = compute_response(*m_crypto, m_ha1, inputs, Proof::ServerRspauth);
}

Result<Response> ClientSession::new_response(ClientHost& host, const ClientNames& names,
                                             std::string_view realm, std::string_view nonce,
                                             std::uint32_t nc, const Choice& choice, bool utf8) {
  std::array<std::uint8_t, kCnonceOctets> random{};
  if (const auto st = m_crypto->random(random); !st) {
    return st.error();
  }
  Response r;
  r.username = names.authid;
  r.realm = std::string(realm);
  // RFC 2831 §2.1.2: authzid only when it differs from the authentication id (as Cyrus does).
  if (!names.authzid.empty() && names.authzid != names.authid) {
    r.authzid = names.authzid;
  }
  r.nonce = std::string(nonce);
  r.cnonce = base64(random);  // always fresh: a continuation gets a new H(A1), so new keys
  r.nc = nc;
  r.qop = choice.qop;
  r.cipher = choice.cipher;
  if (m_layer_config.own_maxbuf != kDefaultMaxbuf && choice.qop != Qop::Auth) {
    r.maxbuf = m_layer_config.own_maxbuf;
  }
  r.utf8 = utf8;
  r.digest_uri = std::string(host.service()) + "/" + std::string(host.server_fqdn());
  return r;
}

Result<StepOutput> ClientSession::answer_challenge(ClientHost& host, std::string_view input) {
  auto parsed = parse_challenge(input);
  if (!parsed) {
    return report(host, parsed.error());
  }
  return answer_parsed(host, *parsed, nullptr);
}

Result<StepOutput> ClientSession::answer_parsed(ClientHost& host, const Challenge& c,
                                                const ClientReauthEntry* stale_entry) {
  auto choice = choose_protection(host, c);
  if (!choice) {
    return report(host, choice.error());
  }
  // The names and SS: from the application, or, after stale=true, from the cached entry (the
  // password was right, so the user is not asked again).
  ClientNames names;
  m_pending.emplace();
  if (stale_entry != nullptr) {
    names = ClientNames{stale_entry->username, m_pending_authzid};
    m_pending->realm = stale_entry->realm;
    m_pending->ss = stale_entry->ss.clone();
  } else {
    auto id = host.identity(c.realms, c.realms.size() > 1);
    if (!id) {
      m_pending.reset();
      if (id.error().code == Errc::Interact) {
        return id.error();
      }
      return report(host, id.error());
    }
    names = ClientNames{id->authid, id->authzid};
    m_pending->realm = choose_realm(id->realm, c.realms, host.server_fqdn());
    if (!c.utf8 &&
        (!fits_8859_1(as_bytes(id->authid)) || !fits_8859_1(as_bytes(m_pending->realm)) ||
         !fits_8859_1(ByteView(id->password)))) {
      return report(host, fail(Errc::BadParam,
                               "credentials cannot be encoded in ISO-8859-1 and the server did "
                               "not offer charset=utf-8"));
    }
    const SecretInputs si{id->authid, m_pending->realm, ByteView(id->password)};
    m_pending->ss = compute_ss(*m_crypto, si, true);
  }
  auto r = new_response(host, names, m_pending->realm, c.nonce, 1, *choice, c.utf8);
  if (!r) {
    return report(host, r.error());
  }
  sign(*r, m_pending->ss);  // the proof, and what rspauth must be (docs/protocol.md §4)
  m_reauth_key = client_reauth_key(host.service(), host.server_fqdn(), names.authid, names.authzid);
  m_pending_authzid = names.authzid;
  m_pending->username = r->username;
  m_pending->nonce = r->nonce;
  m_pending->last_nc = r->nc;
  m_pending->qop = r->qop;
  m_pending->cipher = r->cipher;
  m_pending->server_maxbuf = m_layer_config.peer_maxbuf;
  m_pending->utf8 = r->utf8;
  m_outcome.qop = r->qop;
  m_outcome.cipher = r->cipher;
  m_outcome.ssf = choice->ssf();
  auto text = format_response(*r);
  if (!text) {
    return report(host, text.error());
  }
  m_out = std::move(*text);
  return StepOutput{m_out, false};
}

Result<StepOutput> ClientSession::start_reauth(ClientHost& host) {
  const auto names = host.names();
  if (!names) {
    return names.error();  // Interact: prompts published; otherwise no names to look up
  }
  m_reauth_key =
      client_reauth_key(host.service(), host.server_fqdn(), names->authid, names->authzid);
  // Taken out of the cache: only a verified rspauth puts it back, so an exchange that ends any
  // other way (an error instead of a challenge, a disposed connection) runs in full next time.
  auto entry = m_options.reauth->take(m_reauth_key);
  if (!entry || entry->last_nc == 0xFFFFFFFFU) {
    return fail(Errc::Unavailable, "no server to continue");
  }
  const SecurityProps props = host.props();
  const std::uint32_t own = own_maxbuf(props);
  const Choice choice{entry->qop, entry->cipher};
  const bool cipher_ok =
      choice.qop != Qop::AuthConf ||
      (choice.cipher && usable_ciphers(entry->server_maxbuf, own).has(*choice.cipher));
  if (!ssf_window(props).contains(choice.ssf()) || !cipher_ok) {
    return fail(Errc::Unavailable, "the cached protection is outside this connection's window");
  }
  m_layer_config = LayerConfig{Role::Client, choice.qop, choice.cipher, entry->server_maxbuf, own};
  const ClientNames continued{entry->username, names->authzid};
  auto drafted = new_response(host, continued, entry->realm, entry->nonce, entry->last_nc + 1,
                              choice, entry->utf8);
  if (!drafted) {
    return drafted.error();
  }
  Response& r = *drafted;
  sign(r, entry->ss);
  m_outcome.qop = r.qop;
  m_outcome.cipher = r.cipher;
  m_outcome.ssf = ssf_of(r.qop, r.cipher);
  m_pending_authzid = names->authzid;
  entry->last_nc = r.nc;
  m_pending = std::move(entry);
  auto text = format_response(r);
  if (!text) {
    return text.error();
  }
  m_out = std::move(*text);
  return StepOutput{m_out, false};
}

Result<StepOutput> ClientSession::after_reauth(ClientHost& host, std::string_view input) {
  if (parse_response_auth(input)) {
    m_state = State::AwaitResponseAuth;
    return verify_response_auth(host, input);
  }
  // A challenge instead: the server did not continue. Start afresh with it; after stale=true
  // with the cached SS (the password was right), else with the application's credentials.
  auto c = parse_challenge(input);
  if (!c) {
    return report(host, c.error());
  }
  host.log(LogLevel::Note, c->stale ? "subsequent authentication was stale; authenticating again"
                                    : "subsequent authentication refused; authenticating fully");
  std::optional<ClientReauthEntry> entry = std::move(m_pending);
  m_pending.reset();
  const bool reuse = entry && c->stale &&
                     (c->realms.empty() || std::find(c->realms.begin(), c->realms.end(),
                                                     entry->realm) != c->realms.end());
  return answer_parsed(host, *c, reuse ? &*entry : nullptr);
}

void ClientSession::remember() {
  if (m_options.reauth && m_pending) {
    m_options.reauth->put(m_reauth_key, std::move(*m_pending));
  }
  m_pending.reset();
}

Result<StepOutput> ClientSession::verify_response_auth(ClientHost& host, std::string_view input) {
  auto rspauth = parse_response_auth(input);
  if (!rspauth) {
    return report(host, rspauth.error());
  }
  if (!ct_equal(*rspauth, m_expected_rspauth)) {
    return report(host, fail(Errc::BadServer, "server's rspauth does not match"));
  }
  if (m_outcome.qop != Qop::Auth) {
    auto layer = install_layer(m_crypto, m_ha1, m_layer_config, m_outcome);
    if (!layer) {
      return report(host, layer.error());
    }
    m_layer = std::move(*layer);
  }
  host.log(LogLevel::Note,
           "authenticated the server with " + protection_name(m_outcome.qop, m_outcome.cipher));
  remember();
  // Done: free the response text and the expected rspauth instead of keeping them for the
  // connection's lifetime (bytes per established connection).
  std::string().swap(m_out);
  std::string().swap(m_expected_rspauth);
  return StepOutput{m_out, true};
}

}  // namespace digestmd5
