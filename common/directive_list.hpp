// SPDX-License-Identifier: BSD-3-Clause
// directive_list.hpp: the RFC 2831 #rule lexer and the one writer that quotes and joins.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/errc.hpp"

namespace digestmd5 {

// Limits of our own (docs/protocol.md §2 receiver rule 6), on top of the RFC's message-size limits.
inline constexpr std::size_t kMaxDirectives = 64;
inline constexpr std::size_t kMaxValueLength = 1024;

// Directive is one name=value element. `value` is the unquoted, unescaped value.
struct Directive {
  std::string name;  // as received (compare with iequals)
  std::string value;
  bool quoted = false;
};

// parse_directive_list lexes `input` into its non-empty elements. It fails with Errc::TooLong
// if input.size() > size_limit, and with Errc::BadProtocol on a NUL octet, a syntax error, more
// than kMaxDirectives elements or a value longer than kMaxValueLength. It never returns a partial
// list and never reads past `input`.
Result<std::vector<Directive>> parse_directive_list(std::string_view input, std::size_t size_limit);

// iequals compares two ASCII strings case-insensitively, independent of the locale.
bool iequals(std::string_view a, std::string_view b) noexcept;

// trim_lws removes LWS (SP, HT, CR, LF) from both ends of `s`.
std::string_view trim_lws(std::string_view s) noexcept;

// for_each_list_item calls fn on each non-empty, LWS-trimmed element of a "a, b,c" value.
template <typename Fn>
void for_each_list_item(std::string_view list, Fn fn) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto item = trim_lws(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (!item.empty()) {
      fn(item);
    }
  }
}

// is_token_char tells whether `c` may appear in an RFC 2616 token.
bool is_token_char(char c) noexcept;

// is_sendable_quoted tells whether `value`, written as a quoted string, is one our own lexer
// accepts: at most kMaxValueLength octets and no control character other than LWS.
bool is_sendable_quoted(std::string_view value) noexcept;

// DirectiveWriter builds a directive list: no spaces, "," between elements, and inside
// quoted strings only '"' and '\' are escaped (docs/protocol.md §2, emitter rules).
class DirectiveWriter {
 public:
  DirectiveWriter& quoted(std::string_view name, std::string_view value);
  DirectiveWriter& token(std::string_view name, std::string_view value);
  [[nodiscard]] const std::string& str() const noexcept { return m_out; }
  [[nodiscard]] std::string take() noexcept { return std::move(m_out); }

 private:
  void begin(std::string_view name);
  std::string m_out;
};

}  // namespace digestmd5
