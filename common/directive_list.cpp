// SPDX-License-Identifier: BSD-3-Clause
// directive_list.cpp: lexer and writer for RFC 2831 directive lists.
#include "common/directive_list.hpp"

#include <array>
#include <string_view>

namespace digestmd5 {
namespace {

constexpr bool is_lws(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

constexpr bool is_ctl(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u < 32 || u == 127;
}

constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Cursor is a forward-only reader over the input; it never reads past the end.
class Cursor {
 public:
  explicit Cursor(std::string_view input) noexcept : m_rest(input) {}
  [[nodiscard]] bool at_end() const noexcept { return m_rest.empty(); }
  [[nodiscard]] char peek() const noexcept { return m_rest.front(); }
  void advance() noexcept { m_rest.remove_prefix(1); }
  void skip_lws() noexcept {
    while (!m_rest.empty() && is_lws(m_rest.front())) {
      m_rest.remove_prefix(1);
    }
  }
  [[nodiscard]] bool consume(char c) noexcept {
    if (m_rest.empty() || m_rest.front() != c) {
      return false;
    }
    m_rest.remove_prefix(1);
    return true;
  }
  template <typename Pred>
  std::string_view take_while(Pred pred) noexcept {
    std::size_t n = 0;
    while (n < m_rest.size() && pred(m_rest[n])) {
      ++n;
    }
    const auto taken = m_rest.substr(0, n);
    m_rest.remove_prefix(n);
    return taken;
  }

 private:
  std::string_view m_rest;
};

// An unquoted value: RFC 2616 token, widened to the octets real peers send unquoted
// (e.g. '/' and '=' in base64); it stops at LWS, ',' and '"'.
constexpr bool is_bare_value_char(char c) noexcept {
  return !is_ctl(c) && c != ' ' && c != ',' && c != '"' && c != '\\';
}

Error syntax(std::string_view what) noexcept { return fail(Errc::BadProtocol, what); }

// is_plain_quoted_char tells whether `c` stands for itself inside a quoted string.
constexpr bool is_plain_quoted_char(char c) noexcept {
  return c != '"' && c != '\\' && (!is_ctl(c) || is_lws(c));
}

// read_quoted reads after the opening '"' up to the closing one, undoing quoted-pairs. Runs of
// plain characters are appended at once.
Status read_quoted(Cursor& in, std::string& out) {
  for (;;) {
    const auto run = in.take_while(is_plain_quoted_char);
    if (out.size() + run.size() > kMaxValueLength) {
      return syntax("directive value too long");
    }
    out.append(run);
    if (in.at_end()) {
      return syntax("unterminated quoted string");
    }
    char c = in.peek();
    in.advance();
    if (c == '"') {
      return {};
    }
    if (c == '\\') {
      if (in.at_end()) {
        return syntax("unterminated quoted string");
      }
      c = in.peek();
      in.advance();
    }
    if (is_ctl(c) && !is_lws(c)) {
      return syntax("control character in quoted string");
    }
    if (out.size() >= kMaxValueLength) {
      return syntax("directive value too long");
    }
    out.push_back(c);
  }
}

}  // namespace

bool is_token_char(char c) noexcept {
  // RFC 2616 token: any CHAR except CTLs, SP and separators (one table lookup per character).
  static constexpr auto kTokenChars = [] {
    std::array<bool, 256> table{};
    for (std::size_t i = 33; i < 127; ++i) {
      table[i] = true;
    }
    for (const char sep : std::string_view("()<>@,;:\\\"/[]?={}")) {
      table[static_cast<unsigned char>(sep)] = false;
    }
    return table;
  }();
  return kTokenChars[static_cast<unsigned char>(c)];
}

std::string_view trim_lws(std::string_view s) noexcept {
  while (!s.empty() && is_lws(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_lws(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

bool is_sendable_quoted(std::string_view value) noexcept {
  if (value.size() > kMaxValueLength) {
    return false;
  }
  for (const char c : value) {
    if (is_ctl(c) && !is_lws(c)) {
      return false;
    }
  }
  return true;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) {
      return false;
    }
  }
  return true;
}

namespace {

// read_value reads a directive's value after its '=': a quoted string or a bare value.
Status read_value(Cursor& in, Directive& d) {
  if (in.consume('"')) {
    d.quoted = true;
    return read_quoted(in, d.value);
  }
  const auto bare = in.take_while(is_bare_value_char);
  if (bare.empty()) {
    return syntax("expected a directive value");
  }
  if (bare.size() > kMaxValueLength) {
    return syntax("directive value too long");
  }
  d.value = std::string(bare);
  return {};
}

// read_directive reads one name=value element.
Status read_directive(Cursor& in, Directive& d) {
  d.name = std::string(in.take_while(is_token_char));
  if (d.name.empty()) {
    return syntax("expected a directive name");
  }
  in.skip_lws();
  if (!in.consume('=')) {
    return syntax("expected '=' after a directive name");
  }
  in.skip_lws();
  return read_value(in, d);
}

// skip_empty_elements passes LWS and the commas of empty elements (",,", a leading or trailing
// comma), which are allowed and do not count.
void skip_empty_elements(Cursor& in) noexcept {
  in.skip_lws();
  while (in.consume(',')) {
    in.skip_lws();
  }
}

}  // namespace

Result<std::vector<Directive>> parse_directive_list(std::string_view input,
                                                    std::size_t size_limit) {
  if (input.size() > size_limit) {
    return fail(Errc::TooLong, "message exceeds the size limit");
  }
  if (input.find('\0') != std::string_view::npos) {
    return syntax("NUL octet in message");
  }
  std::vector<Directive> list;
  list.reserve(16);  // a response has about 11 elements
  Cursor in(input);
  for (skip_empty_elements(in); !in.at_end(); skip_empty_elements(in)) {
    Directive d;
    if (const auto st = read_directive(in, d); !st) {
      return st.error();
    }
    if (list.size() >= kMaxDirectives) {
      return syntax("too many directives");
    }
    list.push_back(std::move(d));
    in.skip_lws();
    if (!in.at_end() && !in.consume(',')) {
      return syntax("expected ',' between directives");
    }
  }
  return list;
}

void DirectiveWriter::begin(std::string_view name) {
  if (!m_out.empty()) {
    m_out.push_back(',');
  }
  m_out.append(name);
  m_out.push_back('=');
}

DirectiveWriter& DirectiveWriter::quoted(std::string_view name, std::string_view value) {
  begin(name);
  m_out.push_back('"');
  for (;;) {
    std::size_t plain = 0;  // (find_first_of would call memchr once per character)
    while (plain < value.size() && value[plain] != '"' && value[plain] != '\\') {
      ++plain;
    }
    m_out.append(value.substr(0, plain));
    if (plain == value.size()) {
      break;
    }
    m_out.push_back('\\');
    m_out.push_back(value[plain]);
    value.remove_prefix(plain + 1);
  }
  m_out.push_back('"');
  return *this;
}

DirectiveWriter& DirectiveWriter::token(std::string_view name, std::string_view value) {
  begin(name);
  m_out.append(value);
  return *this;
}

}  // namespace digestmd5
