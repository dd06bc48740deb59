// SPDX-License-Identifier: BSD-3-Clause
// messages.cpp: directive binding and validation for the three DIGEST-MD5 messages.
#include "common/messages.hpp"

#include "common/directive_binder.hpp"
#include "common/directive_list.hpp"

namespace digestmd5 {
namespace {

Error bad(std::string_view what) noexcept { return fail(Errc::BadProtocol, what); }

// ---- digest-challenge (docs/protocol.md §3.1) ------------------------------------------------

struct ChallengeDraft {
  Challenge c;
  bool qop_seen = false;
};

using ChallengeRule = DirectiveRule<ChallengeDraft>;

constexpr std::array<ChallengeRule, 8> kChallengeRules{{
    {"realm", Occurs::Many, Need::Optional, "", "",
     [](ChallengeDraft& m, std::string& v) -> Status {
       if (m.c.realms.size() >= kMaxRealms) {
         return bad("too many realms in challenge");
       }
       m.c.realms.push_back(std::move(v));
       return {};
     }},
    {"nonce", Occurs::Once, Need::Required, "duplicate nonce in challenge",
     "challenge has no nonce",
     [](ChallengeDraft& m, std::string& v) -> Status {
       if (v.empty()) {
         return bad("empty nonce in challenge");
       }
       m.c.nonce = std::move(v);
       return {};
     }},
    // [bis-12] change 18: repeated qop directives are merged into one set.
    {"qop", Occurs::Many, Need::Optional, "", "",
     [](ChallengeDraft& m, std::string& v) -> Status {
       m.qop_seen = true;
       for_each_list_item(v, [&](std::string_view item) {
         if (const auto q = parse_qop(item)) {
           m.c.qops.add(*q);
         }
       });
       return {};
     }},
    {"stale", Occurs::Once, Need::Optional, "duplicate stale in challenge", "",
     [](ChallengeDraft& m, std::string& v) -> Status {
       m.c.stale = iequals(v, "true");
       return {};
     }},
    {"maxbuf", Occurs::Once, Need::Optional, "duplicate maxbuf in challenge", "",
     [](ChallengeDraft& m, std::string& v) -> Status {
       m.c.maxbuf = parse_maxbuf(v);
       return m.c.maxbuf ? Status{} : bad("maxbuf in challenge is not a number in 17..16777215");
     }},
    {"charset", Occurs::Once, Need::Optional, "duplicate charset in challenge", "",
     [](ChallengeDraft& m, std::string& v) -> Status {
       m.c.utf8 = iequals(v, "utf-8");
       return m.c.utf8 ? Status{} : bad("charset in challenge is not utf-8");
     }},
    {"algorithm", Occurs::Once, Need::Required, "duplicate algorithm in challenge",
     "challenge has no algorithm",
     [](ChallengeDraft& /*m*/, std::string& v) -> Status {
       return iequals(v, "md5-sess") ? Status{} : bad("algorithm in challenge is not md5-sess");
     }},
    {"cipher", Occurs::Once, Need::Optional, "duplicate cipher in challenge", "",
     [](ChallengeDraft& m, std::string& v) -> Status {
       for_each_list_item(v, [&](std::string_view item) {
         if (const auto id = parse_cipher(item)) {
           m.c.ciphers.add(*id);
         }
       });
       return {};
     }},
}};

}  // namespace

Result<Challenge> parse_challenge(std::string_view input) {
  auto list = parse_directive_list(input, kChallengeLimit);
  if (!list) {
    return list.error();
  }
  ChallengeDraft draft;
  if (const auto st = bind_directives(*list, kChallengeRules, draft); !st) {
    return st.error();
  }
  // Without a qop directive the server offers auth (RFC 2831 §2.1.1).
  if (!draft.qop_seen) {
    draft.c.qops.add(Qop::Auth);
  } else if (draft.c.qops.empty()) {
    return bad("challenge offers no known qop");
  }
  return std::move(draft.c);
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

namespace {

// ---- digest-response (docs/protocol.md §3.2) -------------------------------------------------

struct ResponseDraft {
  Response r;
  std::optional<std::string> cipher_text;  // resolved once qop is known
};

using ResponseRule = DirectiveRule<ResponseDraft>;

// keep returns a binder that moves the value into the member `field` of the response.
template <auto Field>
constexpr auto keep() {
  return [](ResponseDraft& m, std::string& v) -> Status {
    m.r.*Field = std::move(v);
    return {};
  };
}

constexpr std::array<ResponseRule, 12> kResponseRules{{
    {"username", Occurs::Once, Need::RequiredNonEmpty, "duplicate username in response",
     "response has no username", keep<&Response::username>()},
    {"realm", Occurs::Once, Need::Optional, "duplicate realm in response", "",
     keep<&Response::realm>()},
    {"nonce", Occurs::Once, Need::Required, "duplicate nonce in response", "response has no nonce",
     keep<&Response::nonce>()},
    {"cnonce", Occurs::Once, Need::Required, "duplicate cnonce in response",
     "response has no cnonce",
     [](ResponseDraft& m, std::string& v) -> Status {
       if (v.empty()) {
         return bad("empty cnonce in response");
       }
       m.r.cnonce = std::move(v);
       return {};
     }},
    {"nc", Occurs::Once, Need::Required, "duplicate nc in response", "response has no nc",
     [](ResponseDraft& m, std::string& v) -> Status {
       const auto nc = parse_nc(v);
       if (!nc || *nc == 0) {
         return bad("nc in response is not 8 lower-case hex digits above zero");
       }
       m.r.nc = *nc;
       return {};
     }},
    {"qop", Occurs::Once, Need::Optional, "duplicate qop in response", "",
     [](ResponseDraft& m, std::string& v) -> Status {
       const auto q = parse_qop(v);
       if (!q) {
         return bad("unknown qop in response");
       }
       m.r.qop = *q;
       m.r.qop_text = std::move(v);
       return {};
     }},
    {"digest-uri", Occurs::Once, Need::RequiredNonEmpty, "duplicate digest-uri in response",
     "response has no digest-uri", keep<&Response::digest_uri>()},
    {"response", Occurs::Once, Need::Required, "duplicate response in response",
     "response has no response value",
     [](ResponseDraft& m, std::string& v) -> Status {
       if (!is_lower_hex32(v)) {
         return bad("response is not 32 lower-case hex digits");
       }
       m.r.response = std::move(v);
       return {};
     }},
    {"maxbuf", Occurs::Once, Need::Optional, "duplicate maxbuf in response", "",
     [](ResponseDraft& m, std::string& v) -> Status {
       m.r.maxbuf = parse_maxbuf(v);
       return m.r.maxbuf ? Status{} : bad("maxbuf in response is not a number in 17..16777215");
     }},
    {"charset", Occurs::Once, Need::Optional, "duplicate charset in response", "",
     [](ResponseDraft& m, std::string& v) -> Status {
       m.r.utf8 = iequals(v, "utf-8");
       return m.r.utf8 ? Status{} : bad("charset in response is not utf-8");
     }},
    {"cipher", Occurs::Once, Need::Optional, "duplicate cipher in response", "",
     [](ResponseDraft& m, std::string& v) -> Status {
       m.cipher_text = std::move(v);
       return {};
     }},
    {"authzid", Occurs::Once, Need::Optional, "duplicate authzid in response", "",
     keep<&Response::authzid>()},
}};

}  // namespace

Result<Response> parse_response(std::string_view input) {
  auto list = parse_directive_list(input, kResponseLimit);
  if (!list) {
    return list.error();
  }
  ResponseDraft draft;
  if (const auto st = bind_directives(*list, kResponseRules, draft); !st) {
    return st.error();
  }
  Response& r = draft.r;
  // cipher belongs to auth-conf alone (RFC 2831 §2.1.2); GNU SASL refuses it elsewhere too.
  if (r.qop != Qop::AuthConf) {
    if (draft.cipher_text) {
      return bad("cipher in response without qop=auth-conf");
    }
    return std::move(r);
  }
  if (!draft.cipher_text) {
    return bad("qop=auth-conf without a cipher");
  }
  r.cipher = parse_cipher(*draft.cipher_text);
  if (!r.cipher) {
    return bad("unknown cipher in response");
  }
  return std::move(r);
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

namespace {

// ---- response-auth (docs/protocol.md §3.3) ---------------------------------------------------

using ResponseAuthRule = DirectiveRule<std::string>;

constexpr std::array<ResponseAuthRule, 1> kResponseAuthRules{{
    {"rspauth", Occurs::Once, Need::Required, "duplicate rspauth",
     "server's final message has no rspauth",
     [](std::string& rspauth, std::string& v) -> Status {
       rspauth = std::move(v);
       return {};
     }},
}};

}  // namespace

Result<std::string> parse_response_auth(std::string_view input) {
  auto list = parse_directive_list(input, kChallengeLimit);
  if (!list) {
    return list.error();
  }
  std::string rspauth;
  if (const auto st = bind_directives(*list, kResponseAuthRules, rspauth); !st) {
    return st.error();
  }
  if (!is_lower_hex32(rspauth)) {
    return bad("rspauth is not 32 lower-case hex digits");
  }
  return rspauth;
}

std::string format_response_auth(std::string_view rspauth_hex) {
  DirectiveWriter w;
  w.token("rspauth", rspauth_hex);
  return w.take();
}

}  // namespace digestmd5
