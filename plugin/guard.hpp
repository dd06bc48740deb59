// SPDX-License-Identifier: BSD-3-Clause
// guard.hpp: the exception barrier for every C entry point, and the one Errc -> SASL_* map.
#pragma once

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include <cstdio>
#include <exception>
#include <new>
#include <utility>

#include "common/errc.hpp"
#include "plugin/sasl_host.hpp"

namespace digestmd5::plugin {

// to_sasl_code maps each core error to the SASL result an application expects.
constexpr int to_sasl_code(Errc e) noexcept {
  switch (e) {
    case Errc::BadProtocol:
    case Errc::TooLong:
      return SASL_BADPROT;
    case Errc::BadAuth:
      return SASL_BADAUTH;
    case Errc::NoUser:
      return SASL_NOUSER;
    case Errc::BadServer:
      return SASL_BADSERV;
    case Errc::TooWeak:
      return SASL_TOOWEAK;
    case Errc::NoMemory:
      return SASL_NOMEM;
    case Errc::Interact:
      return SASL_INTERACT;
    case Errc::BadParam:
      return SASL_BADPARAM;
    case Errc::NoAuthz:
      return SASL_NOAUTHZ;
    case Errc::Unavailable:
    case Errc::Internal:
      return SASL_FAIL;
  }
  return SASL_FAIL;
}

// report is the shim's one reporting site: one "DIGEST-MD5: ..." log line at `level` and the
// same text for sasl_errdetail(); it returns the SASL code for `e`. (Failures inside the core
// reach the application through the core's own report(), over the same log_to / error_to.)
inline int report(const sasl_utils_t* utils, const Error& e, LogLevel level = LogLevel::Fail) {
  log_to(utils, level, e.message);
  error_to(utils, e.message);
  return to_sasl_code(e.code);
}

// guard runs `body` and turns any escaping exception into a SASL code, reported once with the
// name of the C entry point it escaped from, so no exception ever unwinds through libsasl2's C
// frames. (Exceptions are only bad_alloc and OpenSSL primitive failures: see errc.hpp.)
template <typename Body>
int guard(const sasl_utils_t* utils, const char* entry, Body&& body) noexcept {
  const char* what = "unknown exception";
  Errc code = Errc::Internal;
  try {
    return std::forward<Body>(body)();
  } catch (const std::bad_alloc&) {
    what = "out of memory";
    code = Errc::NoMemory;
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  // A fixed buffer: after bad_alloc, building a std::string could throw again.
  char text[256];
  std::snprintf(text, sizeof text, "internal error in %s: %s", entry, what);
  return report(utils, Error{code, text}, LogLevel::Error);
}

}  // namespace digestmd5::plugin
