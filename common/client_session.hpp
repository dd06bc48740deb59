// SPDX-License-Identifier: BSD-3-Clause
// client_session.hpp: the client side of DIGEST-MD5 (docs/protocol.md §3, §5, §9.3).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto.hpp"
#include "common/host.hpp"
#include "common/messages.hpp"
#include "common/negotiation.hpp"
#include "common/reauth_cache.hpp"
#include "common/security_layer.hpp"
#include "common/session.hpp"

namespace digestmd5 {

struct ClientOptions {
  CipherSet ciphers = CipherSet::all();  // allow-list
  // Subsequent authentication (docs/protocol.md §6): the process's cache, null = off
  // (digestmd5_client_reauth, off by default).
  std::shared_ptr<ClientReauthCache> reauth;
};

class ClientSession {
 public:
  ClientSession(std::shared_ptr<const Crypto> crypto, ClientOptions options);
  ~ClientSession();
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // step: with no input before a challenge it returns nothing (DIGEST-MD5 is server-first), or,
  // with subsequent authentication on and a cached server, the next count as an initial
  // response; given the challenge it returns the response (or fails with Interact until the
  // prompts are filled); given response-auth it verifies rspauth and returns done = true.
  Result<StepOutput> step(ClientHost& host, std::string_view input);

  [[nodiscard]] const Outcome& outcome() const noexcept { return m_outcome; }
  [[nodiscard]] SecurityLayer* layer() noexcept { return m_layer.get(); }

 private:
  enum class State { Start, AwaitChallenge, AwaitResponseAuth, AwaitReauthResult, Done, Failed };
  // start_reauth builds the initial response continuing a cached server; it fails (quietly)
  // when there is nothing to continue.
  Result<StepOutput> start_reauth(ClientHost& host);
  // after_reauth takes the server's answer to it: rspauth, or a challenge to answer in full.
  Result<StepOutput> after_reauth(ClientHost& host, std::string_view input);
  // remember puts the finished authentication into the cache (rspauth verified).
  void remember();
  Result<StepOutput> answer_challenge(ClientHost& host, std::string_view input);
  // choose_protection picks qop and cipher inside our window among what `c` offers, for
  // packets that fit both buffers, and records the layer's configuration.
  Result<Choice> choose_protection(ClientHost& host, const Challenge& c);
  // usable_ciphers: the allowed, available ciphers whose packets fit both buffers.
  [[nodiscard]] CipherSet usable_ciphers(std::uint32_t peer_maxbuf, std::uint32_t own) const;
  // new_response fills a digest-response for `names` in `realm` on `nonce` with count `nc`,
  // protection `choice` and a fresh cnonce (maxbuf from m_layer_config); sign() adds the proof.
  Result<Response> new_response(ClientHost& host, const ClientNames& names, std::string_view realm,
                                std::string_view nonce, std::uint32_t nc, const Choice& choice,
                                bool utf8);
  // answer_parsed answers `c` with SS from the application's identity or, after stale=true,
  // from `stale_entry`.
  Result<StepOutput> answer_parsed(ClientHost& host, const Challenge& c,
                                   const ClientReauthEntry* stale_entry);
  // sign computes H(A1), the proof and the rspauth we expect for `r` from SS.
  void sign(Response& r, const Digest16& ss);
  Result<StepOutput> verify_response_auth(ClientHost& host, std::string_view input);

  std::shared_ptr<const Crypto> m_crypto;
  ClientOptions m_options;
  State m_state = State::Start;
  std::string m_out;
  std::string m_expected_rspauth;
  Digest16 m_ha1;
  LayerConfig m_layer_config;
  Outcome m_outcome;
  std::unique_ptr<SecurityLayer> m_layer;
  std::string m_reauth_key;                    // the cache key of this exchange
  std::optional<ClientReauthEntry> m_pending;  // what a verified rspauth puts into the cache
  std::string m_pending_authzid;
};

}  // namespace digestmd5
