// SPDX-License-Identifier: BSD-3-Clause
// http_messages.cpp: HTTP Digest challenge, credentials and Authentication-Info.
#include "common/http_messages.hpp"

#include <array>
#include <optional>

#include "common/directive_binder.hpp"
#include "common/directive_list.hpp"
#include "common/value_syntax.hpp"

namespace digestmd5 {
namespace {

Error bad(std::string_view what) noexcept { return fail(Errc::BadProtocol, what); }

constexpr bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

// ChallengeSpan is one challenge of a header value: its scheme (empty for a first challenge
// given without one) and its parameters.
struct ChallengeSpan {
  std::string_view scheme;
  std::string_view params;
};

// skip_quoted returns the index after the closing quote of the quoted string opening at `i`,
// or npos when it does not end.
std::size_t skip_quoted(std::string_view s, std::size_t i) noexcept {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// skip_separators passes white space and the commas of empty elements from `i`.
std::size_t skip_separators(std::string_view s, std::size_t i) noexcept {
  while (i < s.size() && (is_ows(s[i]) || s[i] == ',')) {
    ++i;
  }
  return i;
}

// SchemeAt is a challenge's scheme and where its parameters begin.
struct SchemeAt {
  std::string_view scheme;
  std::size_t params;
};

// scheme_at tells whether the element at `i` starts a new challenge: a token followed by white
// space and not by '=', or standing alone (RFC 7235 §4.1: "auth-scheme [ 1*SP ( token68 /
// #auth-param ) ]").
std::optional<SchemeAt> scheme_at(std::string_view s, std::size_t i) noexcept {
  std::size_t j = i;
  while (j < s.size() && is_token_char(s[j])) {
    ++j;
  }
  std::size_t k = j;
  while (k < s.size() && is_ows(s[k])) {
    ++k;
  }
  if (j > i && (k == s.size() || s[k] == ',' || (k > j && s[k] != '='))) {
    return SchemeAt{s.substr(i, j - i), k};
  }
  return std::nullopt;
}

// element_end returns the index of the comma that ends the element at `i` (or s.size()), and
// npos for an unterminated quoted string.
std::size_t element_end(std::string_view s, std::size_t i) noexcept {
  while (i < s.size() && s[i] != ',') {
    i = s[i] == '"' ? skip_quoted(s, i) : i + 1;
    if (i == std::string_view::npos) {
      return i;
    }
  }
  return i;
}

// split_challenges cuts a header value into challenges; a value without a leading scheme is
// the first challenge's parameters.
Result<std::vector<ChallengeSpan>> split_challenges(std::string_view s) {
  std::vector<ChallengeSpan> out;
  std::size_t start = 0;  // where the last challenge's parameters begin
  for (std::size_t i = skip_separators(s, 0); i < s.size(); i = skip_separators(s, i + 1)) {
    if (const auto sc = scheme_at(s, i)) {
      if (!out.empty()) {
        out.back().params = s.substr(start, i - start);
      }
      if (out.size() >= kMaxHttpChallenges) {
        return bad("too many challenges in one header");
      }
      out.push_back({sc->scheme, {}});
      start = sc->params;
      i = sc->params;
    } else if (out.empty()) {
      out.push_back({{}, {}});
      start = i;
    }
    i = element_end(s, i);
    if (i == std::string_view::npos) {
      return bad("unterminated quoted string in challenge");
    }
    if (i == s.size()) {
      break;
    }
  }
  if (!out.empty()) {
    out.back().params = s.substr(start);
  }
  return out;
}

// ---- challenge ------------------------------------------------------------------------------

using ChallengeRule = DirectiveRule<HttpChallenge>;

Status bind_true_false(bool& flag, std::string_view v, std::string_view what) {
  if (iequals(v, "true")) {
    flag = true;
  } else if (iequals(v, "false")) {
    flag = false;
  } else {
    return bad(what);
  }
  return {};
}

const std::array<ChallengeRule, 8> kChallengeRules{{
    {"realm", Occurs::Once, Need::Required, "duplicate realm in challenge",
     "challenge has no realm",
     [](HttpChallenge& c, std::string& v) -> Status {
       c.realm = std::move(v);
       return {};
     }},
    {"nonce", Occurs::Once, Need::RequiredNonEmpty, "duplicate nonce in challenge",
     "challenge has no nonce",
     [](HttpChallenge& c, std::string& v) -> Status {
       c.nonce = std::move(v);
       return {};
     }},
    {"opaque", Occurs::Once, Need::Optional, "duplicate opaque in challenge", "",
     [](HttpChallenge& c, std::string& v) -> Status {
       c.opaque = std::move(v);
       return {};
     }},
    {"algorithm", Occurs::Once, Need::Optional, "duplicate algorithm in challenge", "",
     [](HttpChallenge& c, std::string& v) -> Status {
       c.algorithm = parse_http_algorithm(v);
       c.algorithm_text = std::move(v);
       return {};
     }},
    {"qop", Occurs::Once, Need::Optional, "duplicate qop in challenge", "",
     [](HttpChallenge& c, std::string& v) -> Status {
       c.qop_present = true;
       for_each_list_item(v, [&](std::string_view item) {
         const auto q = parse_http_qop(item);
         c.auth = c.auth || q == HttpQop::Auth;
         c.auth_int = c.auth_int || q == HttpQop::AuthInt;
       });
       return {};
     }},
    {"stale", Occurs::Once, Need::Optional, "duplicate stale in challenge", "",
     [](HttpChallenge& c, std::string& v) -> Status {
       return bind_true_false(c.stale, v, "stale is neither true nor false");
     }},
    {"charset", Occurs::Once, Need::Optional, "duplicate charset in challenge", "",
     [](HttpChallenge& c, std::string& v) -> Status {
       c.utf8 = iequals(v, "UTF-8");
       return {};
     }},
    {"userhash", Occurs::Once, Need::Optional, "duplicate userhash in challenge", "",
     [](HttpChallenge& c, std::string& v) -> Status {
       return bind_true_false(c.userhash, v, "userhash is neither true nor false");
     }},
}};

}  // namespace

Result<std::vector<HttpChallenge>> parse_http_challenges(std::string_view input) {
  if (input.size() > kHttpChallengeLimit) {
    return fail(Errc::TooLong, "HTTP challenge too long");
  }
  auto spans = split_challenges(input);
  if (!spans) {
    return spans.error();
  }
  std::vector<HttpChallenge> out;
  for (const auto& span : *spans) {
    if (!span.scheme.empty() && !iequals(span.scheme, "Digest")) {
      continue;
    }
    auto list = parse_directive_list(span.params, kHttpChallengeLimit);
    if (!list) {
      return list.error();
    }
    HttpChallenge c;
    if (const auto st = bind_directives(*list, kChallengeRules, c); !st) {
      return st.error();
    }
    if (c.qop_present && !c.auth && !c.auth_int) {
      return bad("challenge offers no qop we know");
    }
    out.push_back(std::move(c));
  }
  if (out.empty()) {
    return bad("no Digest challenge");
  }
  return out;
}

std::string format_http_challenge(const HttpChallenge& c) {
  DirectiveWriter w;
  w.quoted("realm", c.realm);
  w.quoted("qop", c.auth_int ? "auth,auth-int" : "auth");
  if (c.algorithm) {
    w.token("algorithm", http_algorithm_info(*c.algorithm).name);
  }
  w.quoted("nonce", c.nonce);
  if (c.opaque) {
    w.quoted("opaque", *c.opaque);
  }
  if (c.utf8) {
    w.token("charset", "UTF-8");
  }
  if (c.stale) {
    w.token("stale", "true");
  }
  return w.take();
}

// ---- credentials ----------------------------------------------------------------------------

namespace {

struct CredentialsDraft {
  HttpCredentials c;
  bool plain_username = false;
  bool cnonce_seen = false;
  bool nc_seen = false;
};

using CredentialsRule = DirectiveRule<CredentialsDraft>;

const std::array<CredentialsRule, 12> kCredentialsRules{{
    {"username", Occurs::Once, Need::Optional, "duplicate username in credentials", "",
     [](CredentialsDraft& d, std::string& v) -> Status {
       d.plain_username = true;
       d.c.username = std::move(v);
       return {};
     }},
    {"username*", Occurs::Once, Need::Optional, "duplicate username* in credentials", "",
     [](CredentialsDraft& d, std::string& v) -> Status {
       auto decoded = decode_ext_value(v);
       if (!decoded) {
         return bad("username* is not a UTF-8 ext-value");
       }
       d.c.username_ext = true;
       d.c.username = std::move(*decoded);
       return {};
     }},
    {"realm", Occurs::Once, Need::Required, "duplicate realm in credentials",
     "credentials have no realm",
     [](CredentialsDraft& d, std::string& v) -> Status {
       d.c.realm = std::move(v);
       return {};
     }},
    {"nonce", Occurs::Once, Need::RequiredNonEmpty, "duplicate nonce in credentials",
     "credentials have no nonce",
     [](CredentialsDraft& d, std::string& v) -> Status {
       d.c.nonce = std::move(v);
       return {};
     }},
    {"uri", Occurs::Once, Need::RequiredNonEmpty, "duplicate uri in credentials",
     "credentials have no uri",
     [](CredentialsDraft& d, std::string& v) -> Status {
       d.c.uri = std::move(v);
       return {};
     }},
    {"response", Occurs::Once, Need::RequiredNonEmpty, "duplicate response in credentials",
     "credentials have no response",
     [](CredentialsDraft& d, std::string& v) -> Status {
       d.c.response = std::move(v);
       return {};
     }},
    {"algorithm", Occurs::Once, Need::Optional, "duplicate algorithm in credentials", "",
     [](CredentialsDraft& d, std::string& v) -> Status {
       d.c.algorithm = parse_http_algorithm(v);
       if (!d.c.algorithm) {
         return bad("credentials name an unknown algorithm");
       }
       d.c.algorithm_text = std::move(v);
       return {};
     }},
    {"cnonce", Occurs::Once, Need::Optional, "duplicate cnonce in credentials", "",
     [](CredentialsDraft& d, std::string& v) -> Status {
       d.cnonce_seen = true;
       d.c.cnonce = std::move(v);
       return {};
     }},
    {"opaque", Occurs::Once, Need::Optional, "duplicate opaque in credentials", "",
     [](CredentialsDraft& d, std::string& v) -> Status {
       d.c.opaque = std::move(v);
       return {};
     }},
    {"qop", Occurs::Once, Need::Optional, "duplicate qop in credentials", "",
     [](CredentialsDraft& d, std::string& v) -> Status {
       const auto q = parse_http_qop(v);
       if (!q) {
         return bad("credentials name an unknown qop");
       }
       d.c.qop = *q;
       return {};
     }},
    {"nc", Occurs::Once, Need::Optional, "duplicate nc in credentials", "",
     [](CredentialsDraft& d, std::string& v) -> Status {
       const auto nc = parse_nc(v);
       if (!nc || *nc == 0) {
         return bad("nc is not 8 lower-case hex digits above 0");
       }
       d.nc_seen = true;
       d.c.nc = *nc;
       return {};
     }},
    {"userhash", Occurs::Once, Need::Optional, "duplicate userhash in credentials", "",
     [](CredentialsDraft& d, std::string& v) -> Status {
       return bind_true_false(d.c.userhash, v, "userhash is neither true nor false");
     }},
}};

}  // namespace

Result<HttpCredentials> parse_http_credentials(std::string_view input) {
  if (input.size() > kHttpCredentialsLimit) {
    return fail(Errc::TooLong, "HTTP credentials too long");
  }
  auto list = parse_directive_list(input, kHttpCredentialsLimit);
  if (!list) {
    return list.error();
  }
  CredentialsDraft d;
  if (const auto st = bind_directives(*list, kCredentialsRules, d); !st) {
    return st.error();
  }
  HttpCredentials& c = d.c;
  if (d.plain_username == c.username_ext) {
    return bad(c.username_ext ? "credentials carry both username and username*"
                              : "credentials have no username");
  }
  if (c.qop != HttpQop::None && (!d.nc_seen || !d.cnonce_seen || c.cnonce.empty())) {
    return bad("credentials with qop need nc and cnonce");
  }
  const HttpAlgorithm alg = c.algorithm.value_or(HttpAlgorithm::Md5);
  if (!is_lower_hex_of(c.response, http_hex_length(alg))) {
    return bad("response is not lower-case hex of the algorithm's length");
  }
  return std::move(c);
}

std::string format_http_credentials(const HttpCredentials& c) {
  DirectiveWriter w;
  if (c.username_ext) {
    w.token("username*", encode_ext_value(c.username));
  } else {
    w.quoted("username", c.username);
  }
  w.quoted("realm", c.realm);
  w.quoted("nonce", c.nonce);
  w.quoted("uri", c.uri);
  if (c.algorithm) {
    w.token("algorithm", c.algorithm_text.empty() ? http_algorithm_info(*c.algorithm).name
                                                  : std::string_view(c.algorithm_text));
  }
  w.quoted("response", c.response);
  if (c.opaque) {
    w.quoted("opaque", *c.opaque);
  }
  if (c.qop != HttpQop::None) {
    w.token("qop", http_qop_name(c.qop));
    w.token("nc", format_nc(c.nc));
    w.quoted("cnonce", c.cnonce);
  }
  return w.take();
}

// ---- Authentication-Info --------------------------------------------------------------------

namespace {

using AuthInfoRule = DirectiveRule<HttpAuthInfo>;

const std::array<AuthInfoRule, 5> kAuthInfoRules{{
    {"rspauth", Occurs::Once, Need::Optional, "duplicate rspauth in Authentication-Info", "",
     [](HttpAuthInfo& a, std::string& v) -> Status {
       a.rspauth = std::move(v);
       return {};
     }},
    {"cnonce", Occurs::Once, Need::Optional, "duplicate cnonce in Authentication-Info", "",
     [](HttpAuthInfo& a, std::string& v) -> Status {
       a.cnonce = std::move(v);
       return {};
     }},
    {"nc", Occurs::Once, Need::Optional, "duplicate nc in Authentication-Info", "",
     [](HttpAuthInfo& a, std::string& v) -> Status {
       a.nc = parse_nc(v);
       if (!a.nc) {
         return bad("nc in Authentication-Info is not 8 lower-case hex digits");
       }
       return {};
     }},
    {"qop", Occurs::Once, Need::Optional, "duplicate qop in Authentication-Info", "",
     [](HttpAuthInfo& a, std::string& v) -> Status {
       a.qop = parse_http_qop(v);
       if (!a.qop) {
         return bad("Authentication-Info names an unknown qop");
       }
       return {};
     }},
    {"nextnonce", Occurs::Once, Need::Optional, "duplicate nextnonce in Authentication-Info", "",
     [](HttpAuthInfo& a, std::string& v) -> Status {
       a.nextnonce = std::move(v);
       return {};
     }},
}};

}  // namespace

Result<HttpAuthInfo> parse_http_auth_info(std::string_view input) {
  if (input.size() > kHttpCredentialsLimit) {
    return fail(Errc::TooLong, "Authentication-Info too long");
  }
  auto list = parse_directive_list(input, kHttpCredentialsLimit);
  if (!list) {
    return list.error();
  }
  HttpAuthInfo info;
  if (const auto st = bind_directives(*list, kAuthInfoRules, info); !st) {
    return st.error();
  }
  return info;
}

std::string format_http_auth_info(const HttpAuthInfo& info) {
  DirectiveWriter w;
  if (info.rspauth) {
    w.quoted("rspauth", *info.rspauth);
  }
  if (info.cnonce) {
    w.quoted("cnonce", *info.cnonce);
  }
  if (info.nc) {
    w.token("nc", format_nc(*info.nc));
  }
  if (info.qop) {
    w.token("qop", http_qop_name(*info.qop));
  }
  if (info.nextnonce) {
    w.quoted("nextnonce", *info.nextnonce);
  }
  return w.take();
}

// ---- RFC 8187 ext-value ---------------------------------------------------------------------

namespace {

constexpr bool is_attr_char(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  constexpr std::string_view kMarks = "!#$&+-.^_`|~";
  return kMarks.find(c) != std::string_view::npos;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

std::optional<std::string> decode_ext_value(std::string_view value) {
  const auto q1 = value.find('\'');
  if (q1 == std::string_view::npos || !iequals(value.substr(0, q1), "UTF-8")) {
    return std::nullopt;
  }
  const auto q2 = value.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) {
    return std::nullopt;
  }
  std::string out;
  for (std::size_t i = q2 + 1; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '%') {
      const int hi = i + 2 < value.size() ? hex_value(value[i + 1]) : -1;
      const int lo = hi >= 0 ? hex_value(value[i + 2]) : -1;
      if (lo < 0 || (hi == 0 && lo == 0)) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (is_attr_char(c)) {
      out.push_back(c);
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::string encode_ext_value(std::string_view text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out = "UTF-8''";
  for (const char c : text) {
    if (is_attr_char(c)) {
      out.push_back(c);
    } else {
      const auto u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kDigits[u >> 4]);
      out.push_back(kDigits[u & 15]);
    }
  }
  return out;
}

bool needs_ext_value(std::string_view text) noexcept {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      return true;
    }
  }
  return false;
}

}  // namespace digestmd5
