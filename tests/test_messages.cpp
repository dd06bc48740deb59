// SPDX-License-Identifier: BSD-3-Clause
// test_messages.cpp: digest-challenge, digest-response and response-auth (docs/protocol.md §2, §3,
// §10).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/cipher_table.hpp"
#include "common/messages.hpp"
// Last: <cmocka.h> defines a fail() macro that would clash with digestmd5::fail.
#include "tests/core_fixture.hpp"
#include "tests/cmocka.hpp"

namespace {

using digestmd5::Challenge;
using digestmd5::CipherId;
using digestmd5::CipherSet;
using digestmd5::Errc;
using digestmd5::Qop;
using digestmd5::QopSet;
using digestmd5::Response;
using test_support::fixture;

constexpr int kOk = -1;
constexpr int code(Errc e) noexcept { return static_cast<int>(e); }

struct Fx {
  Challenge c;
  Response r;
  std::string input;
  std::string out;
  std::string rspauth;
  Challenge c2;
  Response r2;
};

int parse_challenge(Fx& fx, std::string_view in) {
  fx.c = Challenge{};
  auto res = digestmd5::parse_challenge(in);
  if (!res) {
    return code(res.error().code);
  }
  fx.c = std::move(*res);
  return kOk;
}

int parse_response(Fx& fx, std::string_view in) {
  fx.r = Response{};
  auto res = digestmd5::parse_response(in);
  if (!res) {
    return code(res.error().code);
  }
  fx.r = std::move(*res);
  return kOk;
}

int parse_response_auth(Fx& fx, std::string_view in) {
  fx.rspauth.clear();
  auto res = digestmd5::parse_response_auth(in);
  if (!res) {
    return code(res.error().code);
  }
  fx.rspauth = std::move(*res);
  return kOk;
}

int format_challenge(Fx& fx) {
  fx.out.clear();
  auto res = digestmd5::format_challenge(fx.c);
  if (!res) {
    return code(res.error().code);
  }
  fx.out = std::move(*res);
  return kOk;
}

int format_response(Fx& fx) {
  fx.out.clear();
  auto res = digestmd5::format_response(fx.r);
  if (!res) {
    return code(res.error().code);
  }
  fx.out = std::move(*res);
  return kOk;
}

// challenge_status / response_status only tell whether `in` parses.
int challenge_status(std::string_view in) {
  const auto res = digestmd5::parse_challenge(in);
  return res ? kOk : code(res.error().code);
}
int response_status(std::string_view in) {
  const auto res = digestmd5::parse_response(in);
  return res ? kOk : code(res.error().code);
}

// with_challenge prefixes the two required directives to `extra`.
int challenge_with(Fx& fx, std::string_view extra) {
  fx.input = "nonce=\"n\",algorithm=md5-sess,";
  fx.input.append(extra);
  return parse_challenge(fx, fx.input);
}

bool str_eq(const std::string& a, std::string_view b) noexcept { return a == b; }
bool opt_eq(const std::optional<std::string>& a, std::string_view b) noexcept {
  return a.has_value() && *a == b;
}

// The RFC 2831 §4 IMAP example (docs/protocol.md §10), base64-decoded.
constexpr std::string_view kImapChallenge =
    "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\",algorithm=md5-sess,"
    "charset=utf-8";
constexpr std::string_view kImapResponse =
    "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\","
    "nc=00000001,cnonce=\"OA6MHXh6VqTrRk\",digest-uri=\"imap/elwood.innosoft.com\","
    "response=d388dad90d4bbd760a152321f2143af7,qop=auth";

// The required directives of a response (docs/protocol.md §3.2), one per element.
constexpr std::string_view kRequired[] = {
    "username=\"chris\"",
    "nonce=\"OA6MG9tEQGm2hh\"",
    "cnonce=\"OA6MHXh6VqTrRk\"",
    "nc=00000001",
    "digest-uri=\"imap/elwood.innosoft.com\"",
    "response=d388dad90d4bbd760a152321f2143af7",
};

// response_with joins the required directives (skipping index `skip`) and `extra`.
int response_with(Fx& fx, std::string_view extra, std::size_t skip = SIZE_MAX) {
  fx.input.clear();
  for (std::size_t i = 0; i < std::size(kRequired); ++i) {
    if (i != skip) {
      fx.input.append(kRequired[i]).append(",");
    }
  }
  fx.input.append(extra);
  return parse_response(fx, fx.input);
}

// --------------------------------------------------------------- challenge (docs/protocol.md §3.1)

void challenge_parses_minimal_with_defaults(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(parse_challenge(fx, "nonce=\"abc\",algorithm=md5-sess"), kOk);
  assert_true(str_eq(fx.c.nonce, "abc"));
  assert_true(fx.c.realms.empty());
  assert_true(fx.c.qops.has(Qop::Auth));  // default when qop is absent
  assert_false(fx.c.qops.has(Qop::AuthInt));
  assert_false(fx.c.qops.has(Qop::AuthConf));
  assert_true(fx.c.ciphers.empty());
  assert_false(fx.c.stale);
  assert_false(fx.c.maxbuf.has_value());
  assert_false(fx.c.utf8);
}

void challenge_parses_rfc2831_imap_example(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(parse_challenge(fx, kImapChallenge), kOk);
  assert_int_equal(fx.c.realms.size(), 1);
  assert_true(str_eq(fx.c.realms[0], "elwood.innosoft.com"));
  assert_true(str_eq(fx.c.nonce, "OA6MG9tEQGm2hh"));
  QopSet auth_only;
  auth_only.add(Qop::Auth);
  assert_true(fx.c.qops == auth_only);
  assert_true(fx.c.ciphers.empty());
  assert_true(fx.c.utf8);
  assert_false(fx.c.stale);
  assert_false(fx.c.maxbuf.has_value());
}

void challenge_unescapes_nonce(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(parse_challenge(fx, R"(nonce="a\"b\\c",algorithm=md5-sess)"), kOk);
  assert_true(str_eq(fx.c.nonce, R"(a"b\c)"));
}

void challenge_keeps_repeated_realms_in_order(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(challenge_with(fx, "realm=\"one\",realm=\"two\",realm=\"\",realm=three"), kOk);
  assert_int_equal(fx.c.realms.size(), 4);
  assert_true(str_eq(fx.c.realms[0], "one"));
  assert_true(str_eq(fx.c.realms[1], "two"));
  assert_true(str_eq(fx.c.realms[2], ""));
  assert_true(str_eq(fx.c.realms[3], "three"));
}

void challenge_caps_realms_at_32(void** state) {
  auto& fx = fixture<Fx>(state);
  fx.out.clear();
  for (int i = 0; i < 32; ++i) {
    fx.out += "realm=\"r" + std::to_string(i) + "\",";
  }
  assert_int_equal(challenge_with(fx, fx.out), kOk);
  assert_int_equal(fx.c.realms.size(), 32);
  assert_true(str_eq(fx.c.realms[31], "r31"));
  fx.out += "realm=\"r32\"";
  assert_int_equal(challenge_with(fx, fx.out), code(Errc::BadProtocol));
}

void challenge_merges_repeated_qop(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(challenge_with(fx, "qop=\"auth\",qop=\"auth-conf\",cipher=\"rc4\""), kOk);
  assert_true(fx.c.qops.has(Qop::Auth));
  assert_false(fx.c.qops.has(Qop::AuthInt));
  assert_true(fx.c.qops.has(Qop::AuthConf));
  assert_int_equal(challenge_with(fx, "qop=\"auth-int\",qop=\"auth-int\""), kOk);
  assert_false(fx.c.qops.has(Qop::Auth));
  assert_true(fx.c.qops.has(Qop::AuthInt));
  // A repeat that adds nothing recognised keeps what the other occurrence listed.
  assert_int_equal(challenge_with(fx, "qop=\"x-new\",qop=\"auth-int\""), kOk);
  assert_true(fx.c.qops.has(Qop::AuthInt));
  assert_false(fx.c.qops.has(Qop::Auth));
}

void challenge_ignores_unknown_qop_tokens(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(challenge_with(fx, "qop=\"auth,x-foo,auth-int,auth-conf2\""), kOk);
  assert_true(fx.c.qops.has(Qop::Auth));
  assert_true(fx.c.qops.has(Qop::AuthInt));
  assert_false(fx.c.qops.has(Qop::AuthConf));
}

void challenge_rejects_only_unknown_qop(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(challenge_with(fx, "qop=\"x-foo,bar\""), code(Errc::BadProtocol));
  assert_int_equal(challenge_with(fx, "qop=\"\""), code(Errc::BadProtocol));
  assert_int_equal(challenge_with(fx, "qop=\" , ,\""), code(Errc::BadProtocol));
  assert_int_equal(challenge_with(fx, "qop=x-foo,qop=\"bar\""), code(Errc::BadProtocol));
}

void challenge_qop_list_is_case_insensitive_and_allows_lws(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(challenge_with(fx, "qop=\" AUTH ,\tAuth-Int\r\n ,auth-CONF\""), kOk);
  assert_true(fx.c.qops.has(Qop::Auth));
  assert_true(fx.c.qops.has(Qop::AuthInt));
  assert_true(fx.c.qops.has(Qop::AuthConf));
}

void challenge_parses_stale(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(challenge_with(fx, "stale=true"), kOk);
  assert_true(fx.c.stale);
  assert_int_equal(challenge_with(fx, "stale=TRUE"), kOk);
  assert_true(fx.c.stale);
  assert_int_equal(challenge_with(fx, "stale=\"true\""), kOk);
  assert_true(fx.c.stale);
  assert_int_equal(challenge_with(fx, "stale=false"), kOk);
  assert_false(fx.c.stale);
  assert_int_equal(challenge_with(fx, "stale=true,stale=true"), code(Errc::BadProtocol));
}

void challenge_maxbuf_bounds(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(challenge_with(fx, "maxbuf=16"), code(Errc::BadProtocol));
  assert_int_equal(challenge_with(fx, "maxbuf=17"), kOk);
  assert_int_equal(*fx.c.maxbuf, 17);
  assert_int_equal(challenge_with(fx, "maxbuf=16777215"), kOk);
  assert_int_equal(*fx.c.maxbuf, 16777215);
  assert_int_equal(challenge_with(fx, "maxbuf=16777216"), code(Errc::BadProtocol));
  assert_int_equal(challenge_with(fx, "maxbuf=0"), code(Errc::BadProtocol));
  assert_int_equal(challenge_with(fx, "maxbuf=4294967296"), code(Errc::BadProtocol));
  assert_int_equal(challenge_with(fx, "maxbuf=99999999999999999999"), code(Errc::BadProtocol));
  assert_int_equal(challenge_with(fx, "maxbuf=65536"), kOk);
  assert_int_equal(*fx.c.maxbuf, 65536);
}

void challenge_maxbuf_rejects_non_digits(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(challenge_with(fx, "maxbuf=-1"), code(Errc::BadProtocol));
  assert_int_equal(challenge_with(fx, "maxbuf=+65536"), code(Errc::BadProtocol));
  assert_int_equal(challenge_with(fx, "maxbuf=65536k"), code(Errc::BadProtocol));
  assert_int_equal(challenge_with(fx, "maxbuf=0x1000"), code(Errc::BadProtocol));
  assert_int_equal(challenge_with(fx, "maxbuf=\"\""), code(Errc::BadProtocol));
  assert_int_equal(challenge_with(fx, "maxbuf=\" 65536\""), code(Errc::BadProtocol));
  assert_int_equal(challenge_with(fx, "maxbuf=\"6 5536\""), code(Errc::BadProtocol));
}

void challenge_rejects_duplicate_maxbuf(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(challenge_with(fx, "maxbuf=65536,maxbuf=65536"), code(Errc::BadProtocol));
  assert_int_equal(challenge_with(fx, "maxbuf=1000,MAXBUF=\"2000\""), code(Errc::BadProtocol));
}

void challenge_accepts_quoted_maxbuf(void** state) {
  auto& fx = fixture<Fx>(state);
  // Java sends maxbuf="65536" (docs/protocol.md §2 receiver rule 1).
  assert_int_equal(challenge_with(fx, "maxbuf=\"65536\""), kOk);
  assert_int_equal(*fx.c.maxbuf, 65536);
}

void challenge_charset_must_be_utf8(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(challenge_with(fx, "charset=utf-8"), kOk);
  assert_true(fx.c.utf8);
  assert_int_equal(challenge_with(fx, "charset=UTF-8"), kOk);
  assert_true(fx.c.utf8);
  assert_int_equal(challenge_with(fx, "charset=\"utf-8\""), kOk);
  assert_true(fx.c.utf8);
  assert_int_equal(challenge_with(fx, "charset=iso-8859-1"), code(Errc::BadProtocol));
  assert_int_equal(challenge_with(fx, "charset=utf8"), code(Errc::BadProtocol));
  assert_int_equal(challenge_with(fx, "charset=utf-8,charset=utf-8"), code(Errc::BadProtocol));
}

void challenge_algorithm_rules(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(parse_challenge(fx, "nonce=\"n\""), code(Errc::BadProtocol));
  assert_int_equal(parse_challenge(fx, "nonce=\"n\",algorithm=md5"), code(Errc::BadProtocol));
  assert_int_equal(parse_challenge(fx, "nonce=\"n\",algorithm=sha-256-sess"),
                   code(Errc::BadProtocol));
  assert_int_equal(parse_challenge(fx, "nonce=\"n\",algorithm=\"\""), code(Errc::BadProtocol));
  // [MS] shows MD5-sess, so the keyword is compared case-insensitively.
  assert_int_equal(parse_challenge(fx, "nonce=\"n\",algorithm=MD5-sess"), kOk);
  assert_int_equal(parse_challenge(fx, "nonce=\"n\",algorithm=\"md5-sess\""), kOk);
  assert_int_equal(parse_challenge(fx, "nonce=\"n\",algorithm=md5-sess,algorithm=md5-sess"),
                   code(Errc::BadProtocol));
}

void challenge_cipher_list_ignores_unknown_tokens(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(
      challenge_with(fx, "qop=\"auth-conf\",cipher=\"rc4-40,rc4-56,rc4,des,3des,aes-cbc\""),
      kOk);
  assert_true(fx.c.ciphers == CipherSet::all());
  assert_int_equal(challenge_with(fx, "qop=\"auth-conf\",cipher=\"x-foo, RC4 ,aes,3DES\""), kOk);
  CipherSet expect;
  expect.add(CipherId::Rc4);
  expect.add(CipherId::TripleDes);
  assert_true(fx.c.ciphers == expect);
  // Only unknown ciphers: the parse succeeds with no usable cipher, and negotiation then acts
  // as if auth-conf had not been offered (docs/protocol.md §3.1, tested in test_negotiation).
  assert_int_equal(challenge_with(fx, "qop=\"auth,auth-conf\",cipher=\"blowfish\""), kOk);
  assert_true(fx.c.ciphers.empty());
  assert_true(fx.c.qops.has(Qop::Auth));
  assert_int_equal(challenge_with(fx, "cipher=\"rc4\",cipher=\"des\""), code(Errc::BadProtocol));
}

void challenge_accepts_token_form_for_every_directive(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(parse_challenge(fx,
                                   "nonce=abc,realm=example.com,qop=auth-conf,cipher=des,"
                                   "stale=true,maxbuf=4096,charset=utf-8,algorithm=md5-sess"),
                   kOk);
  assert_true(str_eq(fx.c.nonce, "abc"));
  assert_false(fx.c.realms.empty());
  assert_true(str_eq(fx.c.realms[0], "example.com"));
  assert_true(fx.c.qops.has(Qop::AuthConf));
  assert_false(fx.c.qops.has(Qop::Auth));
  assert_true(fx.c.ciphers.has(CipherId::Des));
  assert_true(fx.c.stale);
  assert_int_equal(*fx.c.maxbuf, 4096);
  assert_true(fx.c.utf8);
}

void challenge_accepts_quoted_form_for_every_directive(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(parse_challenge(fx,
                                   "nonce=\"abc\",realm=\"example.com\",qop=\"auth-int\","
                                   "cipher=\"3des\",stale=\"true\",maxbuf=\"4096\","
                                   "charset=\"utf-8\",algorithm=\"md5-sess\""),
                   kOk);
  assert_true(str_eq(fx.c.nonce, "abc"));
  assert_false(fx.c.realms.empty());
  assert_true(str_eq(fx.c.realms[0], "example.com"));
  assert_true(fx.c.qops.has(Qop::AuthInt));
  assert_true(fx.c.ciphers.has(CipherId::TripleDes));
  assert_true(fx.c.stale);
  assert_int_equal(*fx.c.maxbuf, 4096);
  assert_true(fx.c.utf8);
}

void challenge_names_are_case_insensitive(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(parse_challenge(fx, "NONCE=\"x\",Algorithm=MD5-SESS,QoP=\"auth-int\","
                                       "Realm=\"R\",MaxBuf=100,CHARSET=UTF-8,Stale=true"),
                   kOk);
  assert_true(str_eq(fx.c.nonce, "x"));
  assert_true(fx.c.qops.has(Qop::AuthInt));
  assert_false(fx.c.realms.empty());
  assert_true(str_eq(fx.c.realms[0], "R"));
  assert_int_equal(*fx.c.maxbuf, 100);
  assert_true(fx.c.utf8);
  assert_true(fx.c.stale);
}

void challenge_ignores_unknown_directives(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(challenge_with(fx, "opaque=\"xyz\",domain=\"/\",x-future=1,foo=\"b,a=r\""),
                   kOk);
  assert_true(str_eq(fx.c.nonce, "n"));
}

void challenge_size_limit_is_2048(void** state) {
  auto& fx = fixture<Fx>(state);
  fx.input = "nonce=\"n\",algorithm=md5-sess";
  fx.input.append(2048 - fx.input.size(), ' ');
  assert_int_equal(challenge_status(fx.input), kOk);
  fx.input.push_back(' ');
  assert_int_equal(challenge_status(fx.input), code(Errc::TooLong));
}

void challenge_format_follows_emitter_order(void** state) {
  auto& fx = fixture<Fx>(state);
  fx.c = Challenge{};
  fx.c.nonce = "OA6MG9tEQGm2hh";
  fx.c.realms = {"elwood.innosoft.com", "second"};
  fx.c.qops.add(Qop::AuthConf);
  fx.c.qops.add(Qop::Auth);
  fx.c.qops.add(Qop::AuthInt);
  fx.c.ciphers = CipherSet::all();
  fx.c.stale = true;
  fx.c.maxbuf = 65536;
  fx.c.utf8 = true;
  assert_int_equal(format_challenge(fx), kOk);
  assert_string_equal(
      fx.out.c_str(),
      "nonce=\"OA6MG9tEQGm2hh\",realm=\"elwood.innosoft.com\",realm=\"second\","
      "qop=\"auth,auth-int,auth-conf\",cipher=\"rc4-40,rc4-56,rc4,des,3des,aes-cbc\","
      "stale=true,maxbuf=65536,charset=utf-8,algorithm=md5-sess");
}

void challenge_format_omits_optional_directives(void** state) {
  auto& fx = fixture<Fx>(state);
  fx.c = Challenge{};
  fx.c.nonce = "n\"\\";
  fx.c.qops.add(Qop::Auth);
  fx.c.ciphers.add(CipherId::Rc4);  // no auth-conf, so no cipher directive
  assert_int_equal(format_challenge(fx), kOk);
  assert_string_equal(fx.out.c_str(), "nonce=\"n\\\"\\\\\",qop=\"auth\",algorithm=md5-sess");
}

void challenge_format_stays_below_2048(void** state) {
  auto& fx = fixture<Fx>(state);
  fx.c = Challenge{};
  fx.c.qops.add(Qop::Auth);
  // nonce="..." (8 + n) + ,qop="auth" (11) + ,algorithm=md5-sess (19) = 38 + n octets.
  fx.c.nonce.assign(2047 - 38, 'n');
  assert_int_equal(format_challenge(fx), kOk);
  assert_int_equal(fx.out.size(), 2047);
  fx.c.nonce.push_back('n');
  assert_int_equal(format_challenge(fx), code(Errc::Internal));
}

// round_trip_challenge checks parse(format(fx.c)) == fx.c.
bool round_trip_challenge(Fx& fx) {
  if (format_challenge(fx) != kOk) {
    return false;
  }
  fx.c2 = fx.c;
  return parse_challenge(fx, fx.out) == kOk && fx.c == fx.c2;
}

void challenge_round_trips(void** state) {
  auto& fx = fixture<Fx>(state);
  fx.c = Challenge{};
  fx.c.nonce = "x";
  fx.c.qops.add(Qop::Auth);
  assert_true(round_trip_challenge(fx));

  fx.c = Challenge{};
  fx.c.nonce = R"(+/=="\,)";
  fx.c.realms = {"a\"b", "c\\d", "", "e,f", " g ", "h\xc3\xa9"};
  fx.c.qops.add(Qop::AuthInt);
  fx.c.qops.add(Qop::AuthConf);
  fx.c.ciphers.add(CipherId::Rc4_40);
  fx.c.ciphers.add(CipherId::AesCbc);
  fx.c.maxbuf = 17;
  fx.c.stale = true;
  assert_true(round_trip_challenge(fx));

  fx.c = Challenge{};
  fx.c.nonce = "OA6MG9tEQGm2hh";
  fx.c.realms = {"elwood.innosoft.com"};
  fx.c.qops.add(Qop::Auth);
  fx.c.qops.add(Qop::AuthInt);
  fx.c.qops.add(Qop::AuthConf);
  fx.c.ciphers = CipherSet::all();
  fx.c.maxbuf = 16777215;
  fx.c.utf8 = true;
  assert_true(round_trip_challenge(fx));
}

void challenge_imap_example_round_trips_through_format(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(parse_challenge(fx, kImapChallenge), kOk);
  assert_int_equal(format_challenge(fx), kOk);
  // Our emitter order (docs/protocol.md §2), not the order of the RFC's example.
  assert_string_equal(fx.out.c_str(),
                      "nonce=\"OA6MG9tEQGm2hh\",realm=\"elwood.innosoft.com\",qop=\"auth\","
                      "charset=utf-8,algorithm=md5-sess");
  assert_true(round_trip_challenge(fx));
}

// ---------------------------------------------------------------- response (docs/protocol.md §3.2)

void response_parses_rfc2831_imap_example(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(parse_response(fx, kImapResponse), kOk);
  assert_true(str_eq(fx.r.username, "chris"));
  assert_true(opt_eq(fx.r.realm, "elwood.innosoft.com"));
  assert_false(fx.r.authzid.has_value());
  assert_true(str_eq(fx.r.nonce, "OA6MG9tEQGm2hh"));
  assert_true(str_eq(fx.r.cnonce, "OA6MHXh6VqTrRk"));
  assert_int_equal(fx.r.nc, 1);
  assert_true(opt_eq(fx.r.qop_text, "auth"));
  assert_true(fx.r.qop == Qop::Auth);
  assert_false(fx.r.cipher.has_value());
  assert_false(fx.r.maxbuf.has_value());
  assert_true(fx.r.utf8);
  assert_true(str_eq(fx.r.digest_uri, "imap/elwood.innosoft.com"));
  assert_true(str_eq(fx.r.response, "d388dad90d4bbd760a152321f2143af7"));
}

void response_imap_example_formats_in_emitter_order(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(parse_response(fx, kImapResponse), kOk);
  assert_int_equal(format_response(fx), kOk);
  assert_string_equal(fx.out.c_str(),
                      "username=\"chris\",realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\","
                      "cnonce=\"OA6MHXh6VqTrRk\",nc=00000001,qop=auth,charset=utf-8,"
                      "digest-uri=\"imap/elwood.innosoft.com\","
                      "response=d388dad90d4bbd760a152321f2143af7");
  fx.r2 = fx.r;
  assert_int_equal(parse_response(fx, fx.out), kOk);
  assert_true(fx.r == fx.r2);
}

void response_defaults_when_optional_directives_absent(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(response_with(fx, ""), kOk);
  assert_false(fx.r.realm.has_value());
  assert_false(fx.r.authzid.has_value());
  assert_false(fx.r.qop_text.has_value());
  assert_true(fx.r.qop == Qop::Auth);
  assert_true(fx.r.qop_for_hash() == "auth");
  assert_false(fx.r.cipher.has_value());
  assert_false(fx.r.maxbuf.has_value());
  assert_false(fx.r.utf8);
}

void response_rejects_each_missing_required_directive(void** state) {
  auto& fx = fixture<Fx>(state);
  for (std::size_t skip = 0; skip < std::size(kRequired); ++skip) {
    assert_int_equal(response_with(fx, "qop=auth", skip), code(Errc::BadProtocol));
  }
  assert_int_equal(response_with(fx, "qop=auth"), kOk);
}

void response_rejects_each_duplicate(void** state) {
  auto& fx = fixture<Fx>(state);
  for (const auto d : kRequired) {
    assert_int_equal(response_with(fx, d), code(Errc::BadProtocol));
  }
  constexpr std::string_view kOptional[] = {
      "realm=\"r\"", "qop=auth", "maxbuf=4096", "charset=utf-8", "authzid=\"a\"",
  };
  for (const auto d : kOptional) {
    fx.out = std::string(d);
    assert_int_equal(response_with(fx, fx.out), kOk);
    fx.out += ",";
    fx.out += d;
    assert_int_equal(response_with(fx, fx.out), code(Errc::BadProtocol));
  }
  assert_int_equal(response_with(fx, "qop=auth-conf,cipher=rc4,cipher=rc4"),
                   code(Errc::BadProtocol));
  // A repeat is detected whatever the case of the name.
  assert_int_equal(response_with(fx, "USERNAME=\"chris\""), code(Errc::BadProtocol));
  assert_int_equal(response_with(fx, "Realm=\"a\",realm=\"a\""), code(Errc::BadProtocol));
}

// nc_status parses a response whose nc directive is `nc`.
int nc_status(Fx& fx, std::string_view nc) {
  fx.input = "username=\"u\",nonce=\"n\",cnonce=\"c\",digest-uri=\"imap/h\","
             "response=d388dad90d4bbd760a152321f2143af7,nc=";
  fx.input.append(nc);
  return parse_response(fx, fx.input);
}

void response_nc_must_be_8_lower_hex_above_zero(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(nc_status(fx, "00000001"), kOk);
  assert_int_equal(fx.r.nc, 1);
  assert_int_equal(nc_status(fx, "0000000a"), kOk);
  assert_int_equal(fx.r.nc, 10);
  assert_int_equal(nc_status(fx, "ffffffff"), kOk);
  assert_int_equal(fx.r.nc, 0xffffffffU);
  assert_int_equal(nc_status(fx, "\"00000002\""), kOk);  // quoted form accepted
  assert_int_equal(fx.r.nc, 2);
  assert_int_equal(nc_status(fx, "0000000A"), code(Errc::BadProtocol));
  assert_int_equal(nc_status(fx, "0000001"), code(Errc::BadProtocol));
  assert_int_equal(nc_status(fx, "000000001"), code(Errc::BadProtocol));
  assert_int_equal(nc_status(fx, "00000000"), code(Errc::BadProtocol));
  assert_int_equal(nc_status(fx, "0000000g"), code(Errc::BadProtocol));
  assert_int_equal(nc_status(fx, "\"\""), code(Errc::BadProtocol));
  assert_int_equal(nc_status(fx, "\" 0000001\""), code(Errc::BadProtocol));
}

// response_value_status parses a response whose response directive is `v`.
int response_value_status(Fx& fx, std::string_view v) {
  fx.input = "username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"imap/h\",response=";
  fx.input.append(v);
  return parse_response(fx, fx.input);
}

void response_value_must_be_32_lower_hex(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(response_value_status(fx, "d388dad90d4bbd760a152321f2143af7"), kOk);
  assert_int_equal(response_value_status(fx, "\"d388dad90d4bbd760a152321f2143af7\""), kOk);
  assert_int_equal(response_value_status(fx, "D388DAD90D4BBD760A152321F2143AF7"),
                   code(Errc::BadProtocol));
  assert_int_equal(response_value_status(fx, "d388dad90d4bbd760a152321f2143aF7"),
                   code(Errc::BadProtocol));
  assert_int_equal(response_value_status(fx, "d388dad90d4bbd760a152321f2143af"),
                   code(Errc::BadProtocol));
  assert_int_equal(response_value_status(fx, "d388dad90d4bbd760a152321f2143af70"),
                   code(Errc::BadProtocol));
  assert_int_equal(response_value_status(fx, "g388dad90d4bbd760a152321f2143af7"),
                   code(Errc::BadProtocol));
}

void response_qop_rules(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(response_with(fx, "qop=auth-foo"), code(Errc::BadProtocol));
  assert_int_equal(response_with(fx, "qop=\"\""), code(Errc::BadProtocol));
  assert_int_equal(response_with(fx, "qop=\"auth,auth-int\""), code(Errc::BadProtocol));
  // Compared case-insensitively, but kept (and hashed) exactly as sent.
  assert_int_equal(response_with(fx, "qop=AUTH-INT"), kOk);
  assert_true(fx.r.qop == Qop::AuthInt);
  assert_true(opt_eq(fx.r.qop_text, "AUTH-INT"));
  assert_true(fx.r.qop_for_hash() == "AUTH-INT");
  assert_int_equal(response_with(fx, "qop=\"auth-int\""), kOk);
  assert_true(fx.r.qop == Qop::AuthInt);
  assert_true(opt_eq(fx.r.qop_text, "auth-int"));
}

void response_auth_conf_needs_a_known_cipher(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(response_with(fx, "qop=auth-conf"), code(Errc::BadProtocol));
  assert_int_equal(response_with(fx, "qop=auth-conf,cipher=blowfish"), code(Errc::BadProtocol));
  assert_int_equal(response_with(fx, "qop=auth-conf,cipher=\"\""), code(Errc::BadProtocol));
  assert_int_equal(response_with(fx, "qop=auth-conf,cipher=\"rc4,des\""), code(Errc::BadProtocol));
  assert_int_equal(response_with(fx, "cipher=3des,qop=auth-conf"), kOk);
  assert_true(fx.r.qop == Qop::AuthConf);
  assert_true(fx.r.cipher == CipherId::TripleDes);
}

void response_accepts_quoted_cipher(void** state) {
  auto& fx = fixture<Fx>(state);
  // Java sends cipher="3des" (docs/protocol.md §2 receiver rule 1).
  assert_int_equal(response_with(fx, "qop=auth-conf,cipher=\"3des\""), kOk);
  assert_true(fx.r.cipher == CipherId::TripleDes);
  assert_int_equal(response_with(fx, "qop=auth-conf,cipher=RC4-40"), kOk);
  assert_true(fx.r.cipher == CipherId::Rc4_40);
  assert_int_equal(response_with(fx, "qop=auth-conf,cipher=aes-cbc"), kOk);
  assert_true(fx.r.cipher == CipherId::AesCbc);
}

void response_keeps_empty_authzid_as_present(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(response_with(fx, "authzid=\"\""), kOk);
  assert_true(fx.r.authzid.has_value());
  assert_true(fx.r.authzid->empty());
  assert_int_equal(response_with(fx, "authzid=\"admin\""), kOk);
  assert_true(opt_eq(fx.r.authzid, "admin"));
}

void response_maxbuf_bounds(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(response_with(fx, "maxbuf=16"), code(Errc::BadProtocol));
  assert_int_equal(response_with(fx, "maxbuf=17"), kOk);
  assert_int_equal(*fx.r.maxbuf, 17);
  assert_int_equal(response_with(fx, "maxbuf=16777215"), kOk);
  assert_int_equal(*fx.r.maxbuf, 16777215);
  assert_int_equal(response_with(fx, "maxbuf=16777216"), code(Errc::BadProtocol));
  assert_int_equal(response_with(fx, "maxbuf=\"4096\""), kOk);
  assert_int_equal(*fx.r.maxbuf, 4096);
  assert_int_equal(response_with(fx, "maxbuf=4k"), code(Errc::BadProtocol));
  assert_int_equal(response_with(fx, "maxbuf=-17"), code(Errc::BadProtocol));
}

void response_charset_must_be_utf8(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(response_with(fx, "charset=UTF-8"), kOk);
  assert_true(fx.r.utf8);
  assert_int_equal(response_with(fx, "charset=iso-8859-1"), code(Errc::BadProtocol));
}

void response_ignores_unknown_directives(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(response_with(fx, "algorithm=md5-sess,opaque=\"o\",x-new=\"1,2\""), kOk);
  assert_true(str_eq(fx.r.username, "chris"));
}

void response_names_are_case_insensitive(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(parse_response(fx, "UserName=\"u\",NONCE=\"n\",CNonce=\"c\",NC=00000001,"
                                      "Digest-URI=\"imap/h\",QOP=auth,"
                                      "Response=d388dad90d4bbd760a152321f2143af7"),
                   kOk);
  assert_true(str_eq(fx.r.username, "u"));
  assert_true(str_eq(fx.r.digest_uri, "imap/h"));
}

void response_size_limit_is_4096(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(response_with(fx, ""), kOk);
  fx.out = fx.input;
  fx.out.append(4096 - fx.out.size(), ' ');
  assert_int_equal(response_status(fx.out), kOk);
  fx.out.push_back(' ');
  assert_int_equal(response_status(fx.out), code(Errc::TooLong));
}

void response_format_follows_emitter_order(void** state) {
  auto& fx = fixture<Fx>(state);
  fx.r = Response{};
  fx.r.username = "chris";
  fx.r.realm = "elwood.innosoft.com";
  fx.r.authzid = "admin";
  fx.r.nonce = "OA6MG9tEQGm2hh";
  fx.r.cnonce = "OA6MHXh6VqTrRk";
  fx.r.nc = 1;
  fx.r.qop = Qop::AuthConf;
  fx.r.qop_text = "auth-conf";
  fx.r.cipher = CipherId::TripleDes;
  fx.r.maxbuf = 4096;
  fx.r.utf8 = true;
  fx.r.digest_uri = "imap/elwood.innosoft.com";
  fx.r.response = "c7d2efa41f50398d289b732a0c09f381";
  assert_int_equal(format_response(fx), kOk);
  assert_string_equal(fx.out.c_str(),
                      "username=\"chris\",realm=\"elwood.innosoft.com\",authzid=\"admin\","
                      "nonce=\"OA6MG9tEQGm2hh\",cnonce=\"OA6MHXh6VqTrRk\",nc=00000001,"
                      "qop=auth-conf,cipher=3des,maxbuf=4096,charset=utf-8,"
                      "digest-uri=\"imap/elwood.innosoft.com\","
                      "response=c7d2efa41f50398d289b732a0c09f381");
}

void response_format_minimal(void** state) {
  auto& fx = fixture<Fx>(state);
  fx.r = Response{};
  fx.r.username = "u\"\\";
  fx.r.nonce = "n";
  fx.r.cnonce = "c";
  fx.r.nc = 0x1234abcd;
  fx.r.digest_uri = "ldap/h";
  fx.r.response = "00000000000000000000000000000000";
  assert_int_equal(format_response(fx), kOk);
  // qop is always sent (docs/protocol.md §2 response order); without qop_text it is the keyword.
  assert_string_equal(fx.out.c_str(),
                      "username=\"u\\\"\\\\\",nonce=\"n\",cnonce=\"c\",nc=1234abcd,qop=auth,"
                      "digest-uri=\"ldap/h\",response=00000000000000000000000000000000");
}

void response_format_stays_below_4096(void** state) {
  auto& fx = fixture<Fx>(state);
  fx.r = Response{};
  fx.r.username = "u";
  fx.r.nonce = "n";
  fx.r.cnonce = "c";
  fx.r.nc = 1;
  fx.r.digest_uri = "x";
  fx.r.response = "00000000000000000000000000000000";
  assert_int_equal(format_response(fx), kOk);
  const std::size_t base = fx.out.size();
  fx.r.username.append(4095 - base, 'u');
  assert_int_equal(format_response(fx), kOk);
  assert_int_equal(fx.out.size(), 4095);
  fx.r.username.push_back('u');
  assert_int_equal(format_response(fx), code(Errc::Internal));
}

// round_trip_response checks parse(format(fx.r)) == fx.r.
bool round_trip_response(Fx& fx) {
  if (format_response(fx) != kOk) {
    return false;
  }
  fx.r2 = fx.r;
  return parse_response(fx, fx.out) == kOk && fx.r == fx.r2;
}

void response_round_trips(void** state) {
  auto& fx = fixture<Fx>(state);
  fx.r = Response{};
  fx.r.username = "ch\"ris\\";
  fx.r.realm = "";
  fx.r.authzid = "";
  fx.r.nonce = R"(a"b\c,d=e)";
  fx.r.cnonce = "+/==";
  fx.r.nc = 2;
  fx.r.qop = Qop::AuthInt;
  fx.r.qop_text = "Auth-Int";
  fx.r.maxbuf = 17;
  fx.r.digest_uri = "imap/elwood.innosoft.com/serv";
  fx.r.response = "89fdc8198a2499ec4b6d0045c00ae24a";
  assert_true(round_trip_response(fx));

  fx.r = Response{};
  fx.r.username = "s\xc3\xa9";
  fx.r.realm = "r";
  fx.r.nonce = "n";
  fx.r.cnonce = "c";
  fx.r.nc = 0xffffffff;
  fx.r.qop = Qop::AuthConf;
  fx.r.qop_text = "auth-conf";
  fx.r.cipher = CipherId::Rc4_56;
  fx.r.maxbuf = 16777215;
  fx.r.utf8 = true;
  fx.r.digest_uri = "acap/h";
  fx.r.response = "c7d2efa41f50398d289b732a0c09f381";
  assert_true(round_trip_response(fx));
}

// ----------------------------------------------------------- response-auth (docs/protocol.md §3.3)

void response_auth_parses_rspauth(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(parse_response_auth(fx, "rspauth=ea40f60335c427b5527b84dbabcdfffd"), kOk);
  assert_string_equal(fx.rspauth.c_str(), "ea40f60335c427b5527b84dbabcdfffd");
  assert_int_equal(parse_response_auth(fx, "RSPAUTH=\"ea40f60335c427b5527b84dbabcdfffd\""), kOk);
  assert_string_equal(fx.rspauth.c_str(), "ea40f60335c427b5527b84dbabcdfffd");
}

void response_auth_ignores_extra_params(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(parse_response_auth(fx,
                                       "nextnonce=\"abc\",rspauth=ea40f60335c427b5527b84dbabcdfffd,"
                                       "qop=auth,x=\"y,z\""),
                   kOk);
  assert_string_equal(fx.rspauth.c_str(), "ea40f60335c427b5527b84dbabcdfffd");
}

void response_auth_size_limit_is_2048(void** state) {
  auto& fx = fixture<Fx>(state);
  fx.input = "rspauth=ea40f60335c427b5527b84dbabcdfffd";
  fx.input.append(2048 - fx.input.size(), ' ');
  assert_int_equal(parse_response_auth(fx, fx.input), kOk);
  fx.input.push_back(' ');
  assert_int_equal(parse_response_auth(fx, fx.input), code(Errc::TooLong));
}

void response_auth_format_round_trips(void** state) {
  auto& fx = fixture<Fx>(state);
  fx.out = digestmd5::format_response_auth("ea40f60335c427b5527b84dbabcdfffd");
  assert_string_equal(fx.out.c_str(), "rspauth=ea40f60335c427b5527b84dbabcdfffd");
  assert_int_equal(parse_response_auth(fx, fx.out), kOk);
  assert_string_equal(fx.rspauth.c_str(), "ea40f60335c427b5527b84dbabcdfffd");
}

// ---------------------------------------------------------------- number helpers

void messages_parse_decimal(void** state) {
  (void)state;
  assert_true(digestmd5::parse_decimal("0") == 0U);
  assert_true(digestmd5::parse_decimal("65536") == 65536U);
  assert_true(digestmd5::parse_decimal("4294967296") == 4294967296ULL);
  assert_true(digestmd5::parse_decimal("9999999999") == 9999999999ULL);
  assert_false(digestmd5::parse_decimal("").has_value());
  assert_false(digestmd5::parse_decimal("10000000000").has_value());
  assert_false(digestmd5::parse_decimal("+1").has_value());
  assert_false(digestmd5::parse_decimal(" 1").has_value());
  assert_false(digestmd5::parse_decimal("1 ").has_value());
  assert_false(digestmd5::parse_decimal("1a").has_value());
}

void messages_parse_nc_and_format_nc(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_true(digestmd5::parse_nc("00000001") == 1U);
  assert_true(digestmd5::parse_nc("deadbeef") == 0xdeadbeefU);
  assert_true(digestmd5::parse_nc("00000000") == 0U);  // zero is the caller's to reject
  assert_false(digestmd5::parse_nc("DEADBEEF").has_value());
  assert_false(digestmd5::parse_nc("1").has_value());
  assert_false(digestmd5::parse_nc("-0000001").has_value());
  fx.out = digestmd5::format_nc(1);
  assert_string_equal(fx.out.c_str(), "00000001");
  fx.out = digestmd5::format_nc(0xABC);
  assert_string_equal(fx.out.c_str(), "00000abc");
  fx.out = digestmd5::format_nc(0xffffffffU);
  assert_string_equal(fx.out.c_str(), "ffffffff");
  fx.out = digestmd5::format_nc(0);
  assert_string_equal(fx.out.c_str(), "00000000");
}

void messages_is_lower_hex32(void** state) {
  (void)state;
  assert_true(digestmd5::is_lower_hex32("0123456789abcdef0123456789abcdef"));
  assert_false(digestmd5::is_lower_hex32("0123456789ABCDEF0123456789abcdef"));
  assert_false(digestmd5::is_lower_hex32("0123456789abcdef0123456789abcde"));
  assert_false(digestmd5::is_lower_hex32("0123456789abcdef0123456789abcdef0"));
  assert_false(digestmd5::is_lower_hex32(""));
  assert_false(digestmd5::is_lower_hex32("0123456789abcdef0123456789abcdeg"));
}

}  // namespace

