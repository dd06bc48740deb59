// SPDX-License-Identifier: BSD-3-Clause
// messages.cpp: directive binding and validation for the three DIGEST-MD5 messages.
#include "messages.hpp"

#include "directive_list.hpp"

namespace digestmd5 {
namespace {

Error bad(std::string_view what) noexcept { return fail(Errc::BadProtocol, what); }

// Once tracks a single-occurrence directive: a repeat fails the exchange (docs/protocol.md §2 rule
// 5).
class Once {
 public:
  [[nodiscard]] bool take() noexcept {
    if (m_seen) {
      return false;
    }
    m_seen = true;
    return true;
  }
  [[nodiscard]] bool seen() const noexcept { return m_seen; }

 private:
  bool m_seen = false;
};

// for_each_list_item calls fn on each non-empty, LWS-trimmed element of a "a, b,c" value.
template <typename Fn>
void for_each_list_item(std::string_view list, Fn fn) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    auto item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t' ||
                             item.front() == '\r' || item.front() == '\n')) {
      item.remove_prefix(1);
    }
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t' || item.back() == '\r' ||
                             item.back() == '\n')) {
      item.remove_suffix(1);
    }
    if (!item.empty()) {
      fn(item);
    }
  }
}

std::optional<std::uint32_t> parse_maxbuf(std::string_view s) noexcept {
  const auto v = parse_decimal(s);
  if (!v || *v < kMinMaxbuf || *v > kMaxMaxbuf) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(*v);
}

constexpr bool is_lower_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

}  // namespace

