// SPDX-License-Identifier: BSD-3-Clause
// negotiation.hpp: the SSF window and the qop/cipher choices of docs/protocol.md §9.
#pragma once

#include <cstdint>
#include <optional>

#include "common/cipher_table.hpp"
#include "common/errc.hpp"

namespace digestmd5 {

// SecurityProps is what the application asked for (libsasl2's sasl_security_properties_t plus
// the external SSF).
struct SecurityProps {
  unsigned min_ssf = 0;
  unsigned max_ssf = 0;
  unsigned external_ssf = 0;
  unsigned maxbufsize = 0;
};

// SsfWindow is [require, limit] after subtracting the external SSF (docs/protocol.md §9.1).
struct SsfWindow {
  unsigned require = 0;
  unsigned limit = 0;
  [[nodiscard]] bool contains(unsigned ssf) const noexcept {
    return require <= ssf && ssf <= limit;
  }
};

// ssf_window collapses to auth only when maxbufsize is 0 (Cyrus) or too small for any packet.
SsfWindow ssf_window(const SecurityProps& props) noexcept;

// own_maxbuf is the largest packet length we accept: maxbufsize clamped to the protocol's range,
// 65536 when the application set none.
std::uint32_t own_maxbuf(const SecurityProps& props) noexcept;

// Offer is what the server lists in its challenge.
struct Offer {
  QopSet qops;
  CipherSet ciphers;
};

// make_offer lists every qop and cipher of `allowed` inside the window (docs/protocol.md §9.2); it
// fails with TooWeak if nothing qualifies.
Result<Offer> make_offer(const SsfWindow& window, CipherSet allowed);

// ssf_of is the SSF of a protection: 0 for auth, 1 for auth-int, the cipher's for auth-conf.
unsigned ssf_of(Qop qop, std::optional<CipherId> cipher) noexcept;

// Choice is the client's pick.
struct Choice {
  Qop qop = Qop::Auth;
  std::optional<CipherId> cipher;
  [[nodiscard]] unsigned ssf() const noexcept { return ssf_of(qop, cipher); }
};

// choose picks the highest SSF inside the window among what the server offered and `allowed`
// permits; at equal SSF aes-cbc wins over rc4 (docs/protocol.md §8 item 4). It fails with TooWeak
// when nothing fits, never going below window.require.
Result<Choice> choose(const SsfWindow& window, QopSet offered_qops, CipherSet offered_ciphers,
                      CipherSet allowed);

}  // namespace digestmd5
