// SPDX-License-Identifier: BSD-3-Clause
// test_reauth.cpp: the server's subsequent authentication (docs/protocol.md §6) over fake hosts:
// one round trip on the next count, stale=true for a right proof on a wrong count, an expired
// nonce or a reused cnonce with a layer, a plain challenge for a wrong proof (count kept), the
// cache's bounds, and that a continued layer never gets the earlier keys.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/digest.hpp"
#include "common/messages.hpp"
#include "common/reauth_cache.hpp"
#include "common/server_session.hpp"
#include "tests/core_fixture.hpp"
#include "tests/fake_host.hpp"
#include "tests/proof_oracle.hpp"
#include "tests/cmocka.hpp"

namespace {

using namespace digestmd5;
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
};

int setup(void** state) noexcept {
  if (test_support::setup_with_crypto<Fx>(state) != 0) {
    return -1;
  }
  auto& fx = test_support::fixture<Fx>(state);
  fx.host.realm = "elwood.innosoft.com";
  fx.host.add_password("chris", kPassword);
  fx.cache = std::make_shared<ReauthCache>(8);
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
void full_authentication(Fx& fx, Qop qop) {
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
  full_authentication(fx, Qop::AuthInt);
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
  const Digest16 ha1_first = testing::expected_ha1(*fx.crypto, fx.first, fx.first.nonce, kPassword);
  const Digest16 ha1_again = testing::expected_ha1(*fx.crypto, fx.again, fx.again.nonce, kPassword);
  const LayerKeys k1 = derive_keys(*fx.crypto, ha1_first, CipherId::Rc4);
  const LayerKeys k2 = derive_keys(*fx.crypto, ha1_again, CipherId::Rc4);
  assert_false(ct_equal(k1.kic.bytes(), k2.kic.bytes()));
  assert_false(ct_equal(k1.kis.bytes(), k2.kis.bytes()));
  assert_false(ct_equal(k1.kcc.bytes(), k2.kcc.bytes()));
  assert_false(ct_equal(k1.kcs.bytes(), k2.kcs.bytes()));
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
      REAUTH_TEST(reauth_off_ignores_the_initial_response),
      REAUTH_TEST(cache_drops_the_least_recently_used),
      REAUTH_TEST(count_never_wraps),
      REAUTH_TEST(threads_share_the_cache),
  };
  return cmocka_run_group_tests_name("reauth", tests, nullptr, nullptr);
}
