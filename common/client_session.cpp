// SPDX-License-Identifier: BSD-3-Clause
// client_session.cpp: answering the challenge and verifying rspauth.
#include "common/client_session.hpp"

#include <algorithm>
#include <array>

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
        m_state = State::AwaitChallenge;
        m_out.clear();
        return StepOutput{m_out, false};
      }
      [[fallthrough]];
    case State::AwaitChallenge: {
      auto r = answer_challenge(host, input);
      if (r) {
        m_state = State::AwaitResponseAuth;
      } else if (r.error().code != Errc::Interact) {
        m_state = State::Failed;
        m_ha1.clear();
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

Result<Choice> ClientSession::choose_protection(ClientHost& host, const Challenge& c) {
  const SecurityProps props = host.props();
  const SsfWindow window = ssf_window(props);
  const std::uint32_t peer_maxbuf = c.maxbuf.value_or(kDefaultMaxbuf);
  const std::uint32_t own = own_maxbuf(props);
  // Only ciphers whose packets fit both buffers are candidates: the one chosen must be able to
  // carry at least one octet each way.
  const CipherSet usable = ciphers_fitting(
      ciphers_fitting(m_options.ciphers.intersect(m_crypto->available()), peer_maxbuf), own);
  auto choice = choose(window, c.qops, c.ciphers, usable);
  if (choice) {
    m_layer_config = LayerConfig{Role::Client, choice->qop, choice->cipher, peer_maxbuf, own};
  }
  return choice;
}

Result<Response> ClientSession::build_response(ClientHost& host, const Challenge& c,
                                               const Choice& choice, const ClientIdentity& id) {
  std::array<std::uint8_t, kCnonceOctets> random{};
  if (const auto st = m_crypto->random(random); !st) {
    return st.error();
  }
  Response r;
  r.username = id.authid;
  r.realm = choose_realm(id.realm, c.realms, host.server_fqdn());
  // RFC 2831 §2.1.2: authzid only when it differs from the authentication id (as Cyrus does).
  if (!id.authzid.empty() && id.authzid != id.authid) {
    r.authzid = id.authzid;
  }
  r.nonce = c.nonce;
  r.cnonce = base64(random);
  r.nc = 1;
  r.qop = choice.qop;
  r.cipher = choice.cipher;
  if (m_layer_config.own_maxbuf != kDefaultMaxbuf && choice.qop != Qop::Auth) {
    r.maxbuf = m_layer_config.own_maxbuf;
  }
  r.utf8 = c.utf8;
  r.digest_uri = std::string(host.service()) + "/" + std::string(host.server_fqdn());
  if (!c.utf8 && (!fits_8859_1(as_bytes(r.username)) || !fits_8859_1(as_bytes(*r.realm)) ||
                  !fits_8859_1(ByteView(id.password)))) {
    return fail(Errc::BadParam,
                "credentials cannot be encoded in ISO-8859-1 and the server did not offer "
                "charset=utf-8");
  }
  // The proof, and what rspauth must be (docs/protocol.md §4).
  const SecretInputs si{r.username, *r.realm, ByteView(id.password)};
  const Digest16 ss = compute_ss(*m_crypto, si, true);
  m_ha1 = compute_ha1(*m_crypto, ss, r.nonce, r.cnonce, r.authzid);
  const ResponseInputs inputs{r.nonce, r.nc, r.cnonce, qop_name(r.qop), r.digest_uri, r.qop};
  r.response = compute_response(*m_crypto, m_ha1, inputs, Proof::ClientResponse);
  m_expected_rspauth = compute_response(*m_crypto, m_ha1, inputs, Proof::ServerRspauth);
  return r;
}

Result<StepOutput> ClientSession::answer_challenge(ClientHost& host, std::string_view input) {
  auto parsed = parse_challenge(input);
  if (!parsed) {
    return report(host, parsed.error());
  }
  const Challenge& c = *parsed;
  auto choice = choose_protection(host, c);
  if (!choice) {
    return report(host, choice.error());
  }
  auto id = host.identity(c.realms, c.realms.size() > 1);
  if (!id) {
    if (id.error().code == Errc::Interact) {
      return id.error();
    }
    return report(host, id.error());
  }
  auto r = build_response(host, c, *choice, *id);
  if (!r) {
    return report(host, r.error());
  }
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
  // Done: free the response text and the expected rspauth instead of keeping them for the
  // connection's lifetime (bytes per established connection).
  std::string().swap(m_out);
  std::string().swap(m_expected_rspauth);
  return StepOutput{m_out, true};
}

}  // namespace digestmd5
