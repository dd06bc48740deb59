// SPDX-License-Identifier: BSD-3-Clause
// value_syntax.hpp: the value syntaxes directives share (decimal numbers, nc, 32-hex digests)
// and the maxbuf range (docs/protocol.md §2, §4.1, §7.6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace digestmd5 {

// maxbuf range, docs/protocol.md §7.6: 17..16777215; 65536 when absent.
inline constexpr std::uint32_t kMinMaxbuf = 17;
inline constexpr std::uint32_t kMaxMaxbuf = 16777215;
inline constexpr std::uint32_t kDefaultMaxbuf = 65536;

// parse_decimal reads 1..10 ASCII digits (no sign, no spaces) without overflow.
std::optional<std::uint64_t> parse_decimal(std::string_view s) noexcept;
// parse_nc reads exactly 8 lower-case hex digits.
std::optional<std::uint32_t> parse_nc(std::string_view s) noexcept;
// is_lower_hex_of tells whether `s` is exactly `length` lower-case hex digits.
bool is_lower_hex_of(std::string_view s, std::size_t length) noexcept;
// is_lower_hex32 tells whether `s` is exactly 32 lower-case hex digits.
bool is_lower_hex32(std::string_view s) noexcept;
// format_nc prints `nc` as "%08x".
std::string format_nc(std::uint32_t nc);

// parse_maxbuf reads a maxbuf value: a decimal number in kMinMaxbuf..kMaxMaxbuf.
std::optional<std::uint32_t> parse_maxbuf(std::string_view s) noexcept;

}  // namespace digestmd5
