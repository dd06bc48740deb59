// SPDX-License-Identifier: BSD-3-Clause
// test_sessions.cpp: ServerSession and ClientSession driven through fake hosts.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/account.hpp"
#include "common/client_session.hpp"
#include "common/response_check.hpp"
#include "common/digest.hpp"
#include "common/server_session.hpp"
#include "tests/core_fixture.hpp"
#include "tests/cmocka.hpp"
#include "tests/fake_host.hpp"

namespace {

using namespace digestmd5;
using digestmd5::testing::FakeClientHost;
using digestmd5::testing::FakeServerHost;

struct Fixture {
  std::shared_ptr<const Crypto> crypto;
  FakeServerHost server_host;
  FakeClientHost client_host;
  std::unique_ptr<ServerSession> server;
  std::unique_ptr<ClientSession> client;
};

int setup(void** state) {
  auto crypto = test_support::shared_crypto();
  if (!crypto) {
    return -1;
  }
  auto* fx = new Fixture();
  fx->crypto = crypto;
  fx->server_host.realm = "elwood.innosoft.com";
  fx->server_host.add_password("chris", "secret");
  fx->client_host.id.authid = "chris";
  fx->client_host.id.authzid = "chris";
  const std::string pw = "secret";
  fx->client_host.id.password.assign(pw.begin(), pw.end());
  fx->server = std::make_unique<ServerSession>(fx->crypto, ServerOptions{});
  fx->client = std::make_unique<ClientSession>(fx->crypto, ClientOptions{});
  *state = fx;
  return 0;
}

int teardown(void** state) {
  delete static_cast<Fixture*>(*state);
  return 0;
}

Fixture& fx_of(void** state) { return *static_cast<Fixture*>(*state); }

// exchange runs challenge -> response -> rspauth and returns the server's final result code
// (or the client's when the client fails first).
Errc exchange(Fixture& fx, bool* ok) {
  *ok = false;
  auto challenge = fx.server->step(fx.server_host, "");
  if (!challenge) {
    return challenge.error().code;
  }
  auto response = fx.client->step(fx.client_host, std::string(challenge->data));
  if (!response) {
    return response.error().code;
  }
  auto rspauth = fx.server->step(fx.server_host, std::string(response->data));
  if (!rspauth) {
    return rspauth.error().code;
  }
  auto done = fx.client->step(fx.client_host, std::string(rspauth->data));
  if (!done) {
    return done.error().code;
  }
  *ok = rspauth->done && done->done;
  return Errc::Internal;
}

// hand_response builds a response to `challenge` by hand, for cases our client never sends.
std::string hand_response(const Crypto& crypto, std::string_view challenge, const Digest16& ss,
                          const std::optional<std::string>& authzid, bool utf8) {
  auto c = parse_challenge(challenge);
  assert_true(c.has_value());
  Response r;
  r.username = "chris";
  r.realm = c->realms.front();
  r.authzid = authzid;
  r.nonce = c->nonce;
  r.cnonce = "OA6MHXh6VqTrRk";
  r.nc = 1;
  r.utf8 = utf8;
  r.digest_uri = "imap/elwood.innosoft.com";
  const Digest16 ha1 = compute_ha1(crypto, ss, r.nonce, r.cnonce, r.authzid);
  r.response = compute_response(crypto, ha1, {r.nonce, 1, r.cnonce, "auth", r.digest_uri},
                                Proof::ClientResponse);
  auto text = format_response(r);
  assert_true(text.has_value());
  return *text;
}

void sessions_authenticate_each_other(void** state) {
  auto& fx = fx_of(state);
  bool ok = false;
  exchange(fx, &ok);
  assert_true(ok);
  assert_true(fx.server->outcome().qop == Qop::AuthConf);
  assert_true(fx.client->outcome().cipher == fx.server->outcome().cipher);
  assert_true(fx.server->layer() != nullptr);
  assert_true(fx.client->layer() != nullptr);
  assert_true(fx.server_host.log_record.mentions("authenticated with qop=auth-conf"));
}

void sessions_step_after_done_fails(void** state) {
  auto& fx = fx_of(state);
  bool ok = false;
  exchange(fx, &ok);
  assert_true(ok);
  const auto again = fx.server->step(fx.server_host, "x");
  assert_errc(again, Errc::BadProtocol);
  const auto client_again = fx.client->step(fx.client_host, "x");
  assert_false(client_again.has_value());
}

void server_accepts_stored_ss(void** state) {
  auto& fx = fx_of(state);
  const std::string pw = "secret";
  StoredSecret s;
  s.kind = StoredSecret::Kind::Ss;
  const Digest16 ss = compute_ss(*fx.crypto, {"chris", "elwood.innosoft.com", as_bytes(pw)}, true);
  s.bytes.assign(ss.bytes().begin(), ss.bytes().end());
  fx.server_host.store["chris"] = std::move(s);
  bool ok = false;
  exchange(fx, &ok);
  assert_true(ok);
}

void server_accepts_empty_authzid_like_cyrus(void** state) {
  auto& fx = fx_of(state);
  auto challenge = fx.server->step(fx.server_host, "");
  assert_true(challenge.has_value());
  const std::string pw = "secret";
  const Digest16 ss = compute_ss(*fx.crypto, {"chris", "elwood.innosoft.com", as_bytes(pw)}, true);
  const auto response =
      hand_response(*fx.crypto, challenge->data, ss, std::string(), true);
  assert_true(response.find("authzid=\"\"") != std::string::npos);
  auto done = fx.server->step(fx.server_host, response);
  assert_true(done.has_value());
  assert_true(fx.server_host.last_authzid.empty());
  assert_true(fx.server_host.log_record.mentions("empty authzid"));
}

void server_falls_back_to_raw_utf8(void** state) {
  auto& fx = fx_of(state);
  const std::string pw = "s\xc3\xa9" "cret";
  fx.server_host.add_password("chris", pw);
  auto challenge = fx.server->step(fx.server_host, "");
  assert_true(challenge.has_value());
  // A client that hashes the raw UTF-8 octets (no down-conversion).
  const Digest16 raw =
      compute_ss(*fx.crypto, {"chris", "elwood.innosoft.com", as_bytes(pw)}, false);
  auto done = fx.server->step(fx.server_host, hand_response(*fx.crypto, challenge->data, raw,
                                                            std::nullopt, true));
  assert_true(done.has_value());
}

void server_rejects_wrong_password_once(void** state) {
  auto& fx = fx_of(state);
  fx.server_host.add_password("chris", "other");
  bool ok = false;
  assert_true(exchange(fx, &ok) == Errc::BadAuth);
  assert_false(ok);
  assert_int_equal(fx.server_host.log_record.errors.size(), 1);
  assert_false(fx.server_host.log_record.mentions("secret"));
  assert_false(fx.server_host.log_record.mentions("other"));
}

void server_offers_auth_only_without_buffer(void** state) {
  auto& fx = fx_of(state);
  fx.server_host.security.maxbufsize = 0;
  auto challenge = fx.server->step(fx.server_host, "");
  assert_true(challenge.has_value());
  const auto c = parse_challenge(challenge->data);
  assert_true(c.has_value());
  assert_true(c->qops.has(Qop::Auth));
  assert_false(c->qops.has(Qop::AuthInt));
  assert_false(c->qops.has(Qop::AuthConf));
}

void server_too_weak_when_window_unreachable(void** state) {
  auto& fx = fx_of(state);
  fx.server_host.security.min_ssf = 200;
  auto challenge = fx.server->step(fx.server_host, "");
  assert_errc(challenge, Errc::TooWeak);
}

void server_rejects_cipher_outside_allow_list(void** state) {
  auto& fx = fx_of(state);
  ServerOptions only_3des;
  only_3des.ciphers = CipherSet{};
  only_3des.ciphers.add(CipherId::TripleDes);
  fx.server = std::make_unique<ServerSession>(fx.crypto, only_3des);
  auto challenge = fx.server->step(fx.server_host, "");
  assert_true(challenge.has_value());
  assert_true(std::string(challenge->data).find("cipher=\"3des\"") != std::string::npos);
  // A response naming rc4 (not offered) is refused.
  auto response = fx.client->step(fx.client_host, std::string(challenge->data));
  assert_true(response.has_value());
  std::string edited(response->data);
  edited.replace(edited.find("cipher=3des"), 11, "cipher=rc4");
  auto done = fx.server->step(fx.server_host, edited);
  assert_errc(done, Errc::BadProtocol);
}

void client_realm_other_than_default_is_qualified(void** state) {
  auto& fx = fx_of(state);
  fx.server_host.add_password("chris@elsewhere", "secret");
  fx.server_host.store.erase("chris");
  fx.client_host.id.realm = "elsewhere";
  bool ok = false;
  exchange(fx, &ok);
  assert_true(ok);
}

void client_interaction_then_success(void** state) {
  auto& fx = fx_of(state);
  fx.client_host.interact_once = true;
  auto challenge = fx.server->step(fx.server_host, "");
  assert_true(challenge.has_value());
  const std::string text(challenge->data);
  auto first = fx.client->step(fx.client_host, text);
  assert_errc(first, Errc::Interact);
  assert_true(fx.client_host.log_record.errors.empty());  // prompting is not a failure
  auto second = fx.client->step(fx.client_host, text);
  assert_true(second.has_value());
  auto rspauth = fx.server->step(fx.server_host, std::string(second->data));
  assert_true(rspauth.has_value());
}

void client_first_empty_step_waits_for_challenge(void** state) {
  auto& fx = fx_of(state);
  auto first = fx.client->step(fx.client_host, "");
  assert_true(first.has_value());
  assert_true(first->data.empty());
  assert_false(first->done);
}

void client_detects_bad_rspauth(void** state) {
  auto& fx = fx_of(state);
  auto challenge = fx.server->step(fx.server_host, "");
  assert_true(challenge.has_value());
  auto response = fx.client->step(fx.client_host, std::string(challenge->data));
  assert_true(response.has_value());
  auto bad = fx.client->step(fx.client_host, "rspauth=0123456789abcdef0123456789abcdef");
  assert_errc(bad, Errc::BadServer);
  assert_true(fx.client->layer() == nullptr);
}

void client_without_charset_rejects_non_latin1(void** state) {
  auto& fx = fx_of(state);
  const std::string pw = "\xe5\xaf\x86";  // U+5BC6, outside ISO-8859-1
  fx.client_host.id.password.assign(pw.begin(), pw.end());
  const auto r = fx.client->step(fx.client_host, "nonce=\"abc\",qop=\"auth\",algorithm=md5-sess");
  assert_errc(r, Errc::BadParam);
}

void client_without_charset_sends_none(void** state) {
  auto& fx = fx_of(state);
  const auto r = fx.client->step(fx.client_host, "nonce=\"abc\",qop=\"auth\",algorithm=md5-sess");
  assert_true(r.has_value());
  assert_true(std::string(r->data).find("charset") == std::string::npos);
  // The challenge listed no realm, so the host's answer (the server FQDN in libsasl2) is used.
}

void client_hashes_unescaped_nonce(void** state) {
  auto& fx = fx_of(state);
  fx.client_host.id.realm = "elwood.innosoft.com";
  const auto r = fx.client->step(
      fx.client_host,
      "nonce=\"ab\\\"c\",realm=\"elwood.innosoft.com\",qop=\"auth\",charset=utf-8,"
      "algorithm=md5-sess");
  assert_true(r.has_value());
  const auto sent = parse_response(r->data);
  assert_true(sent.has_value());
  assert_string_equal(sent->nonce.c_str(), "ab\"c");
  const std::string pw = "secret";
  const Digest16 ss = compute_ss(*fx.crypto, {"chris", "elwood.innosoft.com", as_bytes(pw)}, true);
  const Digest16 ha1 = compute_ha1(*fx.crypto, ss, "ab\"c", sent->cnonce, std::nullopt);
  const auto expect = compute_response(
      *fx.crypto, ha1, {"ab\"c", 1, sent->cnonce, "auth", sent->digest_uri}, Proof::ClientResponse);
  assert_string_equal(sent->response.c_str(), expect.c_str());
}

void client_too_weak_for_tiny_server_maxbuf(void** state) {
  auto& fx = fx_of(state);
  fx.client_host.security.min_ssf = 113;
  const auto r = fx.client->step(
      fx.client_host,
      "nonce=\"a\",realm=\"r\",qop=\"auth-conf\",cipher=\"aes-cbc\",maxbuf=40,charset=utf-8,"
      "algorithm=md5-sess");
  assert_errc(r, Errc::TooWeak);
}

void client_never_goes_below_min_ssf(void** state) {
  auto& fx = fx_of(state);
  fx.client_host.security.min_ssf = 56;
  const auto r = fx.client->step(
      fx.client_host,
      "nonce=\"a\",realm=\"r\",qop=\"auth,auth-int,auth-conf\",cipher=\"rc4-40,des\","
      "charset=utf-8,algorithm=md5-sess");
  assert_errc(r, Errc::TooWeak);
}

}  // namespace

