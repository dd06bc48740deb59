// SPDX-License-Identifier: BSD-3-Clause
// account.cpp: the one place that turns (username, realm) into a libsasl2 account name.
#include "common/account.hpp"

#include "common/host.hpp"

namespace digestmd5 {
namespace {

// libsasl2's canon_user strips white space (isspace in the C locale) from both ends of a name.
constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool padded(std::string_view s) noexcept {
  return !s.empty() && (is_space(s.front()) || is_space(s.back()));
}

// canonical_length is the length of what canon_user makes of `name`: it appends "@user_realm"
// when a user_realm is set and the name has no '@'.
std::size_t canonical_length(std::string_view name, const AccountContext& where) noexcept {
  if (!where.user_realm.empty() && name.find('@') == std::string_view::npos) {
    return name.size() + 1 + where.user_realm.size();
  }
  return name.size();
}

}  // namespace

Result<std::string> account_name(std::string_view username, std::string_view realm,
                                 const AccountContext& where) {
  if (padded(username) || padded(realm)) {
    return fail(Errc::BadProtocol, "username or realm begins or ends with white space");
  }
  if (realm.empty()) {
    return fail(Errc::BadProtocol, "response has an empty realm");
  }
  // libsasl2 and its auxprop plugins (sasldb, sql, ldapdb) split a name at its first '@' into
  // user and realm, and look a name without '@' up in user_realm, else in the server FQDN.
  // Names that would split elsewhere than (username, realm) cannot be asked for exactly.
  std::string name;
  if (const auto at = username.find('@'); at != std::string_view::npos) {
    // "alice@example.com" in realm "example.com" (how virtual-domain clients log in) is the
    // account (alice, example.com); any other '@' would select some other realm's account.
    if (username.find('@', at + 1) != std::string_view::npos || username.substr(at + 1) != realm) {
      return fail(Errc::NoUser,
                  "username contains '@' and names a realm other than the response's");
    }
    name = username;
  } else if (realm == (where.user_realm.empty() ? where.server_fqdn : where.user_realm)) {
    // The realm the stock plugin offers (user_realm, else the FQDN), for which it asks for a
    // bare name: libsasl2 then finds the account in that very realm, and the application's own
    // canon_user callback (slapd's maps names to DNs) sees the name it always saw, so
    // identities and authz rules stay as they were.
    name = username;
  } else {
    // Every other realm is named explicitly, so that neither user_realm (which canon_user
    // would append) nor the FQDN (which the store would assume) replaces the client's realm.
    name.reserve(username.size() + 1 + realm.size());
    name.append(username).append("@").append(realm);
  }
  if (canonical_length(name, where) > kCanonNameLimit) {
    return fail(Errc::BadProtocol, "username@realm is longer than 1024 octets");
  }
  return name;
}

Account split_account_name(std::string_view name, const AccountContext& where) {
  if (const auto at = name.find('@'); at != std::string_view::npos) {
    return {std::string(name.substr(0, at)), std::string(name.substr(at + 1))};
  }
  const std::string_view realm = where.user_realm.empty() ? where.server_fqdn : where.user_realm;
  return {std::string(name), std::string(realm)};
}

Status check_authzid(std::string_view authzid, const AccountContext& where) {
  if (canonical_length(authzid, where) > kCanonNameLimit) {
    return fail(Errc::BadProtocol, "authzid is longer than 1024 octets");
  }
  return {};
}

Result<StoredSecret> fetch_account_secret(ServerHost& host, std::string_view username,
                                          std::string_view realm,
                                          const std::optional<std::string>& authzid) {
  const AccountContext where{host.user_realm(), host.server_fqdn()};
  auto lookup_name = account_name(username, realm, where);
  if (!lookup_name) {
    return lookup_name.error();
  }
  const std::string_view az = authzid ? std::string_view(*authzid) : "";
  if (const auto st = check_authzid(az, where); !st) {
    return st.error();
  }
  if (authzid && authzid->empty()) {
    host.log(LogLevel::Warn, "client sent an empty authzid; treated as none");
  }
  return host.canonicalise_and_fetch(*lookup_name, az);
}

}  // namespace digestmd5
