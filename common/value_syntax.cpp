// SPDX-License-Identifier: BSD-3-Clause
// value_syntax.cpp: numbers, nc values and hex digests as they appear in directive values.
#include "common/value_syntax.hpp"

namespace digestmd5 {
namespace {

constexpr bool is_lower_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

}  // namespace

std::optional<std::uint64_t> parse_decimal(std::string_view s) noexcept {
  if (s.empty() || s.size() > 10) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

std::optional<std::uint32_t> parse_nc(std::string_view s) noexcept {
  if (s.size() != 8) {
    return std::nullopt;
  }
  std::uint32_t v = 0;
  for (const char c : s) {
    if (!is_lower_hex(c)) {
      return std::nullopt;
    }
    const auto digit = static_cast<std::uint32_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    v = (v << 4) | digit;
  }
  return v;
}

bool is_lower_hex_of(std::string_view s, std::size_t length) noexcept {
  if (s.size() != length) {
    return false;
  }
  for (const char c : s) {
    if (!is_lower_hex(c)) {
      return false;
    }
  }
  return true;
}

bool is_lower_hex32(std::string_view s) noexcept { return is_lower_hex_of(s, 32); }

std::string format_nc(std::uint32_t nc) {
  static constexpr char kDigits[] = "0123456789abcdef";  // 8 lower-case hex digits
  std::string out(8, '0');
  for (std::size_t i = 8; i-- > 0; nc >>= 4) {
    out[i] = kDigits[nc & 15];
  }
  return out;
}

std::optional<std::uint32_t> parse_maxbuf(std::string_view s) noexcept {
  const auto v = parse_decimal(s);
  if (!v || *v < kMinMaxbuf || *v > kMaxMaxbuf) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(*v);
}

}  // namespace digestmd5