// ---- check_response: the pure check against the offer, no host needed ---------------------

void check_response_rows(void** /*state*/) {
  Offer offer;
  offer.qops.add(Qop::Auth);
  offer.qops.add(Qop::AuthConf);
  offer.ciphers.add(CipherId::TripleDes);
  const std::string hosts[] = {"mail.example.com"};
  const OfferedChallenge offered{"the-nonce", offer, true, "imap", hosts, 1};
  struct Row {
    const char* nonce;
    std::uint32_t nc;
    bool realm;
    const char* uri;
    Qop qop;
    std::optional<CipherId> cipher;
    const char* refusal;  // nullptr = accepted
  };
  const Row rows[] = {
      {"the-nonce", 1, true, "imap/mail.example.com", Qop::Auth, std::nullopt, nullptr},
      {"the-nonce", 1, true, "IMAP/Mail.Example.COM/x", Qop::AuthConf, CipherId::TripleDes,
       nullptr},
      {"the-nonce2", 1, true, "imap/mail.example.com", Qop::Auth, std::nullopt,
       "response nonce does not match the challenge"},
      {"the-nonce", 2, true, "imap/mail.example.com", Qop::Auth, std::nullopt,
       "nc is not 00000001 on initial authentication"},
      {"the-nonce", 1, false, "imap/mail.example.com", Qop::Auth, std::nullopt,
       "response has no realm"},
      {"the-nonce", 1, true, "smtp/mail.example.com", Qop::Auth, std::nullopt,
       "digest-uri does not name this service"},
      {"the-nonce", 1, true, "imap/other.example.com", Qop::Auth, std::nullopt,
       "digest-uri does not name this host"},
      {"the-nonce", 1, true, "imap/mail.example.com", Qop::AuthInt, std::nullopt,
       "client chose a qop that was not offered"},
      {"the-nonce", 1, true, "imap/mail.example.com", Qop::AuthConf, CipherId::Rc4,
       "client chose a cipher that was not offered"},
  };
  for (const auto& row : rows) {
    Response r;
    r.nonce = row.nonce;
    r.nc = row.nc;
    if (row.realm) {
      r.realm = "example.com";
    }
    r.digest_uri = row.uri;
    r.qop = row.qop;
    r.cipher = row.cipher;
    const Status st = check_response(r, offered);
    if (row.refusal == nullptr) {
      assert_true(st.ok());
    } else {
      assert_errc(st, Errc::BadProtocol);
      assert_string_equal(test_support::text(st.error().message).c_str(), row.refusal);
    }
  }
}

