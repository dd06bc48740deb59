// SPDX-License-Identifier: BSD-3-Clause
// client_session.hpp: the client side of DIGEST-MD5 (docs/protocol.md §3, §5, §9.3).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crypto.hpp"
#include "host.hpp"
#include "messages.hpp"
#include "security_layer.hpp"
#include "server_session.hpp"

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
