// SPDX-License-Identifier: BSD-3-Clause
// http_server.hpp: the server side of HTTP Digest mode (SASL_NEED_HTTP; docs/protocol.md §12).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto.hpp"
#include "common/host.hpp"
#include "common/http_digest.hpp"
#include "common/http_messages.hpp"
#include "common/http_nonce.hpp"
#include "common/session.hpp"

namespace digestmd5 {

// HttpRequest is the request the application is answering (libsasl2's sasl_http_request_t).
struct HttpRequest {
  std::string_view method;
  std::string_view uri;
  ByteView entity;
  // has_entity is false when the application passes no body at all (a null pointer, as Cyrus
  // httpd 3.6 does): then auth-int cannot protect anything and is neither offered nor accepted.
  bool has_entity = true;
};

struct HttpServerOptions {
  // The first is offered; credentials may use any of them. Several challenges in one header
  // (RFC 7616 §3.7) are not sent: the application writes our output as one WWW-Authenticate
  // value, and curl and Python's requests read such a value as one parameter list, the last
  // challenge's values winning (docs/protocol.md §12.3).
  std::vector<HttpAlgorithm> algorithms{HttpAlgorithm::Md5Sess};
  std::optional<std::string> realm;  // digestmd5_realms' first; else user_realm, else FQDN
  std::shared_ptr<HttpNonceStore> nonces;
};

class HttpServerSession {
 public:
  HttpServerSession(std::shared_ptr<const Crypto> crypto, HttpServerOptions options);

  // step answers `input`: nothing yet gets a challenge; credentials get Authentication-Info's
  // value with done = true, a fresh challenge (stale=true when the nonce had expired or its
  // count was used) with done = false, or an error. `request` may be null until credentials
  // arrive.
  Result<StepOutput> step(ServerHost& host, const HttpRequest* request, std::string_view input);
  [[nodiscard]] const Outcome& outcome() const noexcept { return m_outcome; }

 private:
  enum class State { Start, AwaitResponse, Done, Failed };
  Result<std::string> realm(ServerHost& host) const;
  Result<StepOutput> challenge(ServerHost& host, const HttpRequest* request, bool stale);
  Result<StepOutput> verify(ServerHost& host, const HttpRequest* request, const HttpCredentials& c);
  Status check_terms(const HttpRequest& request, const HttpCredentials& c,
                     std::string_view realm) const;
  Result<StepOutput> accept(ServerHost& host, const HttpRequest& request, const HttpCredentials& c,
                            std::string_view realm, const SecureBytes& ha1);
  [[nodiscard]] std::string opaque_of(std::string_view nonce) const;
  [[nodiscard]] bool offered(HttpAlgorithm a) const noexcept;

  std::shared_ptr<const Crypto> m_crypto;
  HttpServerOptions m_options;
  State m_state = State::Start;
  std::string m_out;
  Outcome m_outcome;
};

// recover_http_ha1 returns HEX(H(A1)) when the credentials prove knowledge of `secret` for
// `request`: a stored SS serves MD5 and MD5-sess only; a password is tried folded to
// ISO-8859-1 and, if that changed anything, as raw UTF-8 (docs/protocol.md §4.2).
std::optional<SecureBytes> recover_http_ha1(const Crypto& crypto, const StoredSecret& secret,
                                            const HttpCredentials& c, const HttpRequest& request);

}  // namespace digestmd5