// ---- the client's realm rule (docs/protocol.md §5), now the session's, not the host's --------

struct RealmRow {
  std::vector<std::string> offered;  // the server's digestmd5_realms ({} = its user_realm)
  std::optional<std::string> answer;  // the application's answer
  bool asked;                         // the session asks for a choice
  const char* sent;                   // the realm in the response
};

void client_realm_rule(void** state) {
  const RealmRow rows[] = {
      {{}, std::nullopt, false, "elwood.innosoft.com"},
      {{"one.example"}, std::nullopt, false, "one.example"},
      {{"a.example", "b.example", "c.example"}, std::nullopt, true, "a.example"},
      {{"a.example", "b.example"}, std::string("b.example"), true, "b.example"},
      {{"one.example"}, std::string("own.example"), false, "own.example"},
  };
  auto& fx = fx_of(state);
  for (const auto& row : rows) {
    ServerOptions options;
    options.realms = row.offered;
    fx.server = std::make_unique<ServerSession>(fx.crypto, std::move(options));
    fx.client = std::make_unique<ClientSession>(fx.crypto, ClientOptions{});
    fx.client_host.id.realm = row.answer;
    const auto challenge = fx.server->step(fx.server_host, "");
    assert_true(challenge.has_value());
    const auto response = fx.client->step(fx.client_host, std::string(challenge->data));
    assert_true(response.has_value());
    assert_int_equal(fx.client_host.asked_realm, row.asked);
    const auto parsed = parse_response(response->data);
    assert_true(parsed.has_value() && parsed->realm.has_value());
    assert_string_equal(test_support::text(*parsed->realm).c_str(), row.sent);
  }
  // No realm offered at all (a server that sends none): the client answers its server FQDN.
  fx.client = std::make_unique<ClientSession>(fx.crypto, ClientOptions{});
  fx.client_host.id.realm = std::nullopt;
  const auto response = fx.client->step(fx.client_host, "nonce=\"abc\",algorithm=md5-sess");
  assert_true(response.has_value());
  const auto parsed = parse_response(response->data);
  assert_true(parsed.has_value() && parsed->realm.has_value());
  assert_string_equal(test_support::text(*parsed->realm).c_str(), "elwood.innosoft.com");
}