// ---------------------------------------------------------------- refusals, row by row

// A Refusal is one message a parser must refuse, with the code and the text it must give.
struct Refusal {
  enum Kind { Challenge, Response, ResponseAuth } kind;
  std::string_view input;
  Errc code;
  std::string_view detail;
};

#define DMD5_R "username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"imap/h\"," \
               "response=d388dad90d4bbd760a152321f2143af7"
#define DMD5_C "nonce=\"n\",algorithm=md5-sess"
#define DMD5_A "rspauth=ea40f60335c427b5527b84dbabcdfffd"

constexpr Refusal kRefusals[] = {
    // the lexer, whatever the message
    {Refusal::Challenge, "nonce=\"n,algorithm=md5-sess", Errc::BadProtocol,
     "unterminated quoted string"},
    {Refusal::Challenge, {"nonce=\"n\",algorithm=md5-sess\0", 29}, Errc::BadProtocol,
     "NUL octet in message"},
    {Refusal::Response, "username \"u\"", Errc::BadProtocol, "expected '=' after a directive name"},
    {Refusal::ResponseAuth, "rspauth=", Errc::BadProtocol, "expected a directive value"},
    {Refusal::ResponseAuth, "=x", Errc::BadProtocol, "expected a directive name"},
    {Refusal::ResponseAuth, "a=1 b=2", Errc::BadProtocol, "expected ',' between directives"},
    // digest-challenge (docs/protocol.md §3.1)
    {Refusal::Challenge, "algorithm=md5-sess", Errc::BadProtocol, "challenge has no nonce"},
    {Refusal::Challenge, "nonce=\"n\"", Errc::BadProtocol, "challenge has no algorithm"},
    {Refusal::Challenge, DMD5_C ",NONCE=\"b\"", Errc::BadProtocol, "duplicate nonce in challenge"},
    {Refusal::Challenge, "nonce=\"\",algorithm=md5-sess", Errc::BadProtocol,
     "empty nonce in challenge"},
    {Refusal::Challenge, DMD5_C ",algorithm=md5-sess", Errc::BadProtocol,
     "duplicate algorithm in challenge"},
    {Refusal::Challenge, "nonce=\"n\",algorithm=md5", Errc::BadProtocol,
     "algorithm in challenge is not md5-sess"},
    {Refusal::Challenge, DMD5_C ",qop=\"x-foo,bar\"", Errc::BadProtocol,
     "challenge offers no known qop"},
    {Refusal::Challenge, DMD5_C ",maxbuf=1000,MAXBUF=\"2000\"", Errc::BadProtocol,
     "duplicate maxbuf in challenge"},
    {Refusal::Challenge, DMD5_C ",maxbuf=16", Errc::BadProtocol,
     "maxbuf in challenge is not a number in 17..16777215"},
    {Refusal::Challenge, DMD5_C ",charset=iso-8859-1", Errc::BadProtocol,
     "charset in challenge is not utf-8"},
    {Refusal::Challenge, DMD5_C ",charset=utf-8,charset=utf-8", Errc::BadProtocol,
     "duplicate charset in challenge"},
    {Refusal::Challenge, DMD5_C ",stale=true,stale=true", Errc::BadProtocol,
     "duplicate stale in challenge"},
    {Refusal::Challenge, DMD5_C ",cipher=rc4,cipher=des", Errc::BadProtocol,
     "duplicate cipher in challenge"},
    // digest-response (docs/protocol.md §3.2)
    {Refusal::Response, "nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"imap/h\","
                        "response=d388dad90d4bbd760a152321f2143af7",
     Errc::BadProtocol, "response has no username"},
    {Refusal::Response, "username=\"\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"imap/h\","
                        "response=d388dad90d4bbd760a152321f2143af7",
     Errc::BadProtocol, "response has no username"},
    {Refusal::Response, "username=\"u\",nonce=\"n\",cnonce=\"c\",nc=00000001,digest-uri=\"\","
                        "response=d388dad90d4bbd760a152321f2143af7",
     Errc::BadProtocol, "response has no digest-uri"},
    {Refusal::Response, "username=\"u\",nonce=\"n\",cnonce=\"\",nc=00000001,digest-uri=\"imap/h\","
                        "response=d388dad90d4bbd760a152321f2143af7",
     Errc::BadProtocol, "empty cnonce in response"},
    {Refusal::Response, DMD5_R ",nc=00000001", Errc::BadProtocol, "duplicate nc in response"},
    {Refusal::Response, DMD5_R ",qop=auth-bogus", Errc::BadProtocol, "unknown qop in response"},
    {Refusal::Response, DMD5_R ",qop=auth-conf", Errc::BadProtocol,
     "qop=auth-conf without a cipher"},
    {Refusal::Response, DMD5_R ",qop=auth-conf,cipher=blowfish", Errc::BadProtocol,
     "unknown cipher in response"},
    {Refusal::Response, DMD5_R ",qop=auth-int,cipher=rc4", Errc::BadProtocol,
     "cipher in response without qop=auth-conf"},
    {Refusal::Response, DMD5_R ",cipher=rc4", Errc::BadProtocol,
     "cipher in response without qop=auth-conf"},
    {Refusal::Response, DMD5_R ",maxbuf=lots", Errc::BadProtocol,
     "maxbuf in response is not a number in 17..16777215"},
    {Refusal::Response, DMD5_R ",charset=latin1", Errc::BadProtocol,
     "charset in response is not utf-8"},
    {Refusal::Response, DMD5_R ",authzid=\"a\",AUTHZID=\"a\"", Errc::BadProtocol,
     "duplicate authzid in response"},
    // response-auth (docs/protocol.md §3.3)
    {Refusal::ResponseAuth, "", Errc::BadProtocol, "server's final message has no rspauth"},
    {Refusal::ResponseAuth, "nextnonce=\"x\"", Errc::BadProtocol,
     "server's final message has no rspauth"},
    {Refusal::ResponseAuth, DMD5_A "," DMD5_A, Errc::BadProtocol, "duplicate rspauth"},
    {Refusal::ResponseAuth, "rspauth=EA40F60335C427B5527B84DBABCDFFFD", Errc::BadProtocol,
     "rspauth is not 32 lower-case hex digits"},
    {Refusal::ResponseAuth, "rspauth=ea40f60335c427b5527b84dbabcdfff", Errc::BadProtocol,
     "rspauth is not 32 lower-case hex digits"},
    {Refusal::ResponseAuth, "rspauth=\"\"", Errc::BadProtocol,
     "rspauth is not 32 lower-case hex digits"},
};

