// SPDX-License-Identifier: BSD-3-Clause
// http_client.hpp: the client side of HTTP Digest mode (SASL_NEED_HTTP; docs/protocol.md §12).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto.hpp"
#include "common/host.hpp"
#include "common/http_messages.hpp"
#include "common/http_server.hpp"
#include "common/session.hpp"

namespace digestmd5 {

class HttpClientSession {
 public:
  explicit HttpClientSession(std::shared_ptr<const Crypto> crypto);

  // step: with no input it returns nothing (the server speaks first); given the challenge(s) of
  // WWW-Authenticate it answers the strongest one it supports with the credentials for
  // `request`; given Authentication-Info it verifies rspauth and returns done = true. A new
  // challenge after the credentials (stale=true) is answered again.
  Result<StepOutput> step(ClientHost& host, const HttpRequest& request, std::string_view input);
  [[nodiscard]] const Outcome& outcome() const noexcept { return m_outcome; }

 private:
  enum class State { Start, AwaitInfo, Done, Failed };
  Result<StepOutput> answer(ClientHost& host, const HttpRequest& request,
                            std::vector<HttpChallenge>& challenges);
  Result<StepOutput> check_info(ClientHost& host, const HttpRequest& request,
                                std::string_view input);

  std::shared_ptr<const Crypto> m_crypto;
  State m_state = State::Start;
  std::string m_out;
  Outcome m_outcome;
  // What rspauth is checked against.
  SecureBytes m_ha1;
  HttpCredentials m_sent;
};

// choose_http_challenge returns the index of the challenge to answer: the strongest hash this
// OpenSSL has, the server's order among equals; nothing when none is usable.
std::optional<std::size_t> choose_http_challenge(const Crypto& crypto,
                                                 const std::vector<HttpChallenge>& challenges);

}  // namespace digestmd5