// ---- account_name: the rule of docs/protocol.md §4.6, row by row ---------------------------

struct AccountRow {
  const char* username;
  const char* realm;
  const char* user_realm;
  const char* name;  // expected name, or nullptr when refused with `code`
  Errc code;
};

constexpr AccountRow kAccountRows[] = {
    // The stock plugin's default realm (user_realm, else the FQDN) keeps a bare name.
    {"alice", "mail.example.com", "", "alice", Errc::Internal},
    {"alice", "example.com", "example.com", "alice", Errc::Internal},
    // Every other realm is named explicitly, whatever user_realm and the FQDN are.
    {"alice", "example.com", "", "alice@example.com", Errc::Internal},
    {"alice", "example.com", "other.org", "alice@example.com", Errc::Internal},
    {"alice", "mail.example.com", "other.org", "alice@mail.example.com", Errc::Internal},
    {"alice", "a@b", "", "alice@a@b", Errc::Internal},
    // A username that carries its own realm must carry the response's.
    {"alice@example.com", "example.com", "", "alice@example.com", Errc::Internal},
    {"alice@other.org", "example.com", "", nullptr, Errc::NoUser},
    {"alice@other.org", "mail.example.com", "", nullptr, Errc::NoUser},
    {"a@example.com@example.com", "example.com", "", nullptr, Errc::NoUser},
    // Names canon_user would change or the store could not tell apart.
    {" alice", "example.com", "", nullptr, Errc::BadProtocol},
    {"alice\t", "example.com", "", nullptr, Errc::BadProtocol},
    {"alice", "example.com\n", "", nullptr, Errc::BadProtocol},
    {"alice", "", "", nullptr, Errc::BadProtocol},
};

