// SPDX-License-Identifier: BSD-3-Clause
// errc.hpp: the core's error codes and Result<T>, a small expected (C++20 has none).
#pragma once

#include <string_view>
#include <utility>
#include <variant>

namespace digestmd5 {

// How the core fails, the one rule:
//   * Every failure a peer, the application's configuration or the user store can cause travels
//     as a value: Result<T> (a value or an Error) or Status (no value). No function returns bool
//     for success or failure; predicates that answer a question (is_lower_hex32, fits) are not
//     failures.
//   * Exceptions are kept for what no caller can handle step by step: std::bad_alloc from
//     allocation, and an OpenSSL primitive (MD5, HMAC-MD5, a cipher already probed at start-up)
//     failing on valid input, which means a broken library (std::runtime_error). The shim's
//     guard() turns both into SASL_NOMEM / SASL_FAIL with one log line naming the entry point.
//   * A failure is reported (logged and recorded for sasl_errdetail) once: by the session step
//     that gives up, through Host (report() below the session, guard()/report() in the shim).

// Errc names every way the core can fail. plugin/guard.hpp maps each to one SASL_* code.
enum class Errc {
  BadProtocol,  // a malformed or out-of-spec peer message
  TooLong,      // a message above its size limit (2048 / 4096 octets)
  BadAuth,      // the client's proof is wrong
  NoUser,       // the server has no secret for this user
  BadServer,    // the server's rspauth is wrong (mutual authentication failed)
  TooWeak,      // no qop/cipher inside the SSF window
  NoMemory,     // allocation failed
  Interact,     // the client needs the application to fill prompts
  BadParam,     // the application passed something unusable
  NoAuthz,      // the authorisation identity was refused
  Unavailable,  // a needed facility (cipher, provider) is missing
  Internal,     // a state the code should never reach
};

// describe returns a static, secret-free English phrase for `e`.
constexpr std::string_view describe(Errc e) noexcept {
  switch (e) {
    case Errc::BadProtocol:
      return "malformed message";
    case Errc::TooLong:
      return "message too long";
    case Errc::BadAuth:
      return "authentication failed";
    case Errc::NoUser:
      return "user not found";
    case Errc::BadServer:
      return "server authentication failed";
    case Errc::TooWeak:
      return "no protection inside the security window";
    case Errc::NoMemory:
      return "out of memory";
    case Errc::Interact:
      return "interaction needed";
    case Errc::BadParam:
      return "bad parameter";
    case Errc::NoAuthz:
      return "authorization refused";
    case Errc::Unavailable:
      return "facility unavailable";
    case Errc::Internal:
      return "internal error";
  }
  return "internal error";
}

// Error carries a code and a static message (never a secret; the text must outlive the error).
struct Error {
  Errc code;
  std::string_view message;
};

// Result<T> holds either a T or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error e) : m_v(std::in_place_index<1>, e) {}                 // NOLINT
  [[nodiscard]] bool has_value() const noexcept { return m_v.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  T& value() & { return std::get<0>(m_v); }
  const T& value() const& { return std::get<0>(m_v); }
  T&& value() && { return std::get<0>(std::move(m_v)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  [[nodiscard]] const Error& error() const { return std::get<1>(m_v); }

 private:
  std::variant<T, Error> m_v;
};

// Status is a Result without a value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error e) : m_err(e), m_ok(false) {}  // NOLINT: implicit by design
  [[nodiscard]] bool ok() const noexcept { return m_ok; }
  explicit operator bool() const noexcept { return m_ok; }
  [[nodiscard]] const Error& error() const noexcept { return m_err; }

 private:
  Error m_err{Errc::Internal, ""};
  bool m_ok = true;
};

inline Error fail(Errc code, std::string_view message) noexcept { return Error{code, message}; }

}  // namespace digestmd5
