// SPDX-License-Identifier: BSD-3-Clause
// guard.hpp: the exception barrier for every C entry point, and the one Errc -> SASL_* map.
#pragma once

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include <exception>
#include <new>
#include <utility>

#include "../common/errc.hpp"

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

// guard runs `body` and turns any escaping exception into a SASL code with one log line, so no
// exception ever unwinds through libsasl2's C frames.
template <typename Body>
int guard(const sasl_utils_t* utils, Body&& body) noexcept {
  const char* what = "unknown exception";
  int code = SASL_FAIL;
  try {
    return std::forward<Body>(body)();
  } catch (const std::bad_alloc&) {
    what = "out of memory";
    code = SASL_NOMEM;
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  if (utils != nullptr && utils->log != nullptr) {
    utils->log(utils->conn, SASL_LOG_ERR, "DIGEST-MD5: internal error: %s", what);
  }
  if (utils != nullptr && utils->seterror != nullptr) {
    utils->seterror(utils->conn, SASL_NOLOG, "DIGEST-MD5: internal error: %s", what);
  }
  return code;
}

}  // namespace digestmd5::plugin