void account_name_rows(void** /*state*/) {
  for (const auto& row : kAccountRows) {
    const AccountContext where{row.user_realm, "mail.example.com"};
    const auto name = account_name(row.username, row.realm, where);
    if (row.name != nullptr) {
      assert_true(name.has_value());
      assert_string_equal(test_support::text(*name).c_str(), row.name);
    } else {
      assert_false(name.has_value());
      assert_errc(name, row.code);
    }
  }
}

void account_name_length_limit(void** /*state*/) {
  // Bare with user_realm: canon_user appends "@example.com" (12 octets) itself.
  const AccountContext with_realm{"example.com", "mail.example.com"};
  assert_true(account_name(std::string(1012, 'a'), "example.com", with_realm).has_value());
  assert_false(account_name(std::string(1013, 'a'), "example.com", with_realm).has_value());
  // Qualified: the name we build is what canon_user holds.
  const AccountContext none{"", "mail.example.com"};
  assert_true(account_name(std::string(1012, 'a'), "example.com", none).has_value());
  assert_false(account_name(std::string(1013, 'a'), "example.com", none).has_value());
  // Bare without user_realm: nothing is appended.
  assert_true(account_name(std::string(1024, 'a'), "mail.example.com", none).has_value());
  assert_false(account_name(std::string(1025, 'a'), "mail.example.com", none).has_value());
  assert_true(check_authzid(std::string(1012, 'z'), with_realm).ok());
  assert_false(check_authzid(std::string(1013, 'z'), with_realm).ok());
  assert_true(check_authzid(std::string(1022, 'z') + "@x", with_realm).ok());
  assert_true(check_authzid(std::string(1024, 'z'), none).ok());
  assert_false(check_authzid(std::string(1025, 'z'), none).ok());
}

