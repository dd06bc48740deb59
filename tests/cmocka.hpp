// SPDX-License-Identifier: BSD-3-Clause
// cmocka.hpp: the only include of <cmocka.h>, plus fixture and hex helpers for the C++ tests.
//
// CMocka reports a failed assert_* by longjmp()ing out of the test, which skips the destructors
// of the test's locals (undefined behaviour for non-trivial ones). So every test keeps objects
// that own memory in a fixture created by setup_fixture<> and destroyed by teardown_fixture<>,
// which CMocka runs even after a failure; test bodies hold only trivially destructible locals.
#pragma once

// <cmocka.h> needs these four first.
#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdint>

extern "C" {
#include <cmocka.h>  // 1.1.5 declares its API without extern "C"
}

#include <array>
#include <new>
#include <span>
#include <string_view>

namespace test_support {

// setup_fixture allocates a value-initialised F as the test state; it fails the test (before it
// runs) if the allocation fails.
template <typename F>
int setup_fixture(void** state) noexcept {
  *state = new (std::nothrow) F();
  return *state == nullptr ? -1 : 0;
}

// teardown_fixture destroys the state made by setup_fixture<F>.
template <typename F>
int teardown_fixture(void** state) noexcept {
  delete static_cast<F*>(*state);
  *state = nullptr;
  return 0;
}

template <typename F>
F& fixture(void** state) noexcept {
  return *static_cast<F*>(*state);
}

// Hex is a fixed-capacity, trivially destructible text buffer, so a test can pass its contents
// to assert_string_equal without owning heap memory.
inline constexpr std::size_t kHexMaxBytes = 1024;
struct Hex {
  std::array<char, 2 * kHexMaxBytes + 1> text;
  [[nodiscard]] const char* c_str() const noexcept { return text.data(); }
};

// hex renders `bytes` as lower-case hex ("<too long>" beyond kHexMaxBytes).
inline Hex hex(std::span<const std::uint8_t> bytes) noexcept {
  static constexpr char kDigits[] = "0123456789abcdef";
  Hex h{};
  if (bytes.size() > kHexMaxBytes) {
    constexpr std::string_view kTooLong = "<too long>";
    kTooLong.copy(h.text.data(), kTooLong.size());
    return h;
  }
  std::size_t o = 0;
  for (const std::uint8_t b : bytes) {
    h.text[o++] = kDigits[b >> 4];
    h.text[o++] = kDigits[b & 15];
  }
  h.text[o] = '\0';
  return h;
}

inline Hex hex(std::string_view text) noexcept {
  return hex(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()),
                                           text.size()));
}

// Copy a bounded string into a trivially destructible buffer (for assert_string_equal on
// values a helper computed and then destroyed).
inline constexpr std::size_t kTextMax = 4096;
struct Text {
  std::array<char, kTextMax + 1> text;
  [[nodiscard]] const char* c_str() const noexcept { return text.data(); }
};
inline Text text(std::string_view s) noexcept {
  Text t{};
  const std::size_t n = s.size() < kTextMax ? s.size() : kTextMax;
  s.copy(t.text.data(), n);
  t.text[n] = '\0';
  return t;
}

}  // namespace test_support

// DMD5_TEST registers `fn` with a fresh fixture of type `F` for every run.
#define DMD5_TEST(fn, F) \
  cmocka_unit_test_setup_teardown(fn, test_support::setup_fixture<F>, \
                                  test_support::teardown_fixture<F>)
