// SPDX-License-Identifier: BSD-3-Clause
// negotiation.cpp: SSF window, server offer and client choice.
#include "common/negotiation.hpp"

#include <algorithm>

#include "common/messages.hpp"

namespace digestmd5 {

SsfWindow ssf_window(const SecurityProps& props) noexcept {
  SsfWindow w;
  // Cyrus: without a buffer there can be no layer, so only auth remains; the same holds for a
  // buffer below maxbuf's minimum of 17, where no packet fits.
  if (props.maxbufsize < kMinMaxbuf) {
    return w;
  }
  w.limit = props.max_ssf > props.external_ssf ? props.max_ssf - props.external_ssf : 0;
  w.require = props.min_ssf > props.external_ssf ? props.min_ssf - props.external_ssf : 0;
  return w;
}

std::uint32_t own_maxbuf(const SecurityProps& props) noexcept {
  if (props.maxbufsize == 0) {
    return kDefaultMaxbuf;
  }
  return static_cast<std::uint32_t>(std::min<unsigned>(props.maxbufsize, kMaxMaxbuf));
}

Result<Offer> make_offer(const SsfWindow& window, CipherSet allowed) {
  Offer o;
  if (window.require == 0) {
    o.qops.add(Qop::Auth);
  }
  if (window.contains(1)) {
    o.qops.add(Qop::AuthInt);
  }
  for (const auto& c : kCiphers) {
    if (allowed.has(c.id) && window.contains(c.ssf)) {
      o.ciphers.add(c.id);
    }
  }
  if (!o.ciphers.empty()) {
    o.qops.add(Qop::AuthConf);
  }
  if (o.qops.empty()) {
    return fail(Errc::TooWeak, "no qop or cipher satisfies the security properties");
  }
  return o;
}

unsigned ssf_of(Qop qop, std::optional<CipherId> cipher) noexcept {
  switch (qop) {
    case Qop::Auth:
      return 0;
    case Qop::AuthInt:
      return 1;
    case Qop::AuthConf:
      return cipher ? cipher_info(*cipher).ssf : 0;
  }
  return 0;
}

Result<Choice> choose(const SsfWindow& window, QopSet offered_qops, CipherSet offered_ciphers,
                      CipherSet allowed) {
  Choice c;
  if (window.limit > 1 && offered_qops.has(Qop::AuthConf)) {
    const CipherSet usable = offered_ciphers.intersect(allowed);
    const CipherInfo* best = nullptr;
    for (const auto& info : kCiphers) {
      if (!usable.has(info.id) || !window.contains(info.ssf)) {
        continue;
      }
      // Later table entries win ties: aes-cbc comes after rc4.
      if (best == nullptr || info.ssf >= best->ssf) {
        best = &info;
      }
    }
    if (best != nullptr) {
      c.qop = Qop::AuthConf;
      c.cipher = best->id;
      return c;
    }
  }
  if (window.contains(1) && offered_qops.has(Qop::AuthInt)) {
    c.qop = Qop::AuthInt;
    return c;
  }
  if (window.require == 0 && offered_qops.has(Qop::Auth)) {
    return c;
  }
  return fail(Errc::TooWeak, "the server offers no protection inside the security window");
}

}  // namespace digestmd5
