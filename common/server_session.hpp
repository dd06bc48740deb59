// SPDX-License-Identifier: BSD-3-Clause
// server_session.hpp: the server side of DIGEST-MD5 (docs/protocol.md §3, §4.5, §9).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto.hpp"
#include "common/host.hpp"
#include "common/messages.hpp"
#include "common/reauth_cache.hpp"
#include "common/security_layer.hpp"
#include "common/session.hpp"

namespace digestmd5 {

// ServerOptions are read from the application's configuration once per connection.
struct ServerOptions {
  std::vector<std::string> realms;       // realms to offer; empty = user_realm, else server FQDN
  std::vector<std::string> hosts;        // accepted digest-uri hosts; empty = no host check
  CipherSet ciphers = CipherSet::all();  // allow-list
  // Subsequent authentication (docs/protocol.md §6): the process's cache, null = off, and how
  // long a nonce may be continued (reauth_timeout).
  std::shared_ptr<ReauthCache> reauth;
  std::chrono::seconds reauth_lifetime{0};
};

class ServerSession {
 public:
  ServerSession(std::shared_ptr<const Crypto> crypto, ServerOptions options);
  ~ServerSession();
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  // step runs the next step: the first call returns the challenge, the second verifies the
  // response and returns response-auth with done = true.
  Result<StepOutput> step(ServerHost& host, std::string_view input);

  [[nodiscard]] const Outcome& outcome() const noexcept { return m_outcome; }
  // layer is the installed security layer, or nullptr for qop=auth or before success.
  [[nodiscard]] SecurityLayer* layer() noexcept { return m_layer.get(); }
  // nonce exposes the challenge nonce (tests drive step 2 with it).
  [[nodiscard]] std::string_view nonce() const noexcept { return m_nonce; }

 private:
  enum class State { Start, AwaitResponse, Done, Failed };
  Status prepare_offer(ServerHost& host);
  Result<StepOutput> issue_challenge(ServerHost& host);
  // try_reauth answers an initial response as a subsequent authentication; when that fails it
  // returns why (to log, not a failure) and the exchange goes on with a challenge.
  Result<StepOutput> try_reauth(ServerHost& host, std::string_view input);
  Result<StepOutput> verify_response(ServerHost& host, std::string_view input);
  Result<StepOutput> finish(ServerHost& host, const Response& r, const Digest16& ha1);

  std::shared_ptr<const Crypto> m_crypto;
  ServerOptions m_options;
  State m_state = State::Start;
  std::string m_nonce;
  std::vector<std::string> m_realms;
  Offer m_offer;
  SsfWindow m_window;
  std::uint32_t m_own_maxbuf = kDefaultMaxbuf;
  std::string m_out;
  Outcome m_outcome;
  std::unique_ptr<SecurityLayer> m_layer;
  bool m_stale = false;            // the next challenge says stale=true
  bool m_reauthenticated = false;  // finished by a subsequent authentication
};

}  // namespace digestmd5
