// SPDX-License-Identifier: BSD-3-Clause
// test_http.cpp: HTTP Digest mode (docs/protocol.md §12) over fake hosts: the RFC 2617 and
// RFC 7616 vectors and their -sess, auth-int and SHA-512/256 variants (computed independently
// with Python's hashlib), the three messages' parsers, and server and client sessions: nonce
// counts across requests, replays, expiry, stale=true, farm keys, and the refusals.
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/http_client.hpp"
#include "common/http_digest.hpp"
#include "common/http_messages.hpp"
#include "common/http_nonce.hpp"
#include "common/http_server.hpp"
#include "tests/cmocka.hpp"
#include "tests/core_fixture.hpp"
#include "tests/fake_host.hpp"

namespace {

using namespace digestmd5;
using digestmd5::testing::FakeClientHost;
using digestmd5::testing::FakeServerHost;

// ---- vectors --------------------------------------------------------------------------------

struct Vec {
  HttpAlgorithm alg;
  HttpQop qop;
  std::uint32_t nc;
  std::string_view method;
  std::string_view body;
  std::string_view expect;
};

constexpr std::string_view kNonce7 = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
constexpr std::string_view kCnonce7 = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

void check_vector(const Crypto& crypto, const Vec& v) {
  const auto password = as_bytes("Circle of Life");
  const SecureBytes inner =
      http_user_hash(crypto, v.alg, "Mufasa", "http-auth@example.org", password);
  const SecureBytes ha1 = http_ha1(crypto, v.alg, inner, kNonce7, kCnonce7);
  const HttpDigestInputs in{
      v.alg, kNonce7, v.nc, kCnonce7, v.qop, v.method, "/dir/index.html", as_bytes(v.body)};
  assert_string_equal(http_digest(crypto, ha1, in).c_str(), std::string(v.expect).c_str());
}

void rfc_vectors(void** state) {
  const auto& crypto = *test_support::fixture<test_support::CryptoOnly>(state).crypto;
  // RFC 2617 §3.5 (MD5, qop=auth).
  const SecureBytes ha1 = http_user_hash(crypto, HttpAlgorithm::Md5, "Mufasa", "testrealm@host.com",
                                         as_bytes("Circle Of Life"));
  const HttpDigestInputs in{HttpAlgorithm::Md5,
                            "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                            1,
                            "0a4f113b",
                            HttpQop::Auth,
                            "GET",
                            "/dir/index.html",
                            {}};
  assert_string_equal(http_digest(crypto, ha1, in).c_str(), "6629fae49393a05397450978507c4ef1");
  // RFC 7616 §3.9.1, MD5 and SHA-256.
  check_vector(crypto, {HttpAlgorithm::Md5, HttpQop::Auth, 1, "GET", "",
                        "8ca523f5e9506fed4657c9700eebdbec"});
  check_vector(crypto, {HttpAlgorithm::Sha256, HttpQop::Auth, 1, "GET", "",
                        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"});
}

void computed_vectors(void** state) {
  const auto& crypto = *test_support::fixture<test_support::CryptoOnly>(state).crypto;
  // -sess: the inner hash enters as hex (not SASL's 16 raw octets).
  check_vector(crypto, {HttpAlgorithm::Md5Sess, HttpQop::Auth, 1, "GET", "",
                        "e783283f46242139c486a698fec7211d"});
  check_vector(crypto, {HttpAlgorithm::Sha256Sess, HttpQop::Auth, 1, "GET", "",
                        "2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7"});
  // auth-int hashes the body; rspauth has an empty method.
  check_vector(crypto, {HttpAlgorithm::Md5, HttpQop::AuthInt, 2, "POST", "hello",
                        "2ead7d34ddf3b4f0a376c493fd5e7ba8"});
  check_vector(crypto, {HttpAlgorithm::Sha256, HttpQop::AuthInt, 2, "POST", "hello",
                        "bf2d074d6818157edc0e9ca4265d33620182c935aac6b5ba352247279e4b1eb5"});
  check_vector(crypto,
               {HttpAlgorithm::Md5, HttpQop::Auth, 1, "", "", "9b712497bc9f91499fbcca1dfc5f09a5"});
  if (crypto.sha512_256() != nullptr) {
    check_vector(crypto, {HttpAlgorithm::Sha512_256, HttpQop::Auth, 1, "GET", "",
                          "430d05014cecc49cab6fbe03176d41a1da86cbfe24a16580e22aaad928d960d0"});
    check_vector(crypto, {HttpAlgorithm::Sha512_256Sess, HttpQop::Auth, 1, "GET", "",
                          "3f2a34f923c38b0fb26dce2fdfc2ce326c23cecf86fbb1444f3e51fbbc2cb92e"});
  }
}

// ---- parsers --------------------------------------------------------------------------------

void challenge_parsing(void** /*state*/) {
  // Quoted and bare values, white space around '=', unknown directives ignored.
  auto one = parse_http_challenges(
      R"(realm = "testrealm@host.com", qop="auth,auth-int", nonce=abc, opaque="5c", x-new=1, )"
      R"(algorithm=md5-SESS, stale=TRUE)");
  assert_true(one.has_value());
  assert_int_equal(one->size(), 1);
  const auto& c = one->front();
  assert_string_equal(c.realm.c_str(), "testrealm@host.com");
  assert_string_equal(c.nonce.c_str(), "abc");
  assert_true(c.auth && c.auth_int && c.stale && c.qop_present);
  assert_true(c.algorithm == HttpAlgorithm::Md5Sess);
  assert_string_equal(c.algorithm_text.c_str(), "md5-SESS");
  // Several challenges, other schemes among them; a quoted ", Digest" is not a boundary.
  auto many = parse_http_challenges(
      R"(Basic realm="b", Digest realm="r, Digest x=1", nonce="n1", algorithm=MD5, )"
      R"(Digest realm="r", nonce="n2", algorithm=SHA-256, qop=auth, Negotiate, )"
      R"(Digest realm="r", nonce="n3", algorithm=UNKNOWN-9)");
  assert_true(many.has_value());
  assert_int_equal(many->size(), 3);
  assert_string_equal((*many)[0].realm.c_str(), "r, Digest x=1");
  assert_false((*many)[2].algorithm.has_value());
  const auto crypto = test_support::shared_crypto();
  const auto pick = choose_http_challenge(*crypto, *many);
  assert_true(pick.has_value());
  assert_int_equal(*pick, 1);
  // Refusals.
  assert_errc(parse_http_challenges(R"(realm="r", nonce="n)"), Errc::BadProtocol);
  assert_errc(parse_http_challenges(R"(nonce="n")"), Errc::BadProtocol);
  assert_errc(parse_http_challenges(R"(realm="r")"), Errc::BadProtocol);
  assert_errc(parse_http_challenges(R"(Basic realm="r")"), Errc::BadProtocol);
  assert_errc(parse_http_challenges(R"(realm="r", nonce="n", realm="s")"), Errc::BadProtocol);
  assert_errc(parse_http_challenges(R"(realm="r", nonce="n", qop="x-other")"), Errc::BadProtocol);
  assert_errc(parse_http_challenges(std::string(kHttpChallengeLimit + 1, 'a')), Errc::TooLong);
}

constexpr std::string_view kGoodCredentials =
    R"(username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", )"
    R"(algorithm=MD5, nonce="n", nc=00000001, cnonce="c", qop=auth, )"
    R"(response="8ca523f5e9506fed4657c9700eebdbec", opaque="o")";

void credentials_parsing(void** /*state*/) {
  auto c = parse_http_credentials(kGoodCredentials);
  assert_true(c.has_value());
  assert_string_equal(c->username.c_str(), "Mufasa");
  assert_true(c->qop == HttpQop::Auth);
  assert_int_equal(c->nc, 1);
  // RFC 7616 §3.9.2's username*.
  auto ext = parse_http_credentials(
      R"(username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm="r", uri="/", nonce="n", )"
      R"(response="8ca523f5e9506fed4657c9700eebdbec")");
  assert_true(ext.has_value());
  assert_string_equal(ext->username.c_str(), "J\xC3\xA4s\xC3\xB8n Doe");
  assert_true(ext->username_ext);
  assert_string_equal(encode_ext_value(ext->username).c_str(), "UTF-8''J%C3%A4s%C3%B8n%20Doe");
  const std::string base(kGoodCredentials);
  const auto with = [&](std::string_view from, std::string_view to) {
    std::string s = base;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  assert_errc(
      parse_http_credentials(with("username=\"Mufasa\"", "username*=UTF-8''M, username=\"M\"")),
      Errc::BadProtocol);
  assert_errc(parse_http_credentials(with("username=\"Mufasa\", ", "")), Errc::BadProtocol);
  assert_errc(parse_http_credentials(with("8ca523f5", "8CA523F5")), Errc::BadProtocol);
  assert_errc(parse_http_credentials(with("algorithm=MD5", "algorithm=SHA-256")),
              Errc::BadProtocol);  // 32 hex digits for SHA-256
  assert_errc(parse_http_credentials(with("nc=00000001, ", "")), Errc::BadProtocol);
  assert_errc(parse_http_credentials(with("nc=00000001", "nc=00000000")), Errc::BadProtocol);
  assert_errc(parse_http_credentials(with("qop=auth", "qop=auth-conf")), Errc::BadProtocol);
  assert_errc(parse_http_credentials(with("algorithm=MD5", "algorithm=RC4")), Errc::BadProtocol);
  assert_errc(parse_http_credentials(with("uri=\"/dir/index.html\"", "uri=\"\"")),
              Errc::BadProtocol);
  assert_errc(parse_http_credentials(with("nonce=\"n\"", "nonce=\"n\", nonce=\"m\"")),
              Errc::BadProtocol);
  assert_false(decode_ext_value("ISO-8859-1''abc").has_value());
  assert_false(decode_ext_value("UTF-8''a%00b").has_value());
  assert_false(decode_ext_value("UTF-8''a%4").has_value());
  assert_false(decode_ext_value("UTF-8''a b").has_value());
}

void auth_info_parsing(void** /*state*/) {
  // The stock plugin quotes qop; RFC 7615 does not.
  auto a = parse_http_auth_info(R"(rspauth="abc",cnonce="c",nc=00000002,qop="auth")");
  assert_true(a.has_value());
  assert_string_equal(a->rspauth->c_str(), "abc");
  assert_int_equal(*a->nc, 2);
  assert_true(*a->qop == HttpQop::Auth);
  assert_errc(parse_http_auth_info("rspauth=a, rspauth=b"), Errc::BadProtocol);
  assert_errc(parse_http_auth_info("nc=xyz"), Errc::BadProtocol);
}

// ---- sessions -------------------------------------------------------------------------------

std::atomic<std::int64_t> g_clock_offset{0};  // seconds added to the real clock
std::chrono::system_clock::time_point test_clock() {
  return std::chrono::system_clock::now() + std::chrono::seconds(g_clock_offset.load());
}

struct Fx {
  std::shared_ptr<const Crypto> crypto;
  FakeServerHost server_host;
  FakeClientHost client_host;
  std::shared_ptr<HttpNonceStore> nonces;
  HttpServerOptions options;
  std::string body;
  HttpRequest request{"GET", "/cal/", {}};
  // Sessions of again(): kept until the test ends, since a step's output views its session.
  std::vector<std::unique_ptr<HttpServerSession>> later;
};

std::shared_ptr<HttpNonceStore> make_store(const Fx& fx, std::optional<std::string_view> key,
                                           std::size_t capacity = 16) {
  HttpNonceOptions o;
  o.lifetime = std::chrono::seconds(60);
  o.capacity = capacity;
  if (key) {
    o.farm_key = SecureBytes(key->begin(), key->end());
  }
  return std::make_shared<HttpNonceStore>(fx.crypto, std::move(o), &test_clock);
}

int setup(void** state) noexcept {
  if (test_support::setup_with_crypto<Fx>(state) != 0) {
    return -1;
  }
  auto& fx = test_support::fixture<Fx>(state);
  g_clock_offset = 0;
  fx.server_host.service_name = "HTTP";
  fx.server_host.fqdn = "cal.example.org";
  fx.server_host.add_password("alice", "wonder land");
  fx.client_host.service_name = "HTTP";
  fx.client_host.id.authid = "alice";
  fx.client_host.id.authzid = "alice";
  const std::string_view pw = "wonder land";
  fx.client_host.id.password.assign(pw.begin(), pw.end());
  fx.nonces = make_store(fx, std::nullopt);
  fx.options.nonces = fx.nonces;
  return 0;
}

// Exchange runs one request: a challenge (unless `credentials` are given), the client's answer,
// and the server's verdict, each step's output kept.
struct Exchange {
  std::string challenge;
  std::string credentials;
  Result<StepOutput> verdict = Error{Errc::Internal, "not run"};
  std::string verdict_text;
  Result<StepOutput> client_check = Error{Errc::Internal, "not run"};
};

Exchange run(Fx& fx, const HttpServerOptions& options) {
  Exchange ex;
  HttpServerSession server(fx.crypto, options);
  HttpClientSession client(fx.crypto, nullptr);
  auto ch = server.step(fx.server_host, nullptr, "");
  assert_true(ch.has_value());
  assert_false(ch->done);
  ex.challenge = std::string(ch->data);
  assert_true(client.step(fx.client_host, fx.request, "").has_value());
  auto cr = client.step(fx.client_host, fx.request, ex.challenge);
  assert_true(cr.has_value());
  ex.credentials = std::string(cr->data);
  ex.verdict = server.step(fx.server_host, &fx.request, ex.credentials);
  if (ex.verdict) {
    ex.verdict_text = std::string(ex.verdict->data);
    if (ex.verdict->done) {
      ex.client_check = client.step(fx.client_host, fx.request, ex.verdict_text);
    }
  }
  return ex;
}

// again sends `credentials` as a later request's first Authorization (a new session).
Result<StepOutput> again(Fx& fx, std::string_view credentials, std::string* out = nullptr) {
  auto& server = *fx.later.emplace_back(std::make_unique<HttpServerSession>(fx.crypto, fx.options));
  auto r = server.step(fx.server_host, &fx.request, credentials);
  if (r && out != nullptr) {
    *out = std::string(r->data);
  }
  return r;
}

// next_count rewrites the nc of `credentials` and recomputes the response for `fx.request`.
std::string with_count(Fx& fx, std::string_view credentials, std::uint32_t nc) {
  auto c = parse_http_credentials(credentials);
  assert_true(c.has_value());
  c->nc = nc;
  const HttpAlgorithm alg = c->algorithm.value_or(HttpAlgorithm::Md5);
  const SecureBytes inner =
      http_user_hash(*fx.crypto, alg, "alice", c->realm, as_bytes("wonder land"));
  const SecureBytes ha1 = http_ha1(*fx.crypto, alg, inner, c->nonce, c->cnonce);
  c->response = http_digest(
      *fx.crypto, ha1,
      {alg, c->nonce, nc, c->cnonce, c->qop, fx.request.method, fx.request.uri, fx.request.entity});
  return format_http_credentials(*c);
}

bool says_stale(const Result<StepOutput>& r) {
  return r && !r->done && r->data.find("stale=true") != std::string_view::npos;
}

void default_md5_sess_round_trip(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  const auto ex = run(fx, fx.options);
  assert_true(ex.challenge.find("algorithm=MD5-sess") != std::string::npos);
  assert_true(ex.challenge.find("realm=\"cal.example.org\"") != std::string::npos);
  assert_true(ex.challenge.find("qop=\"auth,auth-int\"") != std::string::npos);
  assert_true(ex.challenge.find("opaque=") != std::string::npos);
  assert_true(ex.verdict.has_value() && ex.verdict->done);
  assert_true(ex.verdict_text.rfind("rspauth=\"", 0) == 0);
  assert_true(ex.verdict_text.find("nc=00000001") != std::string::npos);
  assert_true(ex.client_check.has_value() && ex.client_check->done);
  assert_int_equal(fx.server_host.last_lookup == "alice", 1);
}

void sha256_and_auth_int(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  fx.options.algorithms = {HttpAlgorithm::Sha256};
  fx.body = "BEGIN:VCALENDAR";
  fx.request = HttpRequest{"PUT", "/cal/a.ics", as_bytes(fx.body)};
  auto ex = run(fx, fx.options);
  assert_true(ex.credentials.find("algorithm=SHA-256") != std::string::npos);
  assert_true(ex.verdict.has_value() && ex.verdict->done);
  assert_true(ex.client_check.has_value());
  // The same exchange with auth-int only: the body is under the proof.
  auto c = parse_http_credentials(ex.credentials);
  c->qop = HttpQop::AuthInt;
  const SecureBytes inner = http_user_hash(*fx.crypto, HttpAlgorithm::Sha256, "alice",
                                           "cal.example.org", as_bytes("wonder land"));
  c->nc = 2;
  c->response = http_digest(*fx.crypto, inner,
                            {HttpAlgorithm::Sha256, c->nonce, 2, c->cnonce, HttpQop::AuthInt, "PUT",
                             "/cal/a.ics", as_bytes(fx.body)});
  const std::string signed_body = format_http_credentials(*c);
  const std::string other_body = "END:VCALENDAR";
  const HttpRequest tampered{"PUT", "/cal/a.ics", as_bytes(other_body)};
  HttpServerSession s1(fx.crypto, fx.options);
  assert_errc(s1.step(fx.server_host, &tampered, signed_body), Errc::BadAuth);
  auto ok = again(fx, signed_body);
  assert_true(ok.has_value() && ok->done);
}

void counts_across_requests(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  const auto ex = run(fx, fx.options);
  assert_true(ex.verdict.has_value() && ex.verdict->done);
  // Requests 2 and 3 on the same nonce, each as a new connection's first message.
  auto r2 = again(fx, with_count(fx, ex.credentials, 2));
  assert_true(r2.has_value() && r2->done);
  auto r3 = again(fx, with_count(fx, ex.credentials, 3));
  assert_true(r3.has_value() && r3->done);
  // A replayed count, an old one and one that skips ahead are refused with a fresh nonce.
  assert_true(says_stale(again(fx, with_count(fx, ex.credentials, 3))));
  assert_true(says_stale(again(fx, with_count(fx, ex.credentials, 2))));
  assert_true(says_stale(again(fx, with_count(fx, ex.credentials, 5))));
  assert_true(fx.server_host.log_record.mentions("replayed or out of order"));
  // The refusals did not move the count.
  auto r4 = again(fx, with_count(fx, ex.credentials, 4));
  assert_true(r4.has_value() && r4->done);
}

void wrong_proofs(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  fx.client_host.id.password.assign({'x'});
  auto ex = run(fx, fx.options);
  assert_errc(ex.verdict, Errc::BadAuth);
  assert_true(fx.server_host.log_record.mentions("does not match"));
  // A wrong proof on a known nonce is a failure, not a stale challenge, and does not use a count.
  fx.client_host.id.password.assign({'w'});
  const std::string_view pw = "wonder land";
  fx.client_host.id.password.assign(pw.begin(), pw.end());
  ex = run(fx, fx.options);
  assert_true(ex.verdict.has_value());
  std::string bad = with_count(fx, ex.credentials, 2);
  bad.replace(bad.find("response=\"") + 10, 4, "0000");
  assert_errc(again(fx, bad), Errc::BadAuth);
  auto r2 = again(fx, with_count(fx, ex.credentials, 2));
  assert_true(r2.has_value() && r2->done);
}

void request_mismatches(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  HttpServerSession server(fx.crypto, fx.options);
  HttpClientSession client(fx.crypto, nullptr);
  auto ch = server.step(fx.server_host, nullptr, "");
  auto cr = client.step(fx.client_host, fx.request, ch->data);
  const std::string creds(cr->data);
  // uri other than the request's.
  const HttpRequest elsewhere{"GET", "/other/", {}};
  HttpServerSession s2(fx.crypto, fx.options);
  assert_errc(s2.step(fx.server_host, &elsewhere, creds), Errc::BadAuth);
  assert_true(fx.server_host.log_record.mentions("uri is not the request's"));
  // No request from the application.
  HttpServerSession s3(fx.crypto, fx.options);
  assert_errc(s3.step(fx.server_host, nullptr, creds), Errc::BadParam);
  // opaque not echoed, an algorithm not offered, another realm, userhash.
  const auto edit = [&](std::string_view from, std::string_view to) {
    std::string s = creds;
    const auto at = s.find(from);
    assert_true(at != std::string::npos);
    s.replace(at, from.size(), to);
    return s;
  };
  assert_errc(again(fx, edit("opaque=\"", "opaque=\"x")), Errc::BadProtocol);
  assert_errc(again(fx, edit("algorithm=MD5-sess", "algorithm=MD5")), Errc::BadProtocol);
  assert_errc(again(fx, edit("realm=\"cal.example.org\"", "realm=\"other\"")), Errc::BadAuth);
  assert_errc(again(fx, edit("qop=auth", "userhash=true,qop=auth")), Errc::BadProtocol);
  // After our challenge, credentials must parse.
  HttpServerSession s4(fx.crypto, fx.options);
  assert_true(s4.step(fx.server_host, nullptr, "").has_value());
  assert_errc(s4.step(fx.server_host, &fx.request, "Digest ="), Errc::BadProtocol);
  // As a first message, what does not parse gets a challenge (httptest sends "Digest =").
  HttpServerSession s5(fx.crypto, fx.options);
  auto first = s5.step(fx.server_host, &fx.request, "=");
  assert_true(first.has_value() && !first->done);
}

void expiry_and_unknown_nonces(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  const auto ex = run(fx, fx.options);
  assert_true(ex.verdict.has_value() && ex.verdict->done);
  g_clock_offset = 61;
  assert_true(says_stale(again(fx, with_count(fx, ex.credentials, 2))));
  assert_true(fx.server_host.log_record.mentions("expired"));
  g_clock_offset = 0;
  // Another server (a restart) does not know the nonce: stale=true for a right proof only.
  fx.options.nonces = make_store(fx, std::nullopt);
  assert_true(says_stale(again(fx, with_count(fx, ex.credentials, 2))));
  // The client answers the stale challenge without asking again.
  HttpServerSession server(fx.crypto, fx.options);
  HttpClientSession client(fx.crypto, nullptr);
  assert_true(client
                  .step(fx.client_host, fx.request,
                        std::string(server.step(fx.server_host, nullptr, "")->data))
                  .has_value());
  std::string stale;
  assert_true(again(fx, with_count(fx, ex.credentials, 2), &stale).has_value());
  auto cr2 = client.step(fx.client_host, fx.request, stale);
  assert_true(cr2.has_value());
  auto ok = again(fx, cr2->data);
  assert_true(ok.has_value() && ok->done);
}

std::string ex_nonce(const Exchange& ex) { return parse_http_credentials(ex.credentials)->nonce; }

void farm_keys(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  const std::string_view key = "0123456789abcdef0123456789abcdef";
  auto node_a = make_store(fx, key);
  auto node_b = make_store(fx, key);
  auto other = make_store(fx, std::string_view("fedcba9876543210fedcba9876543210"));
  fx.options.nonces = node_a;
  const auto ex = run(fx, fx.options);
  assert_true(ex.verdict.has_value() && ex.verdict->done);
  // Node B accepts A's nonce; each node tracks its own counts.
  fx.options.nonces = node_b;
  auto at_b = again(fx, with_count(fx, ex.credentials, 3));
  assert_true(at_b.has_value() && at_b->done);
  assert_true(says_stale(again(fx, with_count(fx, ex.credentials, 2))));
  fx.options.nonces = node_a;
  auto at_a = again(fx, with_count(fx, ex.credentials, 2));
  assert_true(at_a.has_value() && at_a->done);
  assert_true(says_stale(again(fx, with_count(fx, ex.credentials, 2))));
  // Another key, a forged nonce, an expired one.
  fx.options.nonces = other;
  assert_true(says_stale(again(fx, with_count(fx, ex.credentials, 9))));
  fx.options.nonces = node_b;
  auto forged = parse_http_credentials(ex.credentials);
  forged->nonce[0] = forged->nonce[0] == '0' ? '1' : '0';
  // The store itself refuses it; through a session, the opaque derived from the real nonce no
  // longer matches either.
  assert_true(node_b->check(forged->nonce, "cal.example.org") == HttpNonceStore::State::Unknown);
  assert_true(node_b->check(ex_nonce(ex), "other.realm") == HttpNonceStore::State::Unknown);
  assert_errc(again(fx, with_count(fx, format_http_credentials(*forged), 1)), Errc::BadProtocol);
  g_clock_offset = 61;
  assert_true(says_stale(again(fx, with_count(fx, ex.credentials, 10))));
}

void several_algorithms_and_stored_ss(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  // Several configured: the first is offered, alone; a later one is accepted.
  fx.options.algorithms = {HttpAlgorithm::Sha256, HttpAlgorithm::Md5};
  auto ex = run(fx, fx.options);
  assert_true(ex.challenge.find("Digest") == std::string::npos);
  assert_true(ex.credentials.find("algorithm=SHA-256") != std::string::npos);
  assert_true(ex.verdict.has_value() && ex.verdict->done);
  auto with_md5 = parse_http_credentials(ex.credentials);
  assert_true(with_md5.has_value());
  with_md5->algorithm = HttpAlgorithm::Md5;
  with_md5->algorithm_text = "MD5";
  with_md5->response = std::string(32, '0');
  const std::string md5_text = with_count(fx, format_http_credentials(*with_md5), 2);
  auto ok_md5 = again(fx, md5_text);
  assert_true(ok_md5.has_value() && ok_md5->done);
  // A store holding only SS serves MD5 but not SHA-256, and says why.
  StoredSecret ss;
  ss.kind = StoredSecret::Kind::Ss;
  const SecureBytes hex = http_user_hash(*fx.crypto, HttpAlgorithm::Md5, "alice", "cal.example.org",
                                         as_bytes("wonder land"));
  std::array<std::uint8_t, 16> raw{};
  assert_true(from_hex(as_text(ByteView(hex)), raw));
  ss.bytes.assign(raw.begin(), raw.end());
  fx.server_host.store["alice"] = std::move(ss);
  ex = run(fx, fx.options);
  assert_errc(ex.verdict, Errc::BadAuth);
  assert_true(fx.server_host.log_record.mentions("needs the password"));
  fx.options.algorithms = {HttpAlgorithm::Md5};
  ex = run(fx, fx.options);
  assert_true(ex.verdict.has_value() && ex.verdict->done);
}

void non_ascii_username(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  fx.client_host.id.authid = "J\xC3\xA4s\xC3\xB8n";
  fx.server_host.add_password("J\xC3\xA4s\xC3\xB8n", "wonder land");
  auto ex = run(fx, fx.options);
  assert_true(ex.credentials.find("username*=UTF-8''J%C3%A4s%C3%B8n") != std::string::npos);
  assert_true(ex.verdict.has_value() && ex.verdict->done);
}

void client_refusals(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  HttpClientSession c1(fx.crypto, nullptr);
  assert_errc(c1.step(fx.client_host, fx.request, R"(realm="r", nonce="n", algorithm=X)"),
              Errc::BadProtocol);
  HttpClientSession c2(fx.crypto, nullptr);
  assert_errc(c2.step(fx.client_host, fx.request, "not a challenge"), Errc::BadProtocol);
  // A forged rspauth, and Authentication-Info for another count.
  HttpServerSession server(fx.crypto, fx.options);
  HttpClientSession c3(fx.crypto, nullptr);
  auto ch = server.step(fx.server_host, nullptr, "");
  const std::string challenge(ch->data);  // the server's next step reuses its buffer
  auto cr = c3.step(fx.client_host, fx.request, challenge);
  assert_true(cr.has_value());
  const std::string creds(cr->data);
  auto ok = server.step(fx.server_host, &fx.request, creds);
  std::string info(ok->data);
  std::string forged = info;
  forged[forged.find("rspauth=\"") + 9] ^= 1;
  HttpClientSession c4(fx.crypto, nullptr);
  (void)c4.step(fx.client_host, fx.request, challenge);
  assert_errc(c3.step(fx.client_host, fx.request, forged), Errc::BadServer);
  // RFC 2069 (no qop) is computed without nc and cnonce.
  HttpClientSession c5(fx.crypto, nullptr);
  auto r2069 = c5.step(fx.client_host, fx.request, R"(realm="r", nonce="n")");
  assert_true(r2069.has_value());
  assert_true(r2069->data.find("nc=") == std::string_view::npos);
}

void client_continues_nonce(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  auto cache = std::make_shared<HttpClientCache>(8);
  HttpServerSession s1(fx.crypto, fx.options);
  HttpClientSession c1(fx.crypto, cache);
  auto ch = s1.step(fx.server_host, nullptr, "");
  auto cr = c1.step(fx.client_host, fx.request, ch->data);
  auto ok = s1.step(fx.server_host, &fx.request, cr->data);
  assert_true(ok.has_value() && ok->done);
  assert_true(c1.step(fx.client_host, fx.request, ok->data).has_value());
  // The next request (a new session) carries count 2 at once, for its own URI.
  fx.request = HttpRequest{"GET", "/cal/next/", {}};
  HttpClientSession c2(fx.crypto, cache);
  auto pre = c2.step(fx.client_host, fx.request, "");
  assert_true(pre.has_value() && !pre->data.empty());
  assert_true(pre->data.find("nc=00000002") != std::string_view::npos);
  assert_true(pre->data.find("uri=\"/cal/next/\"") != std::string_view::npos);
  std::string info;
  auto ok2 = again(fx, pre->data, &info);
  assert_true(ok2.has_value() && ok2->done);
  assert_true(c2.step(fx.client_host, fx.request, info).has_value());
  // A continuation the server no longer knows is answered afresh when a challenge comes back,
  // even without stale=true (the password was not in question).
  HttpClientSession c3(fx.crypto, cache);
  assert_false(c3.step(fx.client_host, fx.request, "")->data.empty());
  HttpServerSession s3(fx.crypto, fx.options);
  auto fresh = s3.step(fx.server_host, nullptr, "");
  auto cr3 = c3.step(fx.client_host, fx.request, fresh->data);
  assert_true(cr3.has_value() && cr3->data.find("nc=00000001") != std::string_view::npos);
  // Fresh credentials answered by a plain challenge: the password was wrong; no loop.
  auto again_plain = s3.step(fx.server_host, nullptr, "");
  assert_errc(again_plain, Errc::BadProtocol);  // s3 already waits for credentials
  HttpServerSession s4(fx.crypto, fx.options);
  assert_errc(c3.step(fx.client_host, fx.request, s4.step(fx.server_host, nullptr, "")->data),
              Errc::BadAuth);
  assert_true(fx.client_host.log_record.mentions("refused the credentials"));
  // Without known names (prompts), nothing is sent first.
  fx.client_host.names_known = false;
  HttpClientSession c5(fx.crypto, cache);
  assert_true(c5.step(fx.client_host, fx.request, "")->data.empty());
}

// Four threads race for the counts of one nonce: each count is won exactly once (also run under
// ThreadSanitizer), in both the random and the keyed store.
void threads_race_for_counts(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  for (const bool keyed : {false, true}) {
    auto store = make_store(
        fx, keyed ? std::optional<std::string_view>("k-0123456789abcdef") : std::nullopt);
    const auto nonce = store->issue("cal.example.org");
    assert_true(nonce.has_value());
    constexpr std::uint32_t kCounts = 200;
    std::atomic<int> wins{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (std::uint32_t nc = 1; nc <= kCounts; ++nc) {
          if (store->use(*nonce, nc, "alice")) {
            wins.fetch_add(1);
          }
        }
      });
    }
    for (auto& th : threads) {
      th.join();
    }
    // Random nonces take exactly the next count, keyed ones any higher one; either way the first
    // thread to reach a count wins it and no one else can.
    assert_int_equal(wins.load(), static_cast<int>(kCounts));
    assert_false(store->use(*nonce, kCounts, "alice"));
  }
}

// An application that passes no body (Cyrus httpd 3.6: a null entity) gets no auth-int offer,
// and auth-int credentials are refused rather than checked against an empty body.
void no_entity_no_auth_int(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  const HttpRequest bodiless{"GET", "/cal/", {}, false};
  HttpServerSession server(fx.crypto, fx.options);
  auto ch = server.step(fx.server_host, &bodiless, "");
  assert_true(ch.has_value());
  assert_true(ch->data.find("qop=\"auth\"") != std::string_view::npos);
  HttpClientSession client(fx.crypto, nullptr);
  auto cr = client.step(fx.client_host, bodiless, ch->data);
  assert_true(cr.has_value() && cr->data.find("qop=auth,") != std::string_view::npos);
  auto c = parse_http_credentials(cr->data);
  c->qop = HttpQop::AuthInt;
  HttpServerSession other(fx.crypto, fx.options);
  assert_errc(other.step(fx.server_host, &bodiless, format_http_credentials(*c)),
              Errc::BadProtocol);
  assert_true(fx.server_host.log_record.mentions("passes no entity body"));
  auto ok = server.step(fx.server_host, &bodiless, cr->data);
  assert_true(ok.has_value() && ok->done);
}

#define FX_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, test_support::teardown_fixture<Fx>)
#define CRYPTO_TEST(fn)                                                \
  cmocka_unit_test_setup_teardown(fn, test_support::setup_crypto_only, \
                                  test_support::teardown_fixture<test_support::CryptoOnly>)

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      CRYPTO_TEST(rfc_vectors),
      CRYPTO_TEST(computed_vectors),
      cmocka_unit_test(challenge_parsing),
      cmocka_unit_test(credentials_parsing),
      cmocka_unit_test(auth_info_parsing),
      FX_TEST(default_md5_sess_round_trip),
      FX_TEST(sha256_and_auth_int),
      FX_TEST(counts_across_requests),
      FX_TEST(wrong_proofs),
      FX_TEST(request_mismatches),
      FX_TEST(expiry_and_unknown_nonces),
      FX_TEST(farm_keys),
      FX_TEST(several_algorithms_and_stored_ss),
      FX_TEST(non_ascii_username),
      FX_TEST(client_refusals),
      FX_TEST(client_continues_nonce),
      FX_TEST(threads_race_for_counts),
      FX_TEST(no_entity_no_auth_int),
  };
  return cmocka_run_group_tests_name("http", tests, nullptr, nullptr);
}
