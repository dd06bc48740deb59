// SPDX-License-Identifier: BSD-3-Clause
// test_digest.cpp: SS, H(A1), response/rspauth, charset folding, layer keys and the encoders,
// against the vectors of docs/protocol.md §10.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/crypto.hpp"
#include "common/digest.hpp"
#include "common/secure.hpp"
// Last: <cmocka.h> defines a fail() macro that would clash with digestmd5::fail.
#include "tests/core_fixture.hpp"
#include "tests/cmocka.hpp"

namespace {

using digestmd5::as_bytes;
using digestmd5::ByteView;
using digestmd5::CipherId;
using digestmd5::Crypto;
using digestmd5::Digest16;
using digestmd5::Proof;
using digestmd5::Qop;
using digestmd5::SecureBytes;
using test_support::fixture;
using test_support::Hex;
using test_support::hex;

// The RFC 2831 §4 IMAP example (docs/protocol.md §10).
constexpr std::string_view kUser = "chris";
constexpr std::string_view kRealm = "elwood.innosoft.com";
constexpr std::string_view kPassword = "secret";
constexpr std::string_view kNonce = "OA6MG9tEQGm2hh";
constexpr std::string_view kCnonce = "OA6MHXh6VqTrRk";
constexpr std::string_view kUri = "imap/elwood.innosoft.com";
constexpr std::string_view kSs = "eb5a750053e4d2c34aa84bbc9b0b6ee7";
constexpr std::string_view kHa1 = "a2549853149b0536f01f0b850c643c57";

struct Fx {
  std::shared_ptr<const Crypto> crypto;
  SecureBytes out;
  std::string text;
};

// setup gives each test a fixture with the shared Crypto (tests/core_fixture.hpp).
int setup(void** state) noexcept { return test_support::setup_with_crypto<Fx>(state); }

// Helpers compute into owning objects and return only trivially destructible hex text.

Hex ss_hex(const Fx& fx, std::string_view user, std::string_view realm, std::string_view pw,
           bool fold, bool* converted = nullptr) {
  const auto ss = digestmd5::compute_ss(*fx.crypto, {user, realm, as_bytes(pw)}, fold, converted);
  return hex(ByteView(ss.bytes()));
}

Digest16 ss_of(const Fx& fx, std::string_view pw) {
  return digestmd5::compute_ss(*fx.crypto, {kUser, kRealm, as_bytes(pw)}, true);
}

Digest16 ha1_of(const Fx& fx, std::string_view pw, std::string_view nonce,
                std::string_view cnonce, const std::optional<std::string>& authzid) {
  return digestmd5::compute_ha1(*fx.crypto, ss_of(fx, pw), nonce, cnonce, authzid);
}

Hex ha1_hex(const Fx& fx, std::string_view pw, std::string_view nonce, std::string_view cnonce,
            const std::optional<std::string>& authzid) {
  const auto h = ha1_of(fx, pw, nonce, cnonce, authzid);
  return hex(ByteView(h.bytes()));
}

struct Case {
  std::string_view password = kPassword;
  std::string_view nonce = kNonce;
  std::string_view cnonce = kCnonce;
  std::uint32_t nc = 1;
  std::string_view qop = "auth";
  Qop qop_kind = Qop::Auth;
  std::string_view uri = kUri;
  std::optional<std::string_view> authzid;
};

// proofs returns `response` and `rspauth` as NUL-terminated text.
struct Proofs {
  std::array<char, 33> response;
  std::array<char, 33> rspauth;
};
Proofs proofs(const Fx& fx, const Case& c) {
  Proofs p{};
  const std::optional<std::string> authzid =
      c.authzid ? std::optional<std::string>(std::string(*c.authzid)) : std::nullopt;
  const auto h = ha1_of(fx, c.password, c.nonce, c.cnonce, authzid);
  const digestmd5::ResponseInputs in{c.nonce, c.nc, c.cnonce, c.qop, c.uri, c.qop_kind};
  const auto r = digestmd5::compute_response(*fx.crypto, h, in, Proof::ClientResponse);
  const auto a = digestmd5::compute_response(*fx.crypto, h, in, Proof::ServerRspauth);
  r.copy(p.response.data(), 32);
  a.copy(p.rspauth.data(), 32);
  return p;
}

Hex md5_hex(const Fx& fx, std::initializer_list<std::string_view> parts) {
  digestmd5::Md5 h(*fx.crypto);
  for (const auto p : parts) {
    h.update(p);
  }
  const auto d = h.final();
  return hex(ByteView(d.bytes()));
}

// ---------------------------------------------------------------- SS and H(A1)

void digest_ss_matches_spec_vector(void** state) {
  auto& fx = fixture<Fx>(state);
  bool converted = true;
  assert_string_equal(ss_hex(fx, kUser, kRealm, kPassword, true, &converted).c_str(), kSs.data());
  assert_false(converted);
  assert_string_equal(ss_hex(fx, kUser, kRealm, kPassword, false).c_str(), kSs.data());
  // SS = MD5("chris:elwood.innosoft.com:secret"), the 16 raw octets.
  assert_string_equal(md5_hex(fx, {"chris:elwood.innosoft.com:secret"}).c_str(), kSs.data());
}

void digest_ha1_matches_spec_vector(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_string_equal(ha1_hex(fx, kPassword, kNonce, kCnonce, std::nullopt).c_str(), kHa1.data());
}

void digest_ha1_with_authzid_admin(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_string_equal(ha1_hex(fx, kPassword, kNonce, kCnonce, std::string("admin")).c_str(),
                      "fa400c3e09241604c142a6edc3af2b9b");
  Case c;
  c.authzid = "admin";
  const auto p = proofs(fx, c);
  assert_string_equal(p.response.data(), "23e90c577367d8f917efa6ba0cb7eebc");
  assert_string_equal(p.rspauth.data(), "9a3915030cc8922097cd627a25ee2b9e");
}

// ha1_with_trailing_colon_hex rebuilds H(SS ":" nonce ":" cnonce ":") by hand.
Hex ha1_with_trailing_colon_hex(const Fx& fx) {
  const auto ss = ss_of(fx, kPassword);
  digestmd5::Md5 h(*fx.crypto);
  h.update(ByteView(ss.bytes())).update(":").update(kNonce).update(":").update(kCnonce).update(":");
  const auto d = h.final();
  return hex(ByteView(d.bytes()));
}

void digest_empty_authzid_still_appends_colon(void** state) {
  auto& fx = fixture<Fx>(state);
  // Spec §4.3: an authzid="" that was sent is hashed as a trailing ":".
  const Hex with_empty = ha1_hex(fx, kPassword, kNonce, kCnonce, std::string());
  const Hex none = ha1_hex(fx, kPassword, kNonce, kCnonce, std::nullopt);
  assert_string_not_equal(with_empty.c_str(), none.c_str());
  assert_string_equal(none.c_str(), kHa1.data());
  assert_string_equal(with_empty.c_str(), ha1_with_trailing_colon_hex(fx).c_str());
}

// ---------------------------------------------------------------- response and rspauth

void digest_imap_example_response_and_rspauth(void** state) {
  auto& fx = fixture<Fx>(state);
  const auto p = proofs(fx, Case{});
  assert_string_equal(p.response.data(), "d388dad90d4bbd760a152321f2143af7");
  assert_string_equal(p.rspauth.data(), "ea40f60335c427b5527b84dbabcdfffd");
}

void digest_acap_example_response_and_rspauth(void** state) {
  auto& fx = fixture<Fx>(state);
  Case c;
  c.nonce = "OA9BSXrbuRhWay";
  c.cnonce = "OA9BSuZWMSpW8m";
  c.uri = "acap/elwood.innosoft.com";
  const auto p = proofs(fx, c);
  assert_string_equal(p.response.data(), "6084c6db3fede7352c551284490fd0fc");
  assert_string_equal(p.rspauth.data(), "2f0b3d7c3c2e486600ef710726aa2eae");
}

void digest_nc2_response_and_rspauth(void** state) {
  auto& fx = fixture<Fx>(state);
  Case c;
  c.nc = 2;
  const auto p = proofs(fx, c);
  assert_string_equal(p.response.data(), "b0b5d72a400655b8306e434566b10efb");
  assert_string_equal(p.rspauth.data(), "73dd7feae8e84a22b0ad1f92666954d0");
}

void digest_auth_int_response_and_rspauth(void** state) {
  auto& fx = fixture<Fx>(state);
  Case c;
  c.qop = "auth-int";
  c.qop_kind = Qop::AuthInt;
  const auto p = proofs(fx, c);
  assert_string_equal(p.response.data(), "89fdc8198a2499ec4b6d0045c00ae24a");
  assert_string_equal(p.rspauth.data(), "2342e4b9b84956beda20b94d83cc8fe0");
}

void digest_auth_conf_response_and_rspauth(void** state) {
  auto& fx = fixture<Fx>(state);
  Case c;
  c.qop = "auth-conf";
  c.qop_kind = Qop::AuthConf;
  const auto p = proofs(fx, c);
  assert_string_equal(p.response.data(), "c7d2efa41f50398d289b732a0c09f381");
  assert_string_equal(p.rspauth.data(), "e2b2f2d1742ec87e03e40f22efdeaac8");
}

void digest_auth_int_a2_hash_matches_spec(void** state) {
  auto& fx = fixture<Fx>(state);
  // HEX(H(A2)) for the client's auth-int A2 (docs/protocol.md §10).
  constexpr std::string_view kA2Hex = "ea53ff7b95bc78e5161f0f7731ac6dde";
  assert_string_equal(
      md5_hex(fx, {"AUTHENTICATE:imap/elwood.innosoft.com:00000000000000000000000000000000"})
          .c_str(),
      kA2Hex.data());
  // compute_response does not expose A2, so rebuild KD(HEX(H(A1)), ... ":" HEX(H(A2))) with the
  // published HEX(H(A2)) and check that compute_response agrees.
  const Hex manual = md5_hex(fx, {kHa1, ":", kNonce, ":", "00000001", ":", kCnonce, ":",
                                  "auth-int", ":", kA2Hex});
  Case c;
  c.qop = "auth-int";
  c.qop_kind = Qop::AuthInt;
  assert_string_equal(manual.c_str(), "89fdc8198a2499ec4b6d0045c00ae24a");
  assert_string_equal(proofs(fx, c).response.data(), manual.c_str());
}

void digest_qop_is_hashed_as_sent(void** state) {
  auto& fx = fixture<Fx>(state);
  Case upper;
  upper.qop = "AUTH";
  const auto p = proofs(fx, upper);
  assert_string_not_equal(p.response.data(), "d388dad90d4bbd760a152321f2143af7");
  const Hex manual =
      md5_hex(fx, {kHa1, ":", kNonce, ":", "00000001", ":", kCnonce, ":", "AUTH", ":",
                   md5_hex(fx, {"AUTHENTICATE:", kUri}).c_str()});
  assert_string_equal(p.response.data(), manual.c_str());
}

// ---------------------------------------------------------------- charset (docs/protocol.md §4.2)

void digest_utf8_password_is_down_converted(void** state) {
  auto& fx = fixture<Fx>(state);
  constexpr std::string_view kSecretUtf8 = "s\xc3\xa9" "cret";
  bool converted = false;
  assert_string_equal(ss_hex(fx, kUser, kRealm, kSecretUtf8, true, &converted).c_str(),
                      "c6f11b1a22881a6f9b40e57b41114927");
  assert_true(converted);
  // The same SS as hashing the ISO-8859-1 octets directly.
  assert_string_equal(ss_hex(fx, kUser, kRealm, "s\xe9" "cret", false).c_str(),
                      "c6f11b1a22881a6f9b40e57b41114927");
  Case c;
  c.password = kSecretUtf8;
  assert_string_equal(proofs(fx, c).response.data(), "7bfb3ed03829b80096f861df07fd851e");
}

void digest_utf8_password_without_conversion(void** state) {
  auto& fx = fixture<Fx>(state);
  bool converted = true;
  assert_string_equal(ss_hex(fx, kUser, kRealm, "s\xc3\xa9" "cret", false, &converted).c_str(),
                      "e056942781b5e9e1262e9450087306da");
  assert_false(converted);
}

void digest_folding_is_per_string(void** state) {
  auto& fx = fixture<Fx>(state);
  // "日" (e6 97 a5) is not in ISO-8859-1, so the username stays UTF-8 while the realm and the
  // password are still folded (docs/protocol.md §4.2: each string separately).
  bool converted = false;
  const Hex got = ss_hex(fx, "\xe6\x97\xa5", "r\xc3\xa9", "p\xc3\xa9", true, &converted);
  assert_true(converted);
  assert_string_equal(got.c_str(), md5_hex(fx, {"\xe6\x97\xa5:r\xe9:p\xe9"}).c_str());
  // Nothing representable to fold: converted stays false.
  assert_string_equal(ss_hex(fx, "\xe6\x97\xa5", "r", "p", true, &converted).c_str(),
                      md5_hex(fx, {"\xe6\x97\xa5:r:p"}).c_str());
  assert_false(converted);
}

struct Latin1 {
  bool representable;
  bool converted;
  Hex out;
};
Latin1 latin1(Fx& fx, std::string_view in) {
  fx.out.assign({0xAA, 0xBB});  // stale content must be replaced
  const auto r = digestmd5::to_8859_1(as_bytes(in), fx.out);
  return {r.representable, r.converted, hex(ByteView(fx.out))};
}

void digest_to_8859_1_folds_pairs(void** state) {
  auto& fx = fixture<Fx>(state);
  auto r = latin1(fx, "s\xc3\xa9" "cret");
  assert_true(r.representable);
  assert_true(r.converted);
  assert_string_equal(r.out.c_str(), "73e963726574");
  r = latin1(fx, "\xc2\xa0\xc3\xbf\xc2\x80");
  assert_true(r.representable);
  assert_true(r.converted);
  assert_string_equal(r.out.c_str(), "a0ff80");
  // The octet scan maps C0/C1 lead octets too (overlong forms), exactly as RFC 2831 §8.
  r = latin1(fx, "\xc0\x80\xc1\xbf");
  assert_true(r.representable);
  assert_string_equal(r.out.c_str(), "007f");
}

void digest_to_8859_1_ascii_and_empty(void** state) {
  auto& fx = fixture<Fx>(state);
  auto r = latin1(fx, "secret");
  assert_true(r.representable);
  assert_false(r.converted);
  assert_string_equal(r.out.c_str(), hex(std::string_view("secret")).c_str());
  r = latin1(fx, "");
  assert_true(r.representable);
  assert_false(r.converted);
  assert_string_equal(r.out.c_str(), "");
}

void digest_to_8859_1_passes_stray_continuation_octets(void** state) {
  auto& fx = fixture<Fx>(state);
  auto r = latin1(fx, "a\x80" "b\xbf");
  assert_true(r.representable);
  assert_false(r.converted);
  assert_string_equal(r.out.c_str(), "6180" "62bf");
  r = latin1(fx, "\xc3\xa9\xa9");  // pair, then a stray continuation octet
  assert_true(r.representable);
  assert_true(r.converted);
  assert_string_equal(r.out.c_str(), "e9a9");
}

void digest_to_8859_1_rejects_octets_above_c3(void** state) {
  auto& fx = fixture<Fx>(state);
  for (const auto in : {std::string_view("\xc4\x80"), std::string_view("ab\xe6\x97\xa5"),
                        std::string_view("\xc3\xa9\xff"), std::string_view("\xf0\x9f\x98\x80")}) {
    const auto r = latin1(fx, in);
    assert_false(r.representable);
    assert_false(r.converted);
    assert_string_equal(r.out.c_str(), hex(in).c_str());  // a copy of the input
  }
}

void digest_to_8859_1_rejects_broken_pairs(void** state) {
  auto& fx = fixture<Fx>(state);
  for (const auto in : {std::string_view("abc\xc3"), std::string_view("\xc3"),
                        std::string_view("\xc3" "A"), std::string_view("\xc2\xc3\xa9"),
                        std::string_view("\xc3\xc0")}) {
    const auto r = latin1(fx, in);
    assert_false(r.representable);
    assert_false(r.converted);
    assert_string_equal(r.out.c_str(), hex(in).c_str());
  }
}

// -------------------------------------------------------------- layer keys (docs/protocol.md §7.1)

struct KeyHex {
  Hex kic, kis, kcc, kcs;
};
KeyHex keys_hex(const Fx& fx, std::optional<CipherId> cipher) {
  const auto h = ha1_of(fx, kPassword, kNonce, kCnonce, std::nullopt);
  const auto k = digestmd5::derive_keys(*fx.crypto, h, cipher);
  return {hex(ByteView(k.kic.bytes())), hex(ByteView(k.kis.bytes())),
          hex(ByteView(k.kcc.bytes())), hex(ByteView(k.kcs.bytes()))};
}

void digest_integrity_keys_match_spec(void** state) {
  auto& fx = fixture<Fx>(state);
  for (const auto c : {std::optional<CipherId>(), std::optional<CipherId>(CipherId::Rc4_40),
                       std::optional<CipherId>(CipherId::AesCbc)}) {
    const auto k = keys_hex(fx, c);
    assert_string_equal(k.kic.c_str(), "167e83eb00efac5c44f84a956e32e9c9");
    assert_string_equal(k.kis.c_str(), "3cd17b670169e97288080d4389652b16");
  }
}

void digest_sealing_keys_match_spec(void** state) {
  auto& fx = fixture<Fx>(state);
  struct Row {
    CipherId id;
    const char* kcc;
    const char* kcs;
  };
  constexpr Row kRows[] = {
      {CipherId::Rc4_40, "8dc49491250e22722c7d2ea948c1240f", "db5f2444cddfce34a62a211d9d12aad3"},
      {CipherId::Rc4_56, "736fb3b8556ead6506622128d86afbe1", "e2a06bf4a8074a4b9ec82101b4ff5d4a"},
      {CipherId::Rc4, "8df21180f2b8360bd1ed01f2ac38bf36", "e7ab8276e98ea22e6dbbe08564b1e5d4"},
      {CipherId::Des, "8df21180f2b8360bd1ed01f2ac38bf36", "e7ab8276e98ea22e6dbbe08564b1e5d4"},
      {CipherId::TripleDes, "8df21180f2b8360bd1ed01f2ac38bf36",
       "e7ab8276e98ea22e6dbbe08564b1e5d4"},
      {CipherId::AesCbc, "8df21180f2b8360bd1ed01f2ac38bf36", "e7ab8276e98ea22e6dbbe08564b1e5d4"},
  };
  for (const auto& row : kRows) {
    const auto k = keys_hex(fx, row.id);
    assert_string_equal(k.kcc.c_str(), row.kcc);
    assert_string_equal(k.kcs.c_str(), row.kcs);
  }
}

void digest_sealing_keys_use_first_n_octets(void** state) {
  auto& fx = fixture<Fx>(state);
  // n = 5 for rc4-40: Kcc = MD5(H(A1)[0..4] || magic), not [0..5] (docs/protocol.md §7.1).
  const Hex manual = md5_hex(fx, {std::string_view("\xa2\x54\x98\x53\x14", 5),
                                  "Digest H(A1) to client-to-server sealing key magic constant"});
  assert_string_equal(keys_hex(fx, CipherId::Rc4_40).kcc.c_str(), manual.c_str());
}

// ---------------------------------------------------------------- primitives and encoders

void digest_md5_known_answers(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_string_equal(md5_hex(fx, {}).c_str(), "d41d8cd98f00b204e9800998ecf8427e");
  assert_string_equal(md5_hex(fx, {"abc"}).c_str(), "900150983cd24fb0d6963f7d28e17f72");
  assert_string_equal(md5_hex(fx, {"a", "", "bc"}).c_str(), "900150983cd24fb0d6963f7d28e17f72");
}

Hex hmac_hex(const Fx& fx, std::string_view key, std::initializer_list<ByteView> parts) {
  const auto d = digestmd5::hmac_md5(*fx.crypto, as_bytes(key), parts);
  return hex(ByteView(d.bytes()));
}

void digest_hmac_md5_known_answers(void** state) {
  auto& fx = fixture<Fx>(state);
  // RFC 2202 test case 2.
  assert_string_equal(hmac_hex(fx, "Jefe", {as_bytes("what do ya want for nothing?")}).c_str(),
                      "750c783e6ab0b503eaa86e310a5db738");
  assert_string_equal(
      hmac_hex(fx, "Jefe", {as_bytes("what do "), as_bytes(""), as_bytes("ya want for nothing?")})
          .c_str(),
      "750c783e6ab0b503eaa86e310a5db738");
}

void digest_to_hex_is_lower_case(void** state) {
  auto& fx = fixture<Fx>(state);
  constexpr std::uint8_t kBytes[] = {0x00, 0x0f, 0xf0, 0xff, 0xa5, 0x5a};
  fx.text = digestmd5::to_hex(kBytes);
  assert_string_equal(fx.text.c_str(), "000ff0ffa55a");
  fx.text = digestmd5::to_hex({});
  assert_string_equal(fx.text.c_str(), "");
}

void digest_base64_known_answers(void** state) {
  auto& fx = fixture<Fx>(state);
  // RFC 4648 §10.
  constexpr std::string_view kIn[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  constexpr const char* kOut[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (std::size_t i = 0; i < std::size(kIn); ++i) {
    fx.text = digestmd5::base64(as_bytes(kIn[i]));
    assert_string_equal(fx.text.c_str(), kOut[i]);
  }
  constexpr std::uint8_t kHigh[] = {0xfb, 0xff, 0xbf, 0xff, 0xfe};
  fx.text = digestmd5::base64(kHigh);
  assert_string_equal(fx.text.c_str(), "+/+///4=");
  // 32 octets (our nonce size) give 44 characters.
  constexpr std::uint8_t kZero32[32] = {};
  fx.text = digestmd5::base64(kZero32);
  assert_int_equal(fx.text.size(), 44);
  assert_string_equal(fx.text.c_str(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  // The RFC 2831 §4 IMAP challenge as the server base64-encodes it (docs/protocol.md §10).
  fx.text = digestmd5::base64(as_bytes(
      "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\",algorithm=md5-sess,"
      "charset=utf-8"));
  assert_string_equal(fx.text.c_str(),
                      "cmVhbG09ImVsd29vZC5pbm5vc29mdC5jb20iLG5vbmNlPSJPQTZNRzl0RVFHbTJoaCIscW9wPS"
                      "JhdXRoIixhbGdvcml0aG09bWQ1LXNlc3MsY2hhcnNldD11dGYtOA==");
}

void digest_crypto_offers_every_cipher(void** state) {
  auto& fx = fixture<Fx>(state);
  // aes-cbc and 3des live in the default provider and must always be there.
  assert_true(fx.crypto->available().has(CipherId::AesCbc));
  assert_true(fx.crypto->available().has(CipherId::TripleDes));
  if (!fx.crypto->legacy_note().empty()) {
    skip();  // no legacy provider here: rc4/des are legitimately absent
  }
  assert_true(fx.crypto->available() == digestmd5::CipherSet::all());
  for (const auto& info : digestmd5::kCiphers) {
    assert_non_null(fx.crypto->cipher(info.id));
  }
}

void digest_crypto_random_fills(void** state) {
  auto& fx = fixture<Fx>(state);
  std::array<std::uint8_t, 32> a{};
  std::array<std::uint8_t, 32> b{};
  assert_true(fx.crypto->random(a).ok());
  assert_true(fx.crypto->random(b).ok());
  assert_memory_not_equal(a.data(), b.data(), a.size());
}

// Small requests come from a pool refilled in 512-octet batches: draws across a refill differ,
// and a request larger than the pool serves goes to the DRBG directly.
void digest_crypto_random_pool_draws_differ_across_refills(void** state) {
  auto& fx = fixture<Fx>(state);
  std::array<std::array<std::uint8_t, 16>, 80> draws{};  // 1280 octets: two refills
  for (auto& d : draws) {
    assert_true(fx.crypto->random(d).ok());
  }
  for (std::size_t i = 1; i < draws.size(); ++i) {
    assert_memory_not_equal(draws[i - 1].data(), draws[i].data(), draws[i].size());
  }
  std::array<std::uint8_t, 200> large{};
  std::array<std::uint8_t, 200> zero{};
  assert_true(fx.crypto->random(large).ok());
  assert_memory_not_equal(large.data(), zero.data(), large.size());
}

// A forked child must not hand out what its parent's pool still holds (the pool is tied to the
// process id), or a pre-forking server's children would issue the parent's next nonces.
void digest_crypto_random_pool_is_not_inherited_by_a_fork(void** state) {
  auto& fx = fixture<Fx>(state);
  std::array<std::uint8_t, 32> primed{};
  assert_true(fx.crypto->random(primed).ok());  // the pool now holds unused octets
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  const pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    std::array<std::uint8_t, 32> mine{};
    const bool ok = fx.crypto->random(mine).ok() &&
                    write(fds[1], mine.data(), mine.size()) == static_cast<ssize_t>(mine.size());
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  std::array<std::uint8_t, 32> theirs{};
  const ssize_t got = read(fds[0], theirs.data(), theirs.size());
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  assert_int_equal(got, static_cast<ssize_t>(theirs.size()));
  std::array<std::uint8_t, 32> ours{};
  assert_true(fx.crypto->random(ours).ok());
  assert_memory_not_equal(ours.data(), theirs.data(), ours.size());
}

// Threads drawing at once, across many refills (each made outside the pool's lock), are never
// handed the same octets.
void digest_crypto_random_pool_threads_never_share_draws(void** state) {
  auto& fx = fixture<Fx>(state);
  constexpr std::size_t kThreads = 4;
  constexpr std::size_t kDraws = 2000;  // 32000 octets per thread: about 60 refills each
  std::vector<std::vector<std::array<std::uint8_t, 16>>> got(kThreads);
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      got[t].resize(kDraws);
      for (auto& d : got[t]) {
        failed = failed || !fx.crypto->random(d).ok();
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  assert_false(failed.load());
  std::set<std::array<std::uint8_t, 16>> seen;
  for (const auto& per_thread : got) {
    seen.insert(per_thread.begin(), per_thread.end());
  }
  assert_int_equal(seen.size(), kThreads * kDraws);
}

}  // namespace

#define DMD5_DIGEST_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, test_support::teardown_fixture<Fx>)

int main() {
  const CMUnitTest tests[] = {
      DMD5_DIGEST_TEST(digest_ss_matches_spec_vector),
      DMD5_DIGEST_TEST(digest_crypto_random_pool_threads_never_share_draws),
      DMD5_DIGEST_TEST(digest_ha1_matches_spec_vector),
      DMD5_DIGEST_TEST(digest_ha1_with_authzid_admin),
      DMD5_DIGEST_TEST(digest_empty_authzid_still_appends_colon),
      DMD5_DIGEST_TEST(digest_imap_example_response_and_rspauth),
      DMD5_DIGEST_TEST(digest_acap_example_response_and_rspauth),
      DMD5_DIGEST_TEST(digest_nc2_response_and_rspauth),
      DMD5_DIGEST_TEST(digest_auth_int_response_and_rspauth),
      DMD5_DIGEST_TEST(digest_auth_conf_response_and_rspauth),
      DMD5_DIGEST_TEST(digest_auth_int_a2_hash_matches_spec),
      DMD5_DIGEST_TEST(digest_qop_is_hashed_as_sent),
      DMD5_DIGEST_TEST(digest_utf8_password_is_down_converted),
      DMD5_DIGEST_TEST(digest_utf8_password_without_conversion),
      DMD5_DIGEST_TEST(digest_folding_is_per_string),
      DMD5_DIGEST_TEST(digest_to_8859_1_folds_pairs),
      DMD5_DIGEST_TEST(digest_to_8859_1_ascii_and_empty),
      DMD5_DIGEST_TEST(digest_to_8859_1_passes_stray_continuation_octets),
      DMD5_DIGEST_TEST(digest_to_8859_1_rejects_octets_above_c3),
      DMD5_DIGEST_TEST(digest_to_8859_1_rejects_broken_pairs),
      DMD5_DIGEST_TEST(digest_integrity_keys_match_spec),
      DMD5_DIGEST_TEST(digest_sealing_keys_match_spec),
      DMD5_DIGEST_TEST(digest_sealing_keys_use_first_n_octets),
      DMD5_DIGEST_TEST(digest_md5_known_answers),
      DMD5_DIGEST_TEST(digest_hmac_md5_known_answers),
      DMD5_DIGEST_TEST(digest_to_hex_is_lower_case),
      DMD5_DIGEST_TEST(digest_base64_known_answers),
      DMD5_DIGEST_TEST(digest_crypto_offers_every_cipher),
      DMD5_DIGEST_TEST(digest_crypto_random_fills),
      DMD5_DIGEST_TEST(digest_crypto_random_pool_draws_differ_across_refills),
      DMD5_DIGEST_TEST(digest_crypto_random_pool_is_not_inherited_by_a_fork),
  };
  return cmocka_run_group_tests_name("digest", tests, nullptr, nullptr);
}
