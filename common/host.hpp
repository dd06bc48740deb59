// SPDX-License-Identifier: BSD-3-Clause
// host.hpp: what the core needs from its environment (libsasl2 in production, fakes in tests).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/errc.hpp"
#include "common/negotiation.hpp"
#include "common/secure.hpp"

namespace digestmd5 {

enum class LogLevel { Error, Fail, Warn, Note, Debug };

// Host reports to the application. Messages never contain secrets.
class Host {
 public:
  virtual ~Host() = default;
  virtual void log(LogLevel level, std::string_view message) = 0;
  // set_error records the text sasl_errdetail() shows for the current failure.
  virtual void set_error(std::string_view message) = 0;
};

// report logs `e` once and records it as the error detail, then hands it back.
inline Error report(Host& host, Error e) {
  host.log(LogLevel::Fail, e.message);
  host.set_error(e.message);
  return e;
}

// StoredSecret is what the server's user store holds: a password, or SS itself (16 octets).
struct StoredSecret {
  enum class Kind { Password, Ss };
  Kind kind = Kind::Password;
  SecureBytes bytes;
};

// ServerHost adds the server-side environment.
class ServerHost : public Host {
 public:
  [[nodiscard]] virtual std::string_view service() const = 0;
  [[nodiscard]] virtual std::string_view server_fqdn() const = 0;
  [[nodiscard]] virtual std::string_view user_realm() const = 0;  // empty when unset
  [[nodiscard]] virtual SecurityProps props() const = 0;
  // canonicalise_and_fetch canonicalises the authentication id `user` (already qualified with
  // the realm when needed) and `authzid` (empty = none) and returns the user's stored secret.
  // It fails with NoUser when the store has no secret and NoAuthz when the authzid is refused.
  virtual Result<StoredSecret> canonicalise_and_fetch(std::string_view user,
                                                      std::string_view authzid) = 0;
};

// fetch_account_secret asks the host for the secret of the account (username, realm) of a
// response (docs/protocol.md §4.6), after refusing the names libsasl2 could not canonicalise;
// `authzid` is what the response carried (an empty one is logged and treated as none).
Result<StoredSecret> fetch_account_secret(ServerHost& host, std::string_view username,
                                          std::string_view realm,
                                          const std::optional<std::string>& authzid);

// ClientIdentity is what the client application supplied.
struct ClientIdentity {
  std::string authid;   // canonical authentication id
  std::string authzid;  // canonical authorization id; equal to authid when none was asked for
  SecureBytes password;
  std::optional<std::string> realm;  // the application's answer; none = the core chooses
};

// ClientNames are the client's canonical names.
struct ClientNames {
  std::string authid;
  std::string authzid;  // equal to authid when none was asked for
};

// ClientHost adds the client-side environment.
class ClientHost : public Host {
 public:
  [[nodiscard]] virtual std::string_view service() const = 0;
  [[nodiscard]] virtual std::string_view server_fqdn() const = 0;
  [[nodiscard]] virtual SecurityProps props() const = 0;
  // identity gathers the authid, authzid, password and the application's realm answer through
  // callbacks and prompts; it prompts for the realm only when `ask_realm`. It fails with Interact
  // after it has created prompts the application must fill.
  virtual Result<ClientIdentity> identity(const std::vector<std::string>& offered_realms,
                                          bool ask_realm) = 0;
  // known_names returns the canonical authid and authzid when the application's callbacks give
  // them without prompting (what HTTP mode's continuation is looked up by), else nothing.
  virtual std::optional<ClientNames> known_names() = 0;
  // names returns the canonical authid and authzid a subsequent authentication is looked up by:
  // from callbacks or, when the application answers only prompts, from prompts it publishes
  // (failing with Interact) and reads back on the next step. Prompted answers are kept for the
  // connection, so identity() does not ask for them again. Fails with Unavailable when the
  // application gives no authentication name at all.
  virtual Result<ClientNames> names() = 0;
};

}  // namespace digestmd5