// The server never sends what its own client would refuse: realm count and challenge size.
void server_challenge_always_parses(void** state) {
  auto& fx = *static_cast<Fixture*>(*state);
  for (const std::size_t count : {std::size_t{1}, std::size_t{32}, std::size_t{33}}) {
    ServerOptions options;
    for (std::size_t i = 0; i < count; ++i) {
      options.realms.push_back("realm" + std::to_string(i) + ".example");
    }
    fx.server = std::make_unique<ServerSession>(fx.crypto, std::move(options));
    const auto challenge = fx.server->step(fx.server_host, "");
    assert_int_equal(challenge.has_value(), count <= kMaxRealms);
    if (challenge) {
      assert_true(parse_challenge(challenge->data).has_value());
    } else {
      assert_errc(challenge, Errc::BadParam);
    }
  }
  // Every own buffer size, including those too small for any layer (auth only, no maxbuf).
  for (const unsigned maxbuf : {1U, 16U, 17U, 4096U, 65535U, 16777216U}) {
    fx.server_host.security = SecurityProps{0, 256, 0, maxbuf};
    fx.server = std::make_unique<ServerSession>(fx.crypto, ServerOptions{});
    const auto challenge = fx.server->step(fx.server_host, "");
    assert_true(challenge.has_value());
    assert_true(parse_challenge(challenge->data).has_value());
  }
  fx.server_host.security = SecurityProps{0, 256, 0, 65536};
  ServerOptions long_realms;
  long_realms.realms.assign(20, std::string(120, 'r'));
  fx.server = std::make_unique<ServerSession>(fx.crypto, std::move(long_realms));
  assert_false(fx.server->step(fx.server_host, "").has_value());
  ServerOptions control;
  control.realms = {"bad\x01realm"};
  fx.server = std::make_unique<ServerSession>(fx.crypto, std::move(control));
  assert_false(fx.server->step(fx.server_host, "").has_value());
}

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(check_response_rows),
      cmocka_unit_test_setup_teardown(client_realm_rule, setup, teardown),
      cmocka_unit_test(account_name_rows),
      cmocka_unit_test(account_name_length_limit),
      cmocka_unit_test_setup_teardown(server_challenge_always_parses, setup, teardown),
      cmocka_unit_test_setup_teardown(sessions_authenticate_each_other, setup, teardown),
      cmocka_unit_test_setup_teardown(sessions_step_after_done_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(server_accepts_stored_ss, setup, teardown),
      cmocka_unit_test_setup_teardown(server_accepts_empty_authzid_like_cyrus, setup, teardown),
      cmocka_unit_test_setup_teardown(server_falls_back_to_raw_utf8, setup, teardown),
      cmocka_unit_test_setup_teardown(server_rejects_wrong_password_once, setup, teardown),
      cmocka_unit_test_setup_teardown(server_offers_auth_only_without_buffer, setup, teardown),
      cmocka_unit_test_setup_teardown(server_too_weak_when_window_unreachable, setup, teardown),
      cmocka_unit_test_setup_teardown(server_rejects_cipher_outside_allow_list, setup, teardown),
      cmocka_unit_test_setup_teardown(client_realm_other_than_default_is_qualified, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(client_interaction_then_success, setup, teardown),
      cmocka_unit_test_setup_teardown(client_first_empty_step_waits_for_challenge, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(client_detects_bad_rspauth, setup, teardown),
      cmocka_unit_test_setup_teardown(client_without_charset_rejects_non_latin1, setup, teardown),
      cmocka_unit_test_setup_teardown(client_without_charset_sends_none, setup, teardown),
      cmocka_unit_test_setup_teardown(client_hashes_unescaped_nonce, setup, teardown),
      cmocka_unit_test_setup_teardown(client_too_weak_for_tiny_server_maxbuf, setup, teardown),
      cmocka_unit_test_setup_teardown(client_never_goes_below_min_ssf, setup, teardown),
  };
  return cmocka_run_group_tests_name("sessions", tests, nullptr, nullptr);
}
