// SPDX-License-Identifier: BSD-3-Clause
// account.hpp: which account a digest-response names, and how libsasl2 must be asked for it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/errc.hpp"

namespace digestmd5 {

// libsasl2 canonicalises every name into a buffer of 1024 octets (CANON_BUF_SIZE in its
// lib/saslint.h). A longer result fails with SASL_BUFOVER and, in 2.1.28, leaks the copy it
// made, so a name that would not fit must be refused before it reaches canon_user.
inline constexpr std::size_t kCanonNameLimit = 1024;

// Where the server runs: the application's user_realm (empty when unset) and its FQDN.
struct AccountContext {
  std::string_view user_realm;
  std::string_view server_fqdn;
};

// account_name returns the name to hand to canon_user (and so to the auxprop store) for the
// account (username, realm) of a response; docs/protocol.md §4.6 gives the rule and its reasons.
// It fails with BadProtocol for names the store could not tell apart (white space at either end,
// an empty realm, a result above kCanonNameLimit) and with NoUser for a username whose own
// "@domain" names a realm other than `realm`.
Result<std::string> account_name(std::string_view username, std::string_view realm,
                                 const AccountContext& where);

// Account is a (user, realm) pair as the user store keys it.
struct Account {
  std::string user;
  std::string realm;
};

// split_account_name is the inverse rule, libsasl2's own (its _plug_parseuser, which sasldb, sql
// and ldapdb use): split at the first '@'; a name without one is in user_realm, else the FQDN.
Account split_account_name(std::string_view name, const AccountContext& where);

// check_authzid fails with BadProtocol when libsasl2 could not canonicalise `authzid` (it appends
// "@user_realm" to a name without '@').
Status check_authzid(std::string_view authzid, const AccountContext& where);

}  // namespace digestmd5
