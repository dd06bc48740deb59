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
#include "common/security_layer.hpp"
#include "common/session.hpp"

namespace digestmd5 {

struct ClientOptions {
  CipherSet ciphers = CipherSet::all();  // allow-list
};

class ClientSession {
 public:
  ClientSession(std::shared_ptr<const Crypto> crypto, ClientOptions options);
  ~ClientSession();
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // step: with no input before a challenge it returns nothing (DIGEST-MD5 is server-first);
  // given the challenge it returns the response (or fails with Interact until the prompts are
  // filled); given response-auth it verifies rspauth and returns done = true.
  Result<StepOutput> step(ClientHost& host, std::string_view input);

  [[nodiscard]] const Outcome& outcome() const noexcept { return m_outcome; }
  [[nodiscard]] SecurityLayer* layer() noexcept { return m_layer.get(); }

 private:
  enum class State { Start, AwaitChallenge, AwaitResponseAuth, Done, Failed };
  Result<StepOutput> answer_challenge(ClientHost& host, std::string_view input);
  // choose_protection picks qop and cipher inside our window among what `c` offers, for
  // packets that fit both buffers, and records the layer's configuration.
  Result<Choice> choose_protection(ClientHost& host, const Challenge& c);
  // build_response fills the digest-response for `c` and computes H(A1), the proof and the
  // rspauth we expect.
  Result<Response> build_response(ClientHost& host, const Challenge& c, const Choice& choice,
                                  const ClientIdentity& id);
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
};

}  // namespace digestmd5
