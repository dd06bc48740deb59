// SPDX-License-Identifier: BSD-3-Clause
// test_reauth.cpp: the server's subsequent authentication (docs/protocol.md §6) over fake hosts:
// one round trip on the next count, stale=true for a right proof on a wrong count, an expired
// nonce or a reused cnonce with a layer, a plain challenge for a wrong proof (count kept), the
// cache's bounds, and that a continued layer never gets the earlier keys.
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/digest.hpp"
#include "common/messages.hpp"
#include "common/reauth_cache.hpp"
#include "common/client_session.hpp"
#include "common/server_session.hpp"
#include "tests/core_fixture.hpp"
#include "tests/fake_host.hpp"
#include "tests/proof_oracle.hpp"
#include "tests/cmocka.hpp"

namespace {

using namespace digestmd5;
using digestmd5::testing::FakeClientHost;
using digestmd5::testing::FakeServerHost;

constexpr std::string_view kPassword = "secret";

struct Fx {
  std::shared_ptr<const Crypto> crypto;
  FakeServerHost host;
  std::shared_ptr<ReauthCache> cache;
  std::unique_ptr<ServerSession> server;
  Response first;   // the full authentication's response
  Response again;   // a subsequent one
  std::string text;
  FakeClientHost client_host;
  std::shared_ptr<ClientReauthCache> client_cache;
  std::unique_ptr<ClientSession> client;
};

int setup(void** state) noexcept {
  if (test_support::setup_with_crypto<Fx>(state) != 0) {
    return -1;
  }
  auto& fx = test_support::fixture<Fx>(state);
  fx.host.realm = "elwood.innosoft.com";
  fx.host.add_password("chris", kPassword);
  fx.cache = std::make_shared<ReauthCache>(8);
  fx.client_cache = std::make_shared<ClientReauthCache>(8);
  fx.client_host.id.authid = "chris";
  fx.client_host.id.authzid = "chris";
  fx.client_host.id.password.assign(kPassword.begin(), kPassword.end());
  return 0;
}

ServerOptions reauth_on(const Fx& fx) {
  ServerOptions o;
  o.reauth = fx.cache;
  o.reauth_lifetime = std::chrono::minutes(10);
  return o;
}

// sign fills in the proof of `r` for the password (the client's side, computed independently).
std::string sign(const Fx& fx, Response& r) {
  r.response = testing::proof_for(*fx.crypto, r, r.nonce, kPassword, Proof::ClientResponse);
  auto text = format_response(r);
  assert_true(text.has_value());
  return *text;
}

// full_authentication runs challenge and response with qop `qop` on a fresh session and keeps
// the response in fx.first.
void full_authentication(Fx& fx, Qop qop, std::optional<CipherId> cipher = std::nullopt) {
  fx.server = std::make_unique<ServerSession>(fx.crypto, reauth_on(fx));
  const auto challenge = fx.server->step(fx.host, "");
  assert_true(challenge.has_value());
  const auto c = parse_challenge(challenge->data);
  assert_true(c.has_value());
  fx.first = Response{};
  fx.first.username = "chris";
  fx.first.realm = c->realms.front();
  fx.first.nonce = c->nonce;
  fx.first.cnonce = "first-cnonce";
  fx.first.nc = 1;
  fx.first.qop = qop;
  fx.first.qop_text = std::string(qop_name(qop));
  fx.first.cipher = cipher;
  fx.first.digest_uri = "imap/elwood.innosoft.com";
  fx.text = sign(fx, fx.first);
  const auto done = fx.server->step(fx.host, fx.text);
  assert_true(done.has_value() && done->done);
}

// continue_with starts a new connection whose initial response is `r`; it returns whether the
// server finished in that one step, and leaves a challenge (if any) in fx.text.
bool continue_with(Fx& fx, Response& r, ServerOptions options) {
  fx.server = std::make_unique<ServerSession>(fx.crypto, std::move(options));
  const std::string initial = sign(fx, r);
  const auto out = fx.server->step(fx.host, initial);
  assert_true(out.has_value());
  fx.text = std::string(out->data);
  if (out->done) {
    // rspauth is the one a client holding the password expects.
    const auto rspauth = parse_response_auth(out->data);
    assert_true(rspauth.has_value());
    const auto expect =
        testing::proof_for(*fx.crypto, r, r.nonce, kPassword, Proof::ServerRspauth);
    assert_string_equal(test_support::text(*rspauth).c_str(), expect.c_str());
  }
  return out->done;
}

bool stale_challenge(const Fx& fx) {
  const auto c = parse_challenge(fx.text);
  assert_true(c.has_value());
  return c->stale;
}

void next_count_finishes_in_one_round_trip(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  full_authentication(fx, Qop::Auth);
  assert_int_equal(fx.cache->size(), 1);
  for (std::uint32_t nc = 2; nc <= 4; ++nc) {
    fx.again = fx.first;
    fx.again.nc = nc;
    assert_true(continue_with(fx, fx.again, reauth_on(fx)));
    assert_true(fx.host.log_record.mentions("reauthenticated with qop=auth"));
  }
  // qop=auth may keep its cnonce (no keys come from it).
  assert_true(fx.cache->find(fx.first.nonce)->next_nc == 5);
}

void replayed_or_skipped_count_gets_stale(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  full_authentication(fx, Qop::Auth);
  fx.again = fx.first;
  fx.again.nc = 2;
  assert_true(continue_with(fx, fx.again, reauth_on(fx)));
  // The same count again (a replay), and one that skips ahead: the proof is right, so stale.
  for (const std::uint32_t nc : {2U, 4U}) {
    fx.again.nc = nc;
    assert_false(continue_with(fx, fx.again, reauth_on(fx)));
    assert_true(stale_challenge(fx));
    assert_true(fx.host.log_record.mentions("nc is not the next count"));
  }
  // The exchange then goes on as an initial one on the new nonce.
  const auto c = parse_challenge(fx.text);
  assert_true(c.has_value());
  assert_false(c->nonce == fx.first.nonce);
}

void wrong_proof_gets_a_plain_challenge_and_keeps_the_count(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  full_authentication(fx, Qop::Auth);
  fx.server = std::make_unique<ServerSession>(fx.crypto, reauth_on(fx));
  fx.again = fx.first;
  fx.again.nc = 2;
  fx.again.response = std::string(32, '0');  // a forged response
  auto forged = format_response(fx.again);
  assert_true(forged.has_value());
  const auto out = fx.server->step(fx.host, *forged);
  assert_true(out.has_value() && !out->done);
  fx.text = std::string(out->data);
  assert_false(stale_challenge(fx));
  assert_true(fx.host.log_record.mentions("the proof does not match"));
  // The count was not advanced: nc=2 still works.
  assert_true(continue_with(fx, fx.again, reauth_on(fx)));
}

void layer_needs_a_fresh_cnonce_and_gets_new_keys(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  const std::optional<CipherId> layers[] = {std::nullopt, CipherId::AesCbc};
  for (const auto cipher : layers) {
    fx.cache = std::make_shared<ReauthCache>(8);
    full_authentication(fx, cipher ? Qop::AuthConf : Qop::AuthInt, cipher);
    fx.again = fx.first;
    fx.again.nc = 2;
    // The stock client keeps its cnonce: that would repeat H(A1) and every key with the
    // sequence numbers back at 0, so it gets a full challenge (stale: the password was right).
    assert_false(continue_with(fx, fx.again, reauth_on(fx)));
    assert_true(stale_challenge(fx));
    assert_true(fx.host.log_record.mentions("a layer needs a fresh cnonce"));
    fx.again.cnonce = "second-cnonce";
    assert_true(continue_with(fx, fx.again, reauth_on(fx)));
    assert_non_null(fx.server->layer());
    const Digest16 ha1_first =
        testing::expected_ha1(*fx.crypto, fx.first, fx.first.nonce, kPassword);
    const Digest16 ha1_again =
        testing::expected_ha1(*fx.crypto, fx.again, fx.again.nonce, kPassword);
    const LayerKeys k1 = derive_keys(*fx.crypto, ha1_first, CipherId::AesCbc);
    const LayerKeys k2 = derive_keys(*fx.crypto, ha1_again, CipherId::AesCbc);
    assert_false(ct_equal(k1.kic.bytes(), k2.kic.bytes()));
    assert_false(ct_equal(k1.kis.bytes(), k2.kis.bytes()));
    assert_false(ct_equal(k1.kcc.bytes(), k2.kcc.bytes()));
    assert_false(ct_equal(k1.kcs.bytes(), k2.kcs.bytes()));
  }
}

void expired_nonce_gets_stale_and_is_dropped(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  full_authentication(fx, Qop::Auth);
  auto entry = *fx.cache->find(fx.first.nonce);
  entry.issued -= std::chrono::minutes(11);
  fx.cache->put(fx.first.nonce, entry);
  fx.again = fx.first;
  fx.again.nc = 2;
  assert_false(continue_with(fx, fx.again, reauth_on(fx)));
  assert_true(stale_challenge(fx));
  assert_true(fx.host.log_record.mentions("the nonce expired"));
  assert_false(fx.cache->find(fx.first.nonce).has_value());
}

void other_user_or_realm_cannot_continue(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  fx.host.add_password("mallory", kPassword);
  full_authentication(fx, Qop::Auth);
  fx.again = fx.first;
  fx.again.nc = 2;
  fx.again.username = "mallory";
  assert_false(continue_with(fx, fx.again, reauth_on(fx)));
  assert_false(stale_challenge(fx));
  fx.again = fx.first;
  fx.again.nc = 2;
  fx.again.realm = "other.example";
  assert_false(continue_with(fx, fx.again, reauth_on(fx)));
}

void reauth_off_ignores_the_initial_response(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  full_authentication(fx, Qop::Auth);
  fx.again = fx.first;
  fx.again.nc = 2;
  assert_false(continue_with(fx, fx.again, ServerOptions{}));
  assert_false(stale_challenge(fx));
  assert_true(fx.host.log_record.mentions("reauth_timeout is off"));
  // ...and the exchange still completes as an initial authentication.
  const auto c = parse_challenge(fx.text);
  assert_true(c.has_value());
  fx.again = fx.first;
  fx.again.nonce = c->nonce;
  fx.again.realm = c->realms.front();
  const std::string response = sign(fx, fx.again);
  const auto done = fx.server->step(fx.host, response);
  assert_true(done.has_value() && done->done);
}

void cache_drops_the_least_recently_used(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  fx.cache = std::make_shared<ReauthCache>(2);
  full_authentication(fx, Qop::Auth);
  const std::string oldest = fx.first.nonce;
  full_authentication(fx, Qop::Auth);
  full_authentication(fx, Qop::Auth);
  assert_int_equal(fx.cache->size(), 2);
  assert_false(fx.cache->find(oldest).has_value());
  assert_true(fx.cache->find(fx.first.nonce).has_value());
}

void count_never_wraps(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  full_authentication(fx, Qop::Auth);
  auto entry = *fx.cache->find(fx.first.nonce);
  entry.next_nc = 0xFFFFFFFFU;
  fx.cache->put(fx.first.nonce, entry);
  fx.again = fx.first;
  fx.again.nc = 0xFFFFFFFFU;
  assert_true(continue_with(fx, fx.again, reauth_on(fx)));
  // The nonce is retired: nothing can follow ffffffff.
  assert_false(fx.cache->find(fx.first.nonce).has_value());
}

// Many connections of a threaded server (slapd) continue one nonce at once: each count is won
// by exactly one of them, and nothing races (the ThreadSanitizer build runs this too).
void threads_share_the_cache(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  full_authentication(fx, Qop::Auth);
  constexpr int kThreads = 4;
  constexpr std::uint32_t kCounts = 12;
  std::atomic<int> wins{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&fx, &wins, &errors] {
      FakeServerHost host;
      host.realm = "elwood.innosoft.com";
      host.add_password("chris", kPassword);
      for (std::uint32_t nc = 2; nc < 2 + kCounts; ++nc) {
        Response r = fx.first;
        r.nc = nc;
        r.response = testing::proof_for(*fx.crypto, r, r.nonce, kPassword, Proof::ClientResponse);
        const auto text = format_response(r);
        ServerSession server(fx.crypto, reauth_on(fx));
        const auto out = text ? server.step(host, *text) : Result<StepOutput>(Error{});
        if (!out) {
          errors.fetch_add(1);
        } else if (out->done) {
          wins.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  assert_int_equal(errors.load(), 0);
  assert_int_equal(wins.load(), static_cast<int>(kCounts));
  assert_true(fx.cache->find(fx.first.nonce)->next_nc == 2 + kCounts);
}

// ---- our client's half -------------------------------------------------------------------

ClientOptions client_reauth_on(const Fx& fx) {
  ClientOptions o;
  o.reauth = fx.client_cache;
  return o;
}

// connect runs one connection of our client against our server, the client sending an initial
// response when it has one; it returns the number of server messages the exchange needed.
int connect(Fx& fx, ServerOptions server_options) {
  fx.server = std::make_unique<ServerSession>(fx.crypto, std::move(server_options));
  fx.client = std::make_unique<ClientSession>(fx.crypto, client_reauth_on(fx));
  const auto first = fx.client->step(fx.client_host, "");
  assert_true(first.has_value());
  int messages = 0;
  auto from_server = fx.server->step(fx.host, std::string(first->data));
  for (;;) {
    assert_true(from_server.has_value());
    ++messages;
    const auto from_client = fx.client->step(fx.client_host, std::string(from_server->data));
    assert_true(from_client.has_value());
    if (from_client->done) {
      assert_true(from_server->done);
      return messages;
    }
    from_server = fx.server->step(fx.host, std::string(from_client->data));
  }
}

void client_continues_in_one_round_trip(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  fx.client_host.security = SecurityProps{1, 1, 0, 65536};  // auth-int
  assert_int_equal(connect(fx, reauth_on(fx)), 2);  // challenge, then rspauth
  assert_int_equal(fx.client_host.identity_calls, 1);
  for (int i = 0; i < 3; ++i) {
    assert_int_equal(connect(fx, reauth_on(fx)), 1);  // rspauth alone
  }
  assert_int_equal(fx.client_host.identity_calls, 1);  // no credentials asked again
  // A fresh layer each time, keyed alike on both sides.
  const std::string msg = "after a subsequent authentication";
  const ByteView parts[] = {as_bytes(msg)};
  const auto wire = fx.client->layer()->encode(parts);
  assert_true(wire.has_value());
  const auto plain = fx.server->layer()->decode(Bytes(wire->begin(), wire->end()));
  assert_true(plain.has_value());
  assert_int_equal(plain->size(), msg.size());
}

void client_falls_back_on_stale_without_asking_again(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  assert_int_equal(connect(fx, reauth_on(fx)), 2);
  // The server expects another count (another client went on with the nonce): the proof is
  // right, so it answers stale=true, and the client authenticates again from its cached SS.
  assert_int_equal(fx.cache->size(), 1);
  const std::string key = client_reauth_key("imap", "elwood.innosoft.com", "chris", "chris");
  assert_true(fx.client_cache->update(key, [&fx](ClientReauthEntry& e) {
    fx.text = e.nonce;
    return true;
  }));
  auto entry = *fx.cache->find(fx.text);
  entry.next_nc = 7;
  fx.cache->put(fx.text, entry);
  assert_int_equal(connect(fx, reauth_on(fx)), 2);
  assert_int_equal(fx.client_host.identity_calls, 1);
  assert_true(fx.client_host.log_record.mentions("refused; authenticating fully") ||
              fx.client_host.log_record.mentions("was stale"));
  // ...and continues the new nonce next time.
  assert_int_equal(connect(fx, reauth_on(fx)), 1);
}

void client_falls_back_to_credentials_without_stale(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  assert_int_equal(connect(fx, reauth_on(fx)), 2);
  // A server with reauth off ignores the initial response: a plain challenge.
  assert_int_equal(connect(fx, ServerOptions{}), 2);
  assert_int_equal(fx.client_host.identity_calls, 2);
  assert_true(fx.client_host.log_record.mentions("refused; authenticating fully"));
}

void client_entry_dies_with_an_unfinished_attempt(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  assert_int_equal(connect(fx, reauth_on(fx)), 2);
  // An initial response, then the connection is dropped (Active Directory answers an LDAP error
  // instead of a challenge): the next connection runs a full exchange.
  fx.client = std::make_unique<ClientSession>(fx.crypto, client_reauth_on(fx));
  const auto first = fx.client->step(fx.client_host, "");
  assert_true(first.has_value() && !first->data.empty());
  fx.client.reset();
  assert_int_equal(fx.client_cache->size(), 0);
  fx.client = std::make_unique<ClientSession>(fx.crypto, client_reauth_on(fx));
  const auto again = fx.client->step(fx.client_host, "");
  assert_true(again.has_value() && again->data.empty());
}

void client_entry_dies_with_a_wrong_rspauth(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  assert_int_equal(connect(fx, reauth_on(fx)), 2);
  fx.client = std::make_unique<ClientSession>(fx.crypto, client_reauth_on(fx));
  const auto first = fx.client->step(fx.client_host, "");
  assert_true(first.has_value() && !first->data.empty());
  const auto done = fx.client->step(fx.client_host, "rspauth=" + std::string(32, '0'));
  assert_errc(done, Errc::BadServer);
  assert_int_equal(fx.client_cache->size(), 0);
}

// An application that answers only prompts (libldap, Cyrus imtest) is asked for the names first,
// then continues; the names are not asked for again, nor the password.
void client_asks_for_names_by_prompt_then_continues(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  assert_int_equal(connect(fx, reauth_on(fx)), 2);
  fx.client_host.names_known = false;
  fx.client_host.names_by_prompt = true;
  fx.server = std::make_unique<ServerSession>(fx.crypto, reauth_on(fx));
  fx.client = std::make_unique<ClientSession>(fx.crypto, client_reauth_on(fx));
  const auto asked = fx.client->step(fx.client_host, "");
  assert_errc(asked, Errc::Interact);
  assert_int_equal(fx.client_host.names_prompts, 1);
  const auto first = fx.client->step(fx.client_host, "");  // with the prompts answered
  assert_true(first.has_value() && !first->data.empty());
  const auto rspauth = fx.server->step(fx.host, std::string(first->data));
  assert_true(rspauth.has_value() && rspauth->done);
  const auto done = fx.client->step(fx.client_host, std::string(rspauth->data));
  assert_true(done.has_value() && done->done);
  assert_int_equal(fx.client_host.identity_calls, 1);  // only the first, full authentication
}

void client_without_names_or_cache_sends_nothing_first(void** state) {
  auto& fx = test_support::fixture<Fx>(state);
  assert_int_equal(connect(fx, reauth_on(fx)), 2);
  fx.client_host.names_known = false;  // the names would need prompts
  fx.client = std::make_unique<ClientSession>(fx.crypto, client_reauth_on(fx));
  const auto first = fx.client->step(fx.client_host, "");
  assert_true(first.has_value() && first->data.empty());
  fx.client_host.names_known = true;
  fx.client = std::make_unique<ClientSession>(fx.crypto, ClientOptions{});  // option off
  const auto off = fx.client->step(fx.client_host, "");
  assert_true(off.has_value() && off->data.empty());
}

}  // namespace

#define REAUTH_TEST(fn) \
  cmocka_unit_test_setup_teardown(fn, setup, test_support::teardown_fixture<Fx>)

int main() {
  const CMUnitTest tests[] = {
      REAUTH_TEST(next_count_finishes_in_one_round_trip),
      REAUTH_TEST(replayed_or_skipped_count_gets_stale),
      REAUTH_TEST(wrong_proof_gets_a_plain_challenge_and_keeps_the_count),
      REAUTH_TEST(layer_needs_a_fresh_cnonce_and_gets_new_keys),
      REAUTH_TEST(expired_nonce_gets_stale_and_is_dropped),
      REAUTH_TEST(other_user_or_realm_cannot_continue),
      REAUTH_TEST(client_asks_for_names_by_prompt_then_continues),
      REAUTH_TEST(reauth_off_ignores_the_initial_response),
      REAUTH_TEST(cache_drops_the_least_recently_used),
      REAUTH_TEST(count_never_wraps),
      REAUTH_TEST(threads_share_the_cache),
      REAUTH_TEST(client_continues_in_one_round_trip),
      REAUTH_TEST(client_falls_back_on_stale_without_asking_again),
      REAUTH_TEST(client_falls_back_to_credentials_without_stale),
      REAUTH_TEST(client_entry_dies_with_an_unfinished_attempt),
      REAUTH_TEST(client_entry_dies_with_a_wrong_rspauth),
      REAUTH_TEST(client_without_names_or_cache_sends_nothing_first),
  };
  return cmocka_run_group_tests_name("reauth", tests, nullptr, nullptr);
}