std::optional<std::uint64_t> parse_decimal(std::string_view s) noexcept {
  if (s.empty() || s.size() > 10) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

std::optional<std::uint32_t> parse_nc(std::string_view s) noexcept {
  if (s.size() != 8) {
    return std::nullopt;
  }
  std::uint32_t v = 0;
  for (const char c : s) {
    if (!is_lower_hex(c)) {
      return std::nullopt;
    }
    const auto digit = static_cast<std::uint32_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    v = (v << 4) | digit;
  }
  return v;
}

bool is_lower_hex32(std::string_view s) noexcept {
  if (s.size() != 32) {
    return false;
  }
  for (const char c : s) {
    if (!is_lower_hex(c)) {
      return false;
    }
  }
  return true;
}

std::string format_nc(std::uint32_t nc) {
  static constexpr char kDigits[] = "0123456789abcdef";  // 8 lower-case hex digits
  std::string out(8, '0');
  for (std::size_t i = 8; i-- > 0; nc >>= 4) {
    out[i] = kDigits[nc & 15];
  }
  return out;
}

Result<Challenge> parse_challenge(std::string_view input) {
  auto list = parse_directive_list(input, kChallengeLimit);
  if (!list) {
    return list.error();
  }
  Challenge c;
  Once nonce, stale, maxbuf, charset, algorithm, cipher;
  bool qop_seen = false;
  for (auto& d : *list) {
    const std::string_view n = d.name;
    if (iequals(n, "realm")) {
      if (c.realms.size() >= kMaxRealms) {
        return bad("too many realms in challenge");
      }
      c.realms.push_back(std::move(d.value));
    } else if (iequals(n, "nonce")) {
      if (!nonce.take()) {
        return bad("duplicate nonce in challenge");
      }
      if (d.value.empty()) {
        return bad("empty nonce in challenge");
      }
      c.nonce = std::move(d.value);
    } else if (iequals(n, "qop")) {
      // bis-12 change 18: repeated qop directives are merged into one set.
      qop_seen = true;
      for_each_list_item(d.value, [&](std::string_view item) {
        if (const auto q = parse_qop(item)) {
          c.qops.add(*q);
        }
      });
    } else if (iequals(n, "stale")) {
      if (!stale.take()) {
        return bad("duplicate stale in challenge");
      }
      c.stale = iequals(d.value, "true");
    } else if (iequals(n, "maxbuf")) {
      if (!maxbuf.take()) {
        return bad("duplicate maxbuf in challenge");
      }
      c.maxbuf = parse_maxbuf(d.value);
      if (!c.maxbuf) {
        return bad("maxbuf in challenge is not a number in 17..16777215");
      }
    } else if (iequals(n, "charset")) {
      if (!charset.take()) {
        return bad("duplicate charset in challenge");
      }
      if (!iequals(d.value, "utf-8")) {
        return bad("charset in challenge is not utf-8");
      }
      c.utf8 = true;
    } else if (iequals(n, "algorithm")) {
      if (!algorithm.take()) {
        return bad("duplicate algorithm in challenge");
      }
      if (!iequals(d.value, "md5-sess")) {
        return bad("algorithm in challenge is not md5-sess");
      }
    } else if (iequals(n, "cipher")) {
      if (!cipher.take()) {
        return bad("duplicate cipher in challenge");
      }
      for_each_list_item(d.value, [&](std::string_view item) {
        if (const auto id = parse_cipher(item)) {
          c.ciphers.add(*id);
        }
      });
    }
    // Anything else (opaque, domain, future directives) is ignored (docs/protocol.md §2 rule 4).
  }
  if (!nonce.seen()) {
    return bad("challenge has no nonce");
  }
  if (!algorithm.seen()) {
    return bad("challenge has no algorithm");
  }
  if (!qop_seen) {
    c.qops.add(Qop::Auth);
  } else if (c.qops.empty()) {
    return bad("challenge offers no known qop");
  }
  return c;
}

Result<std::string> format_challenge(const Challenge& c) {
  if (c.realms.size() > kMaxRealms) {
    return fail(Errc::Internal, "challenge would carry more than 32 realms");
  }
  DirectiveWriter w;
  w.quoted("nonce", c.nonce);
  for (const auto& r : c.realms) {
    w.quoted("realm", r);
  }
  std::string qops;
  for (const Qop q : {Qop::Auth, Qop::AuthInt, Qop::AuthConf}) {
    if (c.qops.has(q)) {
      qops += (qops.empty() ? "" : ",");
      qops += qop_name(q);
    }
  }
  w.quoted("qop", qops);
  if (c.qops.has(Qop::AuthConf)) {
    std::string ciphers;
    for (const auto& info : kCiphers) {
      if (c.ciphers.has(info.id)) {
        ciphers += (ciphers.empty() ? "" : ",");
        ciphers += info.name;
      }
    }
    w.quoted("cipher", ciphers);
  }
  if (c.stale) {
    w.token("stale", "true");
  }
  if (c.maxbuf) {
    w.token("maxbuf", std::to_string(*c.maxbuf));
  }
  if (c.utf8) {
    w.token("charset", "utf-8");
  }
  w.token("algorithm", "md5-sess");
  if (w.str().size() >= kChallengeLimit) {
    return fail(Errc::Internal, "challenge would exceed 2048 octets");
  }
  return w.take();
}

Result<Response> parse_response(std::string_view input) {
  auto list = parse_directive_list(input, kResponseLimit);
  if (!list) {
    return list.error();
  }
  Response r;
  Once username, realm, nonce, cnonce, nc, qop, uri, response, maxbuf, charset, cipher, authzid;
  std::optional<std::string> cipher_text;
  for (auto& d : *list) {
    const std::string_view n = d.name;
    if (iequals(n, "username")) {
      if (!username.take()) {
        return bad("duplicate username in response");
      }
      r.username = std::move(d.value);
    } else if (iequals(n, "realm")) {
      if (!realm.take()) {
        return bad("duplicate realm in response");
      }
      r.realm = std::move(d.value);
    } else if (iequals(n, "nonce")) {
      if (!nonce.take()) {
        return bad("duplicate nonce in response");
      }
      r.nonce = std::move(d.value);
    } else if (iequals(n, "cnonce")) {
      if (!cnonce.take()) {
        return bad("duplicate cnonce in response");
      }
      if (d.value.empty()) {
        return bad("empty cnonce in response");
      }
      r.cnonce = std::move(d.value);
    } else if (iequals(n, "nc")) {
      if (!nc.take()) {
        return bad("duplicate nc in response");
      }
      const auto v = parse_nc(d.value);
      if (!v || *v == 0) {
        return bad("nc in response is not 8 lower-case hex digits above zero");
      }
      r.nc = *v;
    } else if (iequals(n, "qop")) {
      if (!qop.take()) {
        return bad("duplicate qop in response");
      }
      const auto q = parse_qop(d.value);
      if (!q) {
        return bad("unknown qop in response");
      }
      r.qop = *q;
      r.qop_text = std::move(d.value);
    } else if (iequals(n, "digest-uri")) {
      if (!uri.take()) {
        return bad("duplicate digest-uri in response");
      }
      r.digest_uri = std::move(d.value);
    } else if (iequals(n, "response")) {
      if (!response.take()) {
        return bad("duplicate response in response");
      }
      if (!is_lower_hex32(d.value)) {
        return bad("response is not 32 lower-case hex digits");
      }
      r.response = std::move(d.value);
    } else if (iequals(n, "maxbuf")) {
      if (!maxbuf.take()) {
        return bad("duplicate maxbuf in response");
      }
      r.maxbuf = parse_maxbuf(d.value);
      if (!r.maxbuf) {
        return bad("maxbuf in response is not a number in 17..16777215");
      }
    } else if (iequals(n, "charset")) {
      if (!charset.take()) {
        return bad("duplicate charset in response");
      }
      if (!iequals(d.value, "utf-8")) {
        return bad("charset in response is not utf-8");
      }
      r.utf8 = true;
    } else if (iequals(n, "cipher")) {
      if (!cipher.take()) {
        return bad("duplicate cipher in response");
      }
      cipher_text = std::move(d.value);
    } else if (iequals(n, "authzid")) {
      if (!authzid.take()) {
        return bad("duplicate authzid in response");
      }
      r.authzid = std::move(d.value);
    }
  }
  if (!username.seen() || r.username.empty()) {
    return bad("response has no username");
  }
  if (!nonce.seen()) {
    return bad("response has no nonce");
  }
  if (!cnonce.seen()) {
    return bad("response has no cnonce");
  }
  if (!nc.seen()) {
    return bad("response has no nc");
  }
  if (!uri.seen() || r.digest_uri.empty()) {
    return bad("response has no digest-uri");
  }
  if (!response.seen()) {
    return bad("response has no response value");
  }
  if (r.qop == Qop::AuthConf) {
    if (!cipher_text) {
      return bad("qop=auth-conf without a cipher");
    }
    r.cipher = parse_cipher(*cipher_text);
    if (!r.cipher) {
      return bad("unknown cipher in response");
    }
  } else if (cipher_text) {
    // RFC 2831 §2.1.2.1 sends cipher only with auth-conf; GNU SASL refuses it too.
    return bad("cipher in response without qop=auth-conf");
  }
  return r;
}

Result<std::string> format_response(const Response& r) {
  DirectiveWriter w;
  w.quoted("username", r.username);
  if (r.realm) {
    w.quoted("realm", *r.realm);
  }
  if (r.authzid) {
    w.quoted("authzid", *r.authzid);
  }
  w.quoted("nonce", r.nonce);
  w.quoted("cnonce", r.cnonce);
  w.token("nc", format_nc(r.nc));
  w.token("qop", r.qop_text ? std::string_view(*r.qop_text) : qop_name(r.qop));
  if (r.qop == Qop::AuthConf && r.cipher) {
    w.token("cipher", cipher_info(*r.cipher).name);
  }
  if (r.maxbuf) {
    w.token("maxbuf", std::to_string(*r.maxbuf));
  }
  if (r.utf8) {
    w.token("charset", "utf-8");
  }
  w.quoted("digest-uri", r.digest_uri);
  w.token("response", r.response);
  if (w.str().size() >= kResponseLimit) {
    return fail(Errc::Internal, "response would exceed 4096 octets");
  }
  return w.take();
}

Result<std::string> parse_response_auth(std::string_view input) {
  auto list = parse_directive_list(input, kChallengeLimit);
  if (!list) {
    return list.error();
  }
  std::optional<std::string> rspauth;
  for (auto& d : *list) {
    if (iequals(d.name, "rspauth")) {
      if (rspauth) {
        return bad("duplicate rspauth");
      }
      rspauth = std::move(d.value);
    }
  }
  if (!rspauth) {
    return bad("server's final message has no rspauth");
  }
  if (!is_lower_hex32(*rspauth)) {
    return bad("rspauth is not 32 lower-case hex digits");
  }
  return std::move(*rspauth);
}

std::string format_response_auth(std::string_view rspauth_hex) {
  DirectiveWriter w;
  w.token("rspauth", rspauth_hex);
  return w.take();
}

}  // namespace digestmd5