#undef DMD5_R
#undef DMD5_C
#undef DMD5_A

// refusal_of parses `r.input` with its parser and returns the error (Internal "" on success).
digestmd5::Error refusal_of(const Refusal& r) {
  switch (r.kind) {
    case Refusal::Challenge: {
      const auto res = digestmd5::parse_challenge(r.input);
      return res ? digestmd5::Error{Errc::Internal, ""} : res.error();
    }
    case Refusal::Response: {
      const auto res = digestmd5::parse_response(r.input);
      return res ? digestmd5::Error{Errc::Internal, ""} : res.error();
    }
    case Refusal::ResponseAuth: {
      const auto res = digestmd5::parse_response_auth(r.input);
      return res ? digestmd5::Error{Errc::Internal, ""} : res.error();
    }
  }
  return digestmd5::Error{Errc::Internal, ""};
}

void parsers_refuse_each_row(void** /*state*/) {
  for (const auto& row : kRefusals) {
    const digestmd5::Error e = refusal_of(row);
    if (e.code != row.code || e.message != row.detail) {
      print_error("input \"%s\": got \"%s\"\n", test_support::text(row.input).c_str(),
                  test_support::text(e.message).c_str());
    }
    assert_int_equal(static_cast<int>(e.code), static_cast<int>(row.code));
    assert_string_equal(test_support::text(e.message).c_str(),
                        test_support::text(row.detail).c_str());
  }
}

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(parsers_refuse_each_row),
      DMD5_TEST(challenge_parses_minimal_with_defaults, Fx),
      DMD5_TEST(challenge_parses_rfc2831_imap_example, Fx),
      DMD5_TEST(challenge_unescapes_nonce, Fx),
      DMD5_TEST(challenge_keeps_repeated_realms_in_order, Fx),
      DMD5_TEST(challenge_caps_realms_at_32, Fx),
      DMD5_TEST(challenge_merges_repeated_qop, Fx),
      DMD5_TEST(challenge_ignores_unknown_qop_tokens, Fx),
      DMD5_TEST(challenge_rejects_only_unknown_qop, Fx),
      DMD5_TEST(challenge_qop_list_is_case_insensitive_and_allows_lws, Fx),
      DMD5_TEST(challenge_parses_stale, Fx),
      DMD5_TEST(challenge_maxbuf_bounds, Fx),
      DMD5_TEST(challenge_maxbuf_rejects_non_digits, Fx),
      DMD5_TEST(challenge_rejects_duplicate_maxbuf, Fx),
      DMD5_TEST(challenge_accepts_quoted_maxbuf, Fx),
      DMD5_TEST(challenge_charset_must_be_utf8, Fx),
      DMD5_TEST(challenge_algorithm_rules, Fx),
      DMD5_TEST(challenge_cipher_list_ignores_unknown_tokens, Fx),
      DMD5_TEST(challenge_accepts_token_form_for_every_directive, Fx),
      DMD5_TEST(challenge_accepts_quoted_form_for_every_directive, Fx),
      DMD5_TEST(challenge_names_are_case_insensitive, Fx),
      DMD5_TEST(challenge_ignores_unknown_directives, Fx),
      DMD5_TEST(challenge_size_limit_is_2048, Fx),
      DMD5_TEST(challenge_format_follows_emitter_order, Fx),
      DMD5_TEST(challenge_format_omits_optional_directives, Fx),
      DMD5_TEST(challenge_format_stays_below_2048, Fx),
      DMD5_TEST(challenge_round_trips, Fx),
      DMD5_TEST(challenge_imap_example_round_trips_through_format, Fx),
      DMD5_TEST(response_parses_rfc2831_imap_example, Fx),
      DMD5_TEST(response_imap_example_formats_in_emitter_order, Fx),
      DMD5_TEST(response_defaults_when_optional_directives_absent, Fx),
      DMD5_TEST(response_rejects_each_missing_required_directive, Fx),
      DMD5_TEST(response_rejects_each_duplicate, Fx),
      DMD5_TEST(response_nc_must_be_8_lower_hex_above_zero, Fx),
      DMD5_TEST(response_value_must_be_32_lower_hex, Fx),
      DMD5_TEST(response_qop_rules, Fx),
      DMD5_TEST(response_auth_conf_needs_a_known_cipher, Fx),
      DMD5_TEST(response_accepts_quoted_cipher, Fx),
      DMD5_TEST(response_keeps_empty_authzid_as_present, Fx),
      DMD5_TEST(response_maxbuf_bounds, Fx),
      DMD5_TEST(response_charset_must_be_utf8, Fx),
      DMD5_TEST(response_ignores_unknown_directives, Fx),
      DMD5_TEST(response_names_are_case_insensitive, Fx),
      DMD5_TEST(response_size_limit_is_4096, Fx),
      DMD5_TEST(response_format_follows_emitter_order, Fx),
      DMD5_TEST(response_format_minimal, Fx),
      DMD5_TEST(response_format_stays_below_4096, Fx),
      DMD5_TEST(response_round_trips, Fx),
      DMD5_TEST(response_auth_parses_rspauth, Fx),
      DMD5_TEST(response_auth_ignores_extra_params, Fx),
      DMD5_TEST(response_auth_size_limit_is_2048, Fx),
      DMD5_TEST(response_auth_format_round_trips, Fx),
      DMD5_TEST(messages_parse_decimal, Fx),
      DMD5_TEST(messages_parse_nc_and_format_nc, Fx),
      DMD5_TEST(messages_is_lower_hex32, Fx),
  };
  return cmocka_run_group_tests_name("messages", tests, nullptr, nullptr);
}
