// SPDX-License-Identifier: BSD-3-Clause
// test_negotiation.cpp: the SSF window, the server's offer and the client's choice
// (docs/protocol.md §9).
//
// Everything here is trivially destructible (bit sets, optionals of enums, Result<> of those),
// so the tests need no fixtures.
#include <cstdint>
#include <optional>

#include "common/cipher_table.hpp"
#include "common/negotiation.hpp"
// Last: <cmocka.h> defines a fail() macro that would clash with digestmd5::fail.
#include "tests/cmocka.hpp"

namespace {

using digestmd5::choose;
using digestmd5::Choice;
using digestmd5::CipherId;
using digestmd5::CipherSet;
using digestmd5::Errc;
using digestmd5::make_offer;
using digestmd5::Qop;
using digestmd5::QopSet;
using digestmd5::SecurityProps;
using digestmd5::ssf_window;
using digestmd5::SsfWindow;

constexpr int kOk = -1;
constexpr int code(Errc e) noexcept { return static_cast<int>(e); }

constexpr QopSet qops(bool auth, bool integrity, bool conf) noexcept {
  QopSet s;
  if (auth) {
    s.add(Qop::Auth);
  }
  if (integrity) {
    s.add(Qop::AuthInt);
  }
  if (conf) {
    s.add(Qop::AuthConf);
  }
  return s;
}
constexpr QopSet kAllQops = qops(true, true, true);

constexpr CipherSet ciphers(std::initializer_list<CipherId> ids) noexcept {
  CipherSet s;
  for (const auto id : ids) {
    s.add(id);
  }
  return s;
}
constexpr CipherSet kAll = CipherSet::all();
constexpr CipherSet kNoAes = ciphers({CipherId::Rc4_40, CipherId::Rc4_56, CipherId::Rc4,
                                      CipherId::Des, CipherId::TripleDes});

constexpr SsfWindow window(unsigned require, unsigned limit) noexcept {
  return SsfWindow{require, limit};
}

// Outcome flattens a Result<Choice> into comparable integers:
// qop (1/2/4), cipher (index or -1) or the error code.
struct Outcome {
  int error = kOk;
  int qop = 0;
  int cipher = -1;
};
Outcome pick(SsfWindow w, QopSet offered_qops = kAllQops, CipherSet offered = kAll,
             CipherSet allowed = kAll) {
  const auto r = choose(w, offered_qops, offered, allowed);
  if (!r) {
    return {code(r.error().code), 0, -1};
  }
  return {kOk, static_cast<int>(r->qop), r->cipher ? static_cast<int>(*r->cipher) : -1};
}
constexpr int q(Qop x) noexcept { return static_cast<int>(x); }
constexpr int c(CipherId x) noexcept { return static_cast<int>(x); }

#define DMD5_ASSERT_PICK(outcome, want_qop, want_cipher) \
  do {                                                   \
    const Outcome o_ = (outcome);                        \
    assert_int_equal(o_.error, kOk);                     \
    assert_int_equal(o_.qop, (want_qop));                \
    assert_int_equal(o_.cipher, (want_cipher));          \
  } while (0)

#define DMD5_ASSERT_TOO_WEAK(outcome) assert_int_equal((outcome).error, code(Errc::TooWeak))

// -------------------------------------------------------------- ssf_window (docs/protocol.md §9.1)

void ssf_window_without_external_ssf(void** state) {
  (void)state;
  const auto w = ssf_window(SecurityProps{56, 128, 0, 65536});
  assert_int_equal(w.require, 56);
  assert_int_equal(w.limit, 128);
}

void ssf_window_subtracts_external_ssf(void** state) {
  (void)state;
  auto w = ssf_window(SecurityProps{56, 256, 56, 65536});
  assert_int_equal(w.require, 0);
  assert_int_equal(w.limit, 200);
  w = ssf_window(SecurityProps{112, 128, 40, 4096});
  assert_int_equal(w.require, 72);
  assert_int_equal(w.limit, 88);
}

void ssf_window_clamps_underflow_to_zero(void** state) {
  (void)state;
  auto w = ssf_window(SecurityProps{56, 128, 256, 65536});  // TLS stronger than anything
  assert_int_equal(w.require, 0);
  assert_int_equal(w.limit, 0);
  w = ssf_window(SecurityProps{1, 128, 64, 65536});
  assert_int_equal(w.require, 0);
  assert_int_equal(w.limit, 64);
  w = ssf_window(SecurityProps{128, 128, 128, 65536});
  assert_int_equal(w.require, 0);
  assert_int_equal(w.limit, 0);
}

void ssf_window_maxbufsize_zero_means_auth_only(void** state) {
  (void)state;
  auto w = ssf_window(SecurityProps{0, 256, 0, 0});
  assert_int_equal(w.require, 0);
  assert_int_equal(w.limit, 0);
  w = ssf_window(SecurityProps{56, 256, 0, 0});
  assert_int_equal(w.require, 0);
  assert_int_equal(w.limit, 0);
  const auto o = make_offer(w, kAll);
  assert_true(o.has_value());
  assert_true(o->qops == qops(true, false, false));
  assert_true(o->ciphers.empty());
}

void ssf_window_contains_is_inclusive(void** state) {
  (void)state;
  const auto w = window(41, 55);
  assert_false(w.contains(40));
  assert_true(w.contains(41));
  assert_true(w.contains(55));
  assert_false(w.contains(56));
}

// -------------------------------------------------------------- make_offer (docs/protocol.md §9.2)

// offer_ciphers returns the offered cipher set, or an empty one with `error` set.
struct OfferOutcome {
  int error = kOk;
  QopSet qops;
  CipherSet ciphers;
};
OfferOutcome offer(SsfWindow w, CipherSet allowed = kAll) {
  const auto r = make_offer(w, allowed);
  if (!r) {
    return {code(r.error().code), {}, {}};
  }
  return {kOk, r->qops, r->ciphers};
}

void make_offer_zero_window_is_auth_only(void** state) {
  (void)state;
  const auto o = offer(window(0, 0));
  assert_int_equal(o.error, kOk);
  assert_true(o.qops == qops(true, false, false));
  assert_true(o.ciphers.empty());
}

void make_offer_window_of_one_adds_auth_int(void** state) {
  (void)state;
  auto o = offer(window(0, 1));
  assert_int_equal(o.error, kOk);
  assert_true(o.qops == qops(true, true, false));
  o = offer(window(1, 1));
  assert_int_equal(o.error, kOk);
  assert_true(o.qops == qops(false, true, false));
  o = offer(window(0, 39));  // no cipher is that weak
  assert_int_equal(o.error, kOk);
  assert_true(o.qops == qops(true, true, false));
}

void make_offer_full_window_offers_everything(void** state) {
  (void)state;
  const auto o = offer(window(0, 256));
  assert_int_equal(o.error, kOk);
  assert_true(o.qops == kAllQops);
  assert_true(o.ciphers == kAll);
}

void make_offer_require_two_is_auth_conf_only(void** state) {
  (void)state;
  const auto o = offer(window(2, 128));
  assert_int_equal(o.error, kOk);
  assert_true(o.qops == qops(false, false, true));
  assert_true(o.ciphers == kAll);
}

void make_offer_picks_each_cipher_set(void** state) {
  (void)state;
  struct Row {
    unsigned require, limit;
    CipherSet want;
  };
  const Row rows[] = {
      {2, 40, ciphers({CipherId::Rc4_40})},
      {40, 54, ciphers({CipherId::Rc4_40})},
      {41, 55, ciphers({CipherId::Des})},
      {2, 55, ciphers({CipherId::Rc4_40, CipherId::Des})},
      {56, 56, ciphers({CipherId::Rc4_56})},
      {2, 56, ciphers({CipherId::Rc4_40, CipherId::Rc4_56, CipherId::Des})},
      {57, 112, ciphers({CipherId::TripleDes})},
      {56, 127, ciphers({CipherId::Rc4_56, CipherId::TripleDes})},
      {113, 128, ciphers({CipherId::Rc4, CipherId::AesCbc})},
      {112, 256, ciphers({CipherId::Rc4, CipherId::TripleDes, CipherId::AesCbc})},
  };
  for (const auto& row : rows) {
    const auto o = offer(window(row.require, row.limit));
    assert_int_equal(o.error, kOk);
    assert_true(o.qops == qops(false, false, true));
    assert_true(o.ciphers == row.want);
  }
}

void make_offer_too_weak_when_nothing_fits(void** state) {
  (void)state;
  assert_int_equal(offer(window(129, 256)).error, code(Errc::TooWeak));
  assert_int_equal(offer(window(2, 39)).error, code(Errc::TooWeak));
  assert_int_equal(offer(window(41, 54)).error, code(Errc::TooWeak));
  assert_int_equal(offer(window(57, 111)).error, code(Errc::TooWeak));
  assert_int_equal(offer(window(113, 127)).error, code(Errc::TooWeak));
  assert_int_equal(offer(window(2, 256), CipherSet{}).error, code(Errc::TooWeak));
  assert_int_equal(offer(window(113, 256), ciphers({CipherId::TripleDes})).error,
                   code(Errc::TooWeak));
}

void make_offer_allow_list_restricts_ciphers(void** state) {
  (void)state;
  const CipherSet allowed = ciphers({CipherId::AesCbc, CipherId::TripleDes, CipherId::Rc4});
  auto o = offer(window(0, 256), allowed);
  assert_int_equal(o.error, kOk);
  assert_true(o.qops == kAllQops);
  assert_true(o.ciphers == allowed);
  o = offer(window(0, 256), CipherSet{});  // nothing allowed: no auth-conf at all
  assert_int_equal(o.error, kOk);
  assert_true(o.qops == qops(true, true, false));
  assert_true(o.ciphers.empty());
}

// ---------------------------------------------------------------- choose (docs/protocol.md §9.3)

void choose_auth_for_zero_window(void** state) {
  (void)state;
  DMD5_ASSERT_PICK(pick(window(0, 0)), q(Qop::Auth), -1);
  DMD5_ASSERT_PICK(pick(window(0, 256), qops(true, false, false), CipherSet{}), q(Qop::Auth), -1);
}

void choose_auth_int_when_limit_is_one(void** state) {
  (void)state;
  DMD5_ASSERT_PICK(pick(window(0, 1)), q(Qop::AuthInt), -1);
  DMD5_ASSERT_PICK(pick(window(1, 1)), q(Qop::AuthInt), -1);
  // auth-conf not offered: auth-int is the best inside any window that contains 1.
  DMD5_ASSERT_PICK(pick(window(0, 256), qops(true, true, false), CipherSet{}), q(Qop::AuthInt),
                   -1);
  DMD5_ASSERT_PICK(pick(window(1, 128), qops(false, true, false)), q(Qop::AuthInt), -1);
  // No cipher is as weak as 39.
  DMD5_ASSERT_PICK(pick(window(0, 39)), q(Qop::AuthInt), -1);
}

void choose_rc4_40(void** state) {
  (void)state;
  for (unsigned limit = 40; limit <= 54; ++limit) {
    for (unsigned require = 0; require <= 40; ++require) {
      DMD5_ASSERT_PICK(pick(window(require, limit)), q(Qop::AuthConf), c(CipherId::Rc4_40));
    }
  }
}

void choose_des(void** state) {
  (void)state;
  for (unsigned require = 0; require <= 55; ++require) {
    DMD5_ASSERT_PICK(pick(window(require, 55)), q(Qop::AuthConf), c(CipherId::Des));
  }
}

void choose_rc4_56(void** state) {
  (void)state;
  for (unsigned limit = 56; limit <= 111; ++limit) {
    for (unsigned require = 0; require <= 56; require += 7) {
      DMD5_ASSERT_PICK(pick(window(require, limit)), q(Qop::AuthConf), c(CipherId::Rc4_56));
    }
    DMD5_ASSERT_PICK(pick(window(56, limit)), q(Qop::AuthConf), c(CipherId::Rc4_56));
  }
}

void choose_3des(void** state) {
  (void)state;
  for (unsigned limit = 112; limit <= 127; ++limit) {
    for (unsigned require = 57; require <= 112; ++require) {
      DMD5_ASSERT_PICK(pick(window(require, limit)), q(Qop::AuthConf), c(CipherId::TripleDes));
    }
    DMD5_ASSERT_PICK(pick(window(0, limit)), q(Qop::AuthConf), c(CipherId::TripleDes));
  }
}

void choose_rc4_without_aes(void** state) {
  (void)state;
  for (unsigned require = 113; require <= 128; ++require) {
    // aes-cbc not offered by the server.
    DMD5_ASSERT_PICK(pick(window(require, 128), kAllQops, kNoAes), q(Qop::AuthConf),
                     c(CipherId::Rc4));
    // aes-cbc offered but not allowed locally.
    DMD5_ASSERT_PICK(pick(window(require, 256), kAllQops, kAll, kNoAes), q(Qop::AuthConf),
                     c(CipherId::Rc4));
  }
  DMD5_ASSERT_PICK(pick(window(0, 128), kAllQops, kNoAes), q(Qop::AuthConf), c(CipherId::Rc4));
}

void choose_aes_cbc_beats_rc4_at_128(void** state) {
  (void)state;
  DMD5_ASSERT_PICK(pick(window(0, 128)), q(Qop::AuthConf), c(CipherId::AesCbc));
  DMD5_ASSERT_PICK(pick(window(128, 128)), q(Qop::AuthConf), c(CipherId::AesCbc));
  DMD5_ASSERT_PICK(pick(window(0, 256)), q(Qop::AuthConf), c(CipherId::AesCbc));
  DMD5_ASSERT_PICK(pick(window(0, 256), kAllQops, ciphers({CipherId::Rc4, CipherId::AesCbc})),
                   q(Qop::AuthConf), c(CipherId::AesCbc));
  DMD5_ASSERT_PICK(pick(window(0, 256), kAllQops, ciphers({CipherId::AesCbc})), q(Qop::AuthConf),
                   c(CipherId::AesCbc));
}

void choose_never_goes_below_require(void** state) {
  (void)state;
  const CipherSet weak = ciphers({CipherId::Rc4_40, CipherId::Rc4_56, CipherId::Des});
  DMD5_ASSERT_TOO_WEAK(pick(window(57, 256), kAllQops, weak));
  DMD5_ASSERT_TOO_WEAK(pick(window(113, 256), kAllQops, kAll, ciphers({CipherId::TripleDes})));
  DMD5_ASSERT_TOO_WEAK(pick(window(129, 256)));
  DMD5_ASSERT_TOO_WEAK(pick(window(2, 256), qops(true, true, false), kAll));
  DMD5_ASSERT_TOO_WEAK(pick(window(1, 256), qops(true, false, false), CipherSet{}));
  DMD5_ASSERT_TOO_WEAK(pick(window(41, 54)));
  // Every success stays inside the window.
  for (unsigned require = 0; require <= 130; ++require) {
    for (unsigned limit = require; limit <= 130; ++limit) {
      const auto r = choose(window(require, limit), kAllQops, kAll, kAll);
      if (r) {
        assert_true(r->ssf() >= require);
        assert_true(r->ssf() <= limit);
      }
    }
  }
}

void choose_falls_back_when_no_offered_cipher_is_usable(void** state) {
  (void)state;
  // auth-conf offered with only unknown ciphers (parsed to an empty set): act as if it had not
  // been offered (docs/protocol.md §3.1).
  DMD5_ASSERT_PICK(pick(window(0, 256), kAllQops, CipherSet{}), q(Qop::AuthInt), -1);
  DMD5_ASSERT_PICK(pick(window(0, 256), qops(true, false, true), CipherSet{}), q(Qop::Auth), -1);
  DMD5_ASSERT_TOO_WEAK(pick(window(2, 256), qops(false, false, true), CipherSet{}));
}

void choose_allow_list_restricts_choices(void** state) {
  (void)state;
  DMD5_ASSERT_PICK(pick(window(0, 256), kAllQops, kAll, ciphers({CipherId::TripleDes})),
                   q(Qop::AuthConf), c(CipherId::TripleDes));
  DMD5_ASSERT_PICK(pick(window(0, 256), kAllQops, kAll, ciphers({CipherId::Des, CipherId::Rc4_40})),
                   q(Qop::AuthConf), c(CipherId::Des));
  DMD5_ASSERT_PICK(pick(window(0, 256), kAllQops, kAll, CipherSet{}), q(Qop::AuthInt), -1);
  // Allowed but not offered does not count.
  DMD5_ASSERT_PICK(pick(window(0, 256), kAllQops, ciphers({CipherId::Rc4_40}),
                        ciphers({CipherId::AesCbc, CipherId::Rc4_40})),
                   q(Qop::AuthConf), c(CipherId::Rc4_40));
}

void choose_limit_at_most_one_never_picks_auth_conf(void** state) {
  (void)state;
  for (unsigned limit = 0; limit <= 1; ++limit) {
    for (unsigned require = 0; require <= 1; ++require) {
      const Outcome o = pick(window(require, limit));
      assert_int_not_equal(o.qop, q(Qop::AuthConf));
      assert_int_equal(o.cipher, -1);
    }
  }
  DMD5_ASSERT_TOO_WEAK(pick(window(0, 1), qops(false, false, true)));
  DMD5_ASSERT_TOO_WEAK(pick(window(2, 1)));  // an empty window
}

void choose_fails_when_auth_is_not_offered(void** state) {
  (void)state;
  DMD5_ASSERT_TOO_WEAK(pick(window(0, 0), qops(false, true, true)));
  DMD5_ASSERT_TOO_WEAK(pick(window(0, 0), qops(false, true, false), CipherSet{}));
}

void choose_agrees_with_make_offer(void** state) {
  (void)state;
  // Whatever the server offers for a window, a client with the same window picks from it.
  for (unsigned require = 0; require <= 130; require += 3) {
    for (unsigned limit = require; limit <= 130; limit += 2) {
      const auto o = make_offer(window(require, limit), kAll);
      if (!o) {
        assert_int_equal(o.error().code, Errc::TooWeak);
        continue;
      }
      const auto r = choose(window(require, limit), o->qops, o->ciphers, kAll);
      assert_true(r.has_value());
      assert_true(o->qops.has(r->qop));
      if (r->cipher) {
        assert_true(o->ciphers.has(*r->cipher));
      }
    }
  }
}

void choice_ssf_per_qop_and_cipher(void** state) {
  (void)state;
  assert_int_equal((Choice{Qop::Auth, std::nullopt}.ssf()), 0);
  assert_int_equal((Choice{Qop::AuthInt, std::nullopt}.ssf()), 1);
  assert_int_equal((Choice{Qop::AuthConf, CipherId::Rc4_40}.ssf()), 40);
  assert_int_equal((Choice{Qop::AuthConf, CipherId::Des}.ssf()), 55);
  assert_int_equal((Choice{Qop::AuthConf, CipherId::Rc4_56}.ssf()), 56);
  assert_int_equal((Choice{Qop::AuthConf, CipherId::TripleDes}.ssf()), 112);
  assert_int_equal((Choice{Qop::AuthConf, CipherId::Rc4}.ssf()), 128);
  assert_int_equal((Choice{Qop::AuthConf, CipherId::AesCbc}.ssf()), 128);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(ssf_window_without_external_ssf),
      cmocka_unit_test(ssf_window_subtracts_external_ssf),
      cmocka_unit_test(ssf_window_clamps_underflow_to_zero),
      cmocka_unit_test(ssf_window_maxbufsize_zero_means_auth_only),
      cmocka_unit_test(ssf_window_contains_is_inclusive),
      cmocka_unit_test(make_offer_zero_window_is_auth_only),
      cmocka_unit_test(make_offer_window_of_one_adds_auth_int),
      cmocka_unit_test(make_offer_full_window_offers_everything),
      cmocka_unit_test(make_offer_require_two_is_auth_conf_only),
      cmocka_unit_test(make_offer_picks_each_cipher_set),
      cmocka_unit_test(make_offer_too_weak_when_nothing_fits),
      cmocka_unit_test(make_offer_allow_list_restricts_ciphers),
      cmocka_unit_test(choose_auth_for_zero_window),
      cmocka_unit_test(choose_auth_int_when_limit_is_one),
      cmocka_unit_test(choose_rc4_40),
      cmocka_unit_test(choose_des),
      cmocka_unit_test(choose_rc4_56),
      cmocka_unit_test(choose_3des),
      cmocka_unit_test(choose_rc4_without_aes),
      cmocka_unit_test(choose_aes_cbc_beats_rc4_at_128),
      cmocka_unit_test(choose_never_goes_below_require),
      cmocka_unit_test(choose_falls_back_when_no_offered_cipher_is_usable),
      cmocka_unit_test(choose_allow_list_restricts_choices),
      cmocka_unit_test(choose_limit_at_most_one_never_picks_auth_conf),
      cmocka_unit_test(choose_fails_when_auth_is_not_offered),
      cmocka_unit_test(choose_agrees_with_make_offer),
      cmocka_unit_test(choice_ssf_per_qop_and_cipher),
  };
  return cmocka_run_group_tests_name("negotiation", tests, nullptr, nullptr);
}
