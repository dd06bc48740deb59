// SPDX-License-Identifier: BSD-3-Clause
// cipher_table.cpp: keyword lookups for the qop and cipher tables.
#include "common/cipher_table.hpp"

#include "common/directive_list.hpp"

namespace digestmd5 {

std::string_view qop_name(Qop q) noexcept {
  switch (q) {
    case Qop::Auth:
      return "auth";
    case Qop::AuthInt:
      return "auth-int";
    case Qop::AuthConf:
      return "auth-conf";
  }
  return "auth";
}

std::string protection_name(Qop q, std::optional<CipherId> cipher) {
  std::string out = "qop=";
  out += qop_name(q);
  if (cipher) {
    out += " cipher=";
    out += cipher_info(*cipher).name;
  }
  return out;
}

std::optional<Qop> parse_qop(std::string_view s) noexcept {
  for (const Qop q : {Qop::Auth, Qop::AuthInt, Qop::AuthConf}) {
    if (iequals(s, qop_name(q))) {
      return q;
    }
  }
  return std::nullopt;
}

std::optional<CipherId> parse_cipher(std::string_view s) noexcept {
  for (const auto& c : kCiphers) {
    if (iequals(s, c.name)) {
      return c.id;
    }
  }
  return std::nullopt;
}

}  // namespace digestmd5
