// SPDX-License-Identifier: BSD-3-Clause
// test_directive_list.cpp: the RFC 2831 #rule lexer (docs/protocol.md §2 lexical rules) and
// DirectiveWriter.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/directive_list.hpp"
// Last: <cmocka.h> defines a fail() macro that would clash with digestmd5::fail.
#include "tests/cmocka.hpp"

namespace {

using digestmd5::Directive;
using digestmd5::DirectiveWriter;
using digestmd5::Errc;
using digestmd5::iequals;
using digestmd5::is_token_char;
using digestmd5::kMaxDirectives;
using digestmd5::kMaxValueLength;
using digestmd5::parse_directive_list;
using test_support::fixture;

constexpr int kOk = -1;
constexpr int code(Errc e) noexcept { return static_cast<int>(e); }
constexpr std::size_t kLimit = 4096;

// Everything that owns memory lives here (see cmocka.hpp).
struct Fx {
  std::vector<Directive> list;
  std::string input;
  std::string written;
};

// lex parses `input` into fx.list and returns kOk or the error code.
int lex(Fx& fx, std::string_view input, std::size_t limit = kLimit) {
  fx.list.clear();
  auto r = parse_directive_list(input, limit);
  if (!r) {
    return code(r.error().code);
  }
  fx.list = std::move(*r);
  return kOk;
}

// status only tells whether `input` lexes.
int status(std::string_view input, std::size_t limit = kLimit) {
  const auto r = parse_directive_list(input, limit);
  return r ? kOk : code(r.error().code);
}

// round_trip writes one quoted directive with `value`, lexes it back and reports whether the
// value survived unchanged (and was marked quoted).
bool round_trip(Fx& fx, std::string_view value) {
  fx.written = DirectiveWriter().quoted("v", value).take();
  if (lex(fx, fx.written) != kOk || fx.list.size() != 1) {
    return false;
  }
  return fx.list[0].name == "v" && fx.list[0].value == value && fx.list[0].quoted;
}

#define DMD5_ASSERT_DIRECTIVE(fx, i, n, v, q)                       \
  do {                                                         \
    assert_true((i) < (fx).list.size());                       \
    assert_string_equal((fx).list[i].name.c_str(), (n));       \
    assert_int_equal((fx).list[i].value.size(), std::string_view(v).size()); \
    assert_memory_equal((fx).list[i].value.data(), std::string_view(v).data(), \
                        std::string_view(v).size());           \
    assert_int_equal((fx).list[i].quoted, (q));                \
  } while (0)

void directive_list_parses_token_and_quoted_values(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(lex(fx, "a=1,b=\"two\",c=md5-sess"), kOk);
  assert_int_equal(fx.list.size(), 3);
  DMD5_ASSERT_DIRECTIVE(fx, 0, "a", "1", false);
  DMD5_ASSERT_DIRECTIVE(fx, 1, "b", "two", true);
  DMD5_ASSERT_DIRECTIVE(fx, 2, "c", "md5-sess", false);
}

void directive_list_keeps_order_case_and_repeats(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(lex(fx, "ReAlm=\"a\",realm=\"b\",REALM=c"), kOk);
  assert_int_equal(fx.list.size(), 3);
  DMD5_ASSERT_DIRECTIVE(fx, 0, "ReAlm", "a", true);
  DMD5_ASSERT_DIRECTIVE(fx, 1, "realm", "b", true);
  DMD5_ASSERT_DIRECTIVE(fx, 2, "REALM", "c", false);
}

void directive_list_allows_lws_around_names_equals_values_and_commas(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(lex(fx, " \t a \t = \t 1 \t , \t b\t=\t\"x\"\t "), kOk);
  assert_int_equal(fx.list.size(), 2);
  DMD5_ASSERT_DIRECTIVE(fx, 0, "a", "1", false);
  DMD5_ASSERT_DIRECTIVE(fx, 1, "b", "x", true);
}

void directive_list_allows_crlf_folding(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(lex(fx, "\r\n nonce\r\n =\r\n\t\"abc\"\r\n ,\r\n qop=auth\r\n"), kOk);
  assert_int_equal(fx.list.size(), 2);
  DMD5_ASSERT_DIRECTIVE(fx, 0, "nonce", "abc", true);
  DMD5_ASSERT_DIRECTIVE(fx, 1, "qop", "auth", false);
  // Bare CR and LF are LWS too (docs/protocol.md §2 lists SP, HT, CR, LF).
  assert_int_equal(lex(fx, "a=1\n,\rb=2"), kOk);
  assert_int_equal(fx.list.size(), 2);
}

void directive_list_skips_empty_elements(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(lex(fx, "a=1,,b=2"), kOk);
  assert_int_equal(fx.list.size(), 2);
  DMD5_ASSERT_DIRECTIVE(fx, 1, "b", "2", false);
  assert_int_equal(lex(fx, ",,,a=1"), kOk);
  assert_int_equal(fx.list.size(), 1);
  assert_int_equal(lex(fx, "a=1,,,"), kOk);
  assert_int_equal(fx.list.size(), 1);
  assert_int_equal(lex(fx, " , a=1 , , b=2 , "), kOk);
  assert_int_equal(fx.list.size(), 2);
  assert_int_equal(lex(fx, ","), kOk);
  assert_int_equal(fx.list.size(), 0);
  assert_int_equal(lex(fx, " \r\n, ,\t"), kOk);
  assert_int_equal(fx.list.size(), 0);
  assert_int_equal(lex(fx, ""), kOk);
  assert_int_equal(fx.list.size(), 0);
}

void directive_list_unescapes_quoted_pairs(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(lex(fx, R"(a="x\"y\\z")"), kOk);
  DMD5_ASSERT_DIRECTIVE(fx, 0, "a", R"(x"y\z)", true);
  // A quoted-pair of an ordinary character stands for that character.
  assert_int_equal(lex(fx, R"(a="\a\b\,")"), kOk);
  DMD5_ASSERT_DIRECTIVE(fx, 0, "a", "ab,", true);
  assert_int_equal(lex(fx, R"(a="\\\\",b="\"")"), kOk);
  DMD5_ASSERT_DIRECTIVE(fx, 0, "a", R"(\\)", true);
  DMD5_ASSERT_DIRECTIVE(fx, 1, "b", "\"", true);
}

void directive_list_accepts_empty_quoted_value(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(lex(fx, "a=\"\",b=\"\""), kOk);
  assert_int_equal(fx.list.size(), 2);
  DMD5_ASSERT_DIRECTIVE(fx, 0, "a", "", true);
  DMD5_ASSERT_DIRECTIVE(fx, 1, "b", "", true);
}

void directive_list_keeps_lws_inside_quotes(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(lex(fx, "a=\" x\t y \",b=\"l1\r\n l2\""), kOk);
  DMD5_ASSERT_DIRECTIVE(fx, 0, "a", " x\t y ", true);
  DMD5_ASSERT_DIRECTIVE(fx, 1, "b", "l1\r\n l2", true);
  // Separators inside quotes are data.
  assert_int_equal(lex(fx, R"(a=",=;()<>@")"), kOk);
  assert_int_equal(fx.list.size(), 1);
  DMD5_ASSERT_DIRECTIVE(fx, 0, "a", ",=;()<>@", true);
}

void directive_list_keeps_utf8_octets_in_quoted_strings(void** state) {
  auto& fx = fixture<Fx>(state);
  // "é" = c3 a9, "日" = e6 97 a5, plus a lone 0xff octet.
  assert_int_equal(lex(fx, "realm=\"s\xc3\xa9" "cret \xe6\x97\xa5\xff\""), kOk);
  DMD5_ASSERT_DIRECTIVE(fx, 0, "realm", "s\xc3\xa9" "cret \xe6\x97\xa5\xff", true);
}

void directive_list_accepts_base64_octets_in_bare_values(void** state) {
  auto& fx = fixture<Fx>(state);
  // The lexer widens unquoted values to what peers send unquoted, e.g. base64 with '/' and '='.
  assert_int_equal(lex(fx, "nonce=ab/+cd==,x=1"), kOk);
  DMD5_ASSERT_DIRECTIVE(fx, 0, "nonce", "ab/+cd==", false);
  DMD5_ASSERT_DIRECTIVE(fx, 1, "x", "1", false);
}

void directive_list_rejects_unterminated_quote(void** state) {
  (void)state;
  assert_int_equal(status("a=\"abc"), code(Errc::BadProtocol));
  assert_int_equal(status("a=\""), code(Errc::BadProtocol));
  assert_int_equal(status(R"(a="abc\")"), code(Errc::BadProtocol));  // escaped closing quote
  assert_int_equal(status(R"(a="abc\)"), code(Errc::BadProtocol));   // backslash at the end
  assert_int_equal(status("a=1,b=\"x,c=2"), code(Errc::BadProtocol));
}

void directive_list_rejects_nul_octet_anywhere(void** state) {
  (void)state;
  using namespace std::string_view_literals;
  assert_int_equal(status("\0a=1"sv), code(Errc::BadProtocol));
  assert_int_equal(status("a\0=1"sv), code(Errc::BadProtocol));
  assert_int_equal(status("a=\0"sv), code(Errc::BadProtocol));
  assert_int_equal(status("a=1\0"sv), code(Errc::BadProtocol));
  assert_int_equal(status("a=\"x\0y\""sv), code(Errc::BadProtocol));
  assert_int_equal(status("a=\"x\\\0y\""sv), code(Errc::BadProtocol));
  assert_int_equal(status("a=1,\0,b=2"sv), code(Errc::BadProtocol));
  assert_int_equal(status("a=1 \0"sv), code(Errc::BadProtocol));
  assert_int_equal(status("\0"sv), code(Errc::BadProtocol));
}

void directive_list_rejects_ctl_in_quoted_string(void** state) {
  (void)state;
  assert_int_equal(status("a=\"x\x01y\""), code(Errc::BadProtocol));
  assert_int_equal(status("a=\"x\x1fy\""), code(Errc::BadProtocol));
  assert_int_equal(status("a=\"x\x7fy\""), code(Errc::BadProtocol));
  assert_int_equal(status("a=\"\x1b\""), code(Errc::BadProtocol));
  // HT, CR and LF are the CTLs that are LWS, so they are allowed.
  assert_int_equal(status("a=\"\t\r\n\""), kOk);
}

void directive_list_rejects_ctl_in_names_and_bare_values(void** state) {
  (void)state;
  assert_int_equal(status("a=x\x01y"), code(Errc::BadProtocol));
  assert_int_equal(status("a=x\x7f"), code(Errc::BadProtocol));
  assert_int_equal(status("a\x01=1"), code(Errc::BadProtocol));
  assert_int_equal(status("\x7f" "a=1"), code(Errc::BadProtocol));
}

void directive_list_rejects_missing_equals(void** state) {
  (void)state;
  assert_int_equal(status("a"), code(Errc::BadProtocol));
  assert_int_equal(status("a,b=1"), code(Errc::BadProtocol));
  assert_int_equal(status("a b=1"), code(Errc::BadProtocol));
  assert_int_equal(status("a\"x\""), code(Errc::BadProtocol));
  assert_int_equal(status("b=1,a"), code(Errc::BadProtocol));
  assert_int_equal(status("a:1"), code(Errc::BadProtocol));
}

void directive_list_rejects_missing_value(void** state) {
  (void)state;
  assert_int_equal(status("a="), code(Errc::BadProtocol));
  assert_int_equal(status("a=,b=1"), code(Errc::BadProtocol));
  assert_int_equal(status("a= ,b=1"), code(Errc::BadProtocol));
  assert_int_equal(status("a=\r\n"), code(Errc::BadProtocol));
  assert_int_equal(status("b=1,a="), code(Errc::BadProtocol));
}

void directive_list_rejects_missing_name(void** state) {
  (void)state;
  assert_int_equal(status("=1"), code(Errc::BadProtocol));
  assert_int_equal(status("a=1,=2"), code(Errc::BadProtocol));
  assert_int_equal(status("\"a\"=1"), code(Errc::BadProtocol));
}

void directive_list_rejects_separators_in_names(void** state) {
  (void)state;
  assert_int_equal(status("a@b=1"), code(Errc::BadProtocol));
  assert_int_equal(status("(a)=1"), code(Errc::BadProtocol));
  assert_int_equal(status("a/b=1"), code(Errc::BadProtocol));
  assert_int_equal(status("n\xc3\xa9=1"), code(Errc::BadProtocol));  // octets >= 0x80
}

void directive_list_rejects_bad_separators(void** state) {
  (void)state;
  assert_int_equal(status("a=\"1\";b=2"), code(Errc::BadProtocol));
  assert_int_equal(status("a=1 ;b=2"), code(Errc::BadProtocol));
  assert_int_equal(status("a=1\t\"b\""), code(Errc::BadProtocol));
  assert_int_equal(status("a=1 b=2"), code(Errc::BadProtocol));
  assert_int_equal(status("a=\"x\"b=2"), code(Errc::BadProtocol));
  assert_int_equal(status("a=\"x\" b=2"), code(Errc::BadProtocol));
  assert_int_equal(status("a=\"x\"\"y\""), code(Errc::BadProtocol));
  assert_int_equal(status("a=x\"y\""), code(Errc::BadProtocol));
  assert_int_equal(status("a=x\\y"), code(Errc::BadProtocol));
}

void directive_list_size_limit_is_inclusive(void** state) {
  auto& fx = fixture<Fx>(state);
  // Exactly the limit passes (Cyrus uses '>'); one octet more is TooLong.
  fx.input = "a=1";
  fx.input.append(2048 - fx.input.size(), ' ');
  assert_int_equal(fx.input.size(), 2048);
  assert_int_equal(status(fx.input, 2048), kOk);
  fx.input.push_back(' ');
  assert_int_equal(status(fx.input, 2048), code(Errc::TooLong));
  // The size check comes first: even a NUL beyond the limit reports TooLong.
  fx.input.back() = '\0';
  assert_int_equal(status(fx.input, 2048), code(Errc::TooLong));
  fx.input.assign(4096, ',');
  assert_int_equal(status(fx.input, 4096), kOk);
  fx.input.push_back(',');
  assert_int_equal(status(fx.input, 4096), code(Errc::TooLong));
  assert_int_equal(status("", 0), kOk);
  assert_int_equal(status(",", 0), code(Errc::TooLong));
}

void directive_list_rejects_more_than_64_directives(void** state) {
  auto& fx = fixture<Fx>(state);
  fx.input.clear();
  for (std::size_t i = 0; i < kMaxDirectives; ++i) {
    fx.input += "a=1,,";  // empty elements do not count
  }
  assert_int_equal(lex(fx, fx.input), kOk);
  assert_int_equal(fx.list.size(), 64);
  fx.input += "b=2";
  assert_int_equal(status(fx.input), code(Errc::BadProtocol));
}

void directive_list_rejects_value_longer_than_1024(void** state) {
  auto& fx = fixture<Fx>(state);
  static_assert(kMaxValueLength == 1024);
  fx.input = "a=\"" + std::string(1024, 'x') + "\"";
  assert_int_equal(lex(fx, fx.input), kOk);
  assert_int_equal(fx.list[0].value.size(), 1024);
  fx.input = "a=\"" + std::string(1025, 'x') + "\"";
  assert_int_equal(status(fx.input), code(Errc::BadProtocol));
  fx.input = "a=" + std::string(1024, 'x');
  assert_int_equal(status(fx.input), kOk);
  fx.input = "a=" + std::string(1025, 'x');
  assert_int_equal(status(fx.input), code(Errc::BadProtocol));
  // The cap is on the unescaped value: 1024 escaped quotes are 2048 octets on the wire.
  fx.input = "a=\"";
  for (int i = 0; i < 1024; ++i) {
    fx.input += "\\\"";
  }
  fx.input += "\"";
  fx.written.assign(1024, '"');
  assert_int_equal(lex(fx, fx.input), kOk);
  assert_true(fx.list[0].value == fx.written);
  fx.input.insert(3, "\\\\");
  assert_int_equal(status(fx.input), code(Errc::BadProtocol));
}

void directive_list_iequals_is_ascii_case_insensitive(void** state) {
  (void)state;
  assert_true(iequals("md5-sess", "MD5-sess"));
  assert_true(iequals("UTF-8", "utf-8"));
  assert_true(iequals("AUTH-CONF", "auth-conf"));
  assert_true(iequals("", ""));
  assert_false(iequals("auth", "auth-int"));
  assert_false(iequals("auth", "aut"));
  assert_false(iequals("auth", ""));
  // Only A-Z fold: '[' / '{' and '@' / '`' differ by 0x20 but are not letters.
  assert_false(iequals("[", "{"));
  assert_false(iequals("@", "`"));
  assert_false(iequals("^", "~"));
  // ISO-8859-1 'É' (0xc9) and 'é' (0xe9) are not folded.
  assert_false(iequals("\xc9", "\xe9"));
}

void directive_list_is_token_char_follows_rfc2616(void** state) {
  (void)state;
  for (const char c : std::string_view("azAZ09-_.!#$%&'*+^`|~")) {
    assert_true(is_token_char(c));
  }
  for (const char c : std::string_view("()<>@,;:\\\"/[]?={} \t")) {
    assert_false(is_token_char(c));
  }
  assert_false(is_token_char('\0'));
  assert_false(is_token_char('\x1f'));
  assert_false(is_token_char('\x7f'));
  assert_false(is_token_char('\x80'));
  assert_false(is_token_char('\xff'));
}

void directive_writer_joins_without_spaces(void** state) {
  auto& fx = fixture<Fx>(state);
  fx.written = DirectiveWriter().quoted("nonce", "abc").token("nc", "00000001").quoted("e", "").take();
  assert_string_equal(fx.written.c_str(), "nonce=\"abc\",nc=00000001,e=\"\"");
  fx.written = DirectiveWriter().token("rspauth", "x").take();
  assert_string_equal(fx.written.c_str(), "rspauth=x");
  fx.written = DirectiveWriter().take();
  assert_string_equal(fx.written.c_str(), "");
}

void directive_writer_escapes_only_quote_and_backslash(void** state) {
  auto& fx = fixture<Fx>(state);
  fx.written = DirectiveWriter().quoted("v", "a\"b\\c d\te,f=g\xc3\xa9").take();
  assert_string_equal(fx.written.c_str(), "v=\"a\\\"b\\\\c d\te,f=g\xc3\xa9\"");
}

void directive_writer_round_trips_tricky_values(void** state) {
  auto& fx = fixture<Fx>(state);
  const std::string_view values[] = {
      "", "\"", "\\", "\\\"", "\"\\", "\\\\\"\"", "a,b", "x=y", " lead and trail ", "\t",
      "folded\r\n line", "s\xc3\xa9" "cret", "\xe6\x97\xa5\xff\x80", ",,,", "a=\"b\",c=d",
      "imap/elwood.innosoft.com", "OA6MG9tEQGm2hh",
  };
  for (const auto v : values) {
    assert_true(round_trip(fx, v));
  }
  // 1024 quotes: 2048 wire octets, still one 1024-octet value.
  fx.input.assign(1024, '"');
  assert_true(round_trip(fx, fx.input));
  fx.input.assign(1024, '\\');
  assert_true(round_trip(fx, fx.input));
}

void directive_writer_round_trips_a_whole_list(void** state) {
  auto& fx = fixture<Fx>(state);
  fx.written = DirectiveWriter()
                   .quoted("username", "ch\"ris\\")
                   .quoted("realm", "")
                   .token("nc", "00000001")
                   .token("nonce", "ab/+==")
                   .quoted("digest-uri", "imap/h,ost")
                   .take();
  assert_int_equal(lex(fx, fx.written), kOk);
  assert_int_equal(fx.list.size(), 5);
  DMD5_ASSERT_DIRECTIVE(fx, 0, "username", "ch\"ris\\", true);
  DMD5_ASSERT_DIRECTIVE(fx, 1, "realm", "", true);
  DMD5_ASSERT_DIRECTIVE(fx, 2, "nc", "00000001", false);
  DMD5_ASSERT_DIRECTIVE(fx, 3, "nonce", "ab/+==", false);
  DMD5_ASSERT_DIRECTIVE(fx, 4, "digest-uri", "imap/h,ost", true);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      DMD5_TEST(directive_list_parses_token_and_quoted_values, Fx),
      DMD5_TEST(directive_list_keeps_order_case_and_repeats, Fx),
      DMD5_TEST(directive_list_allows_lws_around_names_equals_values_and_commas, Fx),
      DMD5_TEST(directive_list_allows_crlf_folding, Fx),
      DMD5_TEST(directive_list_skips_empty_elements, Fx),
      DMD5_TEST(directive_list_unescapes_quoted_pairs, Fx),
      DMD5_TEST(directive_list_accepts_empty_quoted_value, Fx),
      DMD5_TEST(directive_list_keeps_lws_inside_quotes, Fx),
      DMD5_TEST(directive_list_keeps_utf8_octets_in_quoted_strings, Fx),
      DMD5_TEST(directive_list_accepts_base64_octets_in_bare_values, Fx),
      DMD5_TEST(directive_list_rejects_unterminated_quote, Fx),
      DMD5_TEST(directive_list_rejects_nul_octet_anywhere, Fx),
      DMD5_TEST(directive_list_rejects_ctl_in_quoted_string, Fx),
      DMD5_TEST(directive_list_rejects_ctl_in_names_and_bare_values, Fx),
      DMD5_TEST(directive_list_rejects_missing_equals, Fx),
      DMD5_TEST(directive_list_rejects_missing_value, Fx),
      DMD5_TEST(directive_list_rejects_missing_name, Fx),
      DMD5_TEST(directive_list_rejects_separators_in_names, Fx),
      DMD5_TEST(directive_list_rejects_bad_separators, Fx),
      DMD5_TEST(directive_list_size_limit_is_inclusive, Fx),
      DMD5_TEST(directive_list_rejects_more_than_64_directives, Fx),
      DMD5_TEST(directive_list_rejects_value_longer_than_1024, Fx),
      DMD5_TEST(directive_list_iequals_is_ascii_case_insensitive, Fx),
      DMD5_TEST(directive_list_is_token_char_follows_rfc2616, Fx),
      DMD5_TEST(directive_writer_joins_without_spaces, Fx),
      DMD5_TEST(directive_writer_escapes_only_quote_and_backslash, Fx),
      DMD5_TEST(directive_writer_round_trips_tricky_values, Fx),
      DMD5_TEST(directive_writer_round_trips_a_whole_list, Fx),
  };
  return cmocka_run_group_tests_name("directive_list", tests, nullptr, nullptr);
}
