// SPDX-License-Identifier: BSD-3-Clause
// core_fixture.hpp: what the core's unit tests share: one Crypto per test process, a fixture
// set-up that fills a `crypto` member, and assert_errc for results that must fail one way.
#pragma once

#include <memory>

#include "common/crypto.hpp"
#include "common/errc.hpp"
#include "tests/cmocka.hpp"

namespace test_support {

// shared_crypto is created once per process (OpenSSL's library context and providers).
inline std::shared_ptr<const digestmd5::Crypto> shared_crypto() {
  static const auto crypto = [] {
    auto made = digestmd5::Crypto::create();
    return made ? *made : nullptr;
  }();
  return crypto;
}

// setup_with_crypto creates fixture F (which has a `crypto` member) and gives it the shared
// Crypto; the test does not run without one.
template <typename F>
int setup_with_crypto(void** state) noexcept {
  if (setup_fixture<F>(state) != 0) {
    return -1;
  }
  fixture<F>(state).crypto = shared_crypto();
  return fixture<F>(state).crypto ? 0 : -1;
}

// CryptoOnly is the fixture of tests that need nothing but the Crypto.
struct CryptoOnly {
  std::shared_ptr<const digestmd5::Crypto> crypto;
};
inline int setup_crypto_only(void** state) noexcept { return setup_with_crypto<CryptoOnly>(state); }

// errc_of returns the code a failed Result/Status carries, or -1 when it succeeded.
template <typename R>
int errc_of(const R& r) noexcept {
  return r ? -1 : static_cast<int>(r.error().code);
}

}  // namespace test_support

// assert_errc(result, Errc::X): `result` failed, with exactly that code.
#define assert_errc(result, expected) \
  assert_int_equal(test_support::errc_of(result), static_cast<int>(expected))
