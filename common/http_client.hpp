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
#include "common/lru_map.hpp"
#include "common/session.hpp"

namespace digestmd5 {

// HttpClientEntry is what the client keeps of the last nonce it answered for a server and user,
// so that the next request carries the next count at once, as browsers do (docs/protocol.md
// §12): HTTP connections do not persist, and waiting for a new challenge would cost a round trip
// on every request (and Cyrus httpd 3.6 answers a later request without credentials with a
// challenge that has no parameters at all).
struct HttpClientEntry {
  HttpCredentials sent;  // the last credentials; `response` is recomputed
  SecureBytes ha1;
  void wipe() noexcept { SecureBytes().swap(ha1); }
};
using HttpClientCache = LruMap<HttpClientEntry>;

class HttpClientSession {
 public:
  // `cache` may be null (no continuation).
  HttpClientSession(std::shared_ptr<const Crypto> crypto, std::shared_ptr<HttpClientCache> cache);

  // step: with no input it returns nothing (the server speaks first), or, when the cache holds a
  // nonce for this server and user, credentials with its next count; given the challenge(s) of
  // WWW-Authenticate it answers the strongest one it supports with the credentials for
  // `request`; given Authentication-Info it verifies rspauth and returns done = true. After the
  // credentials, a new challenge is answered only if it says stale=true or ours were a
  // continuation; otherwise the password was wrong and the step fails.
  Result<StepOutput> step(ClientHost& host, const HttpRequest& request, std::string_view input);
  [[nodiscard]] const Outcome& outcome() const noexcept { return m_outcome; }

 private:
  enum class State { Start, AwaitInfo, Done, Failed };
  Result<StepOutput> answer(ClientHost& host, const HttpRequest& request,
                            std::vector<HttpChallenge>& challenges);
  Result<StepOutput> check_info(ClientHost& host, const HttpRequest& request,
                                std::string_view input);
  Result<StepOutput> continue_nonce(ClientHost& host, const HttpRequest& request);
  Result<StepOutput> send(const HttpRequest& request);

  std::shared_ptr<const Crypto> m_crypto;
  std::shared_ptr<HttpClientCache> m_cache;
  std::string m_cache_key;
  bool m_continued = false;  // the credentials sent were a continuation
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
