// SPDX-License-Identifier: BSD-3-Clause
// digest.cpp: SS, H(A1), response values and key derivation (docs/protocol.md §4, §7.1).
#include "common/digest.hpp"

#include <array>

#include "common/encoding.hpp"
#include "common/messages.hpp"

namespace digestmd5 {
namespace {

constexpr std::string_view kZeros32 = "00000000000000000000000000000000";

constexpr std::string_view kKicMagic =
    "Digest session key to client-to-server signing key magic constant";
constexpr std::string_view kKisMagic =
    "Digest session key to server-to-client signing key magic constant";
constexpr std::string_view kKccMagic =
    "Digest H(A1) to client-to-server sealing key magic constant";
constexpr std::string_view kKcsMagic =
    "Digest H(A1) to server-to-client sealing key magic constant";

}  // namespace

Latin1Result to_8859_1(ByteView in, SecureBytes& out) {
  out.clear();
  Latin1Result r;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto b = in[i];
    if (b > 0xC3) {
      out.assign(in.begin(), in.end());
      return r;
    }
    if (b >= 0xC0) {
      if (i + 1 >= in.size() || in[i + 1] < 0x80 || in[i + 1] > 0xBF) {
        out.assign(in.begin(), in.end());
        return r;
      }
    }
  }
  r.representable = true;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto b = in[i];
    if (b >= 0xC0) {
      out.push_back(static_cast<std::uint8_t>(((b & 3) << 6) | (in[i + 1] & 0x3F)));
      ++i;
      r.converted = true;
    } else {
      out.push_back(b);
    }
  }
  return r;
}

Digest16 compute_ss(const Crypto& crypto, const SecretInputs& in, bool fold, bool* converted) {
  Md5 h(crypto);
  bool any = false;
  const auto add = [&](ByteView part) {
    if (!fold) {
      h.update(part);
      return;
    }
    SecureBytes folded;
    any = to_8859_1(part, folded).converted || any;
    h.update(ByteView(folded));
  };
  add(as_bytes(in.username));
  h.update(":");
  add(as_bytes(in.realm));
  h.update(":");
  add(in.password);
  if (converted != nullptr) {
    *converted = any;
  }
  return h.final();
}

Digest16 compute_ha1(const Crypto& crypto, const Digest16& ss, std::string_view nonce,
                     std::string_view cnonce, const std::optional<std::string>& authzid) {
  Md5 h(crypto);
  h.update(ByteView(ss.bytes())).update(":").update(nonce).update(":").update(cnonce);
  if (authzid) {
    h.update(":").update(*authzid);
  }
  return h.final();
}

std::string compute_response(const Crypto& crypto, const Digest16& ha1, const ResponseInputs& in,
                             Proof which) {
  Md5 a2(crypto);
  a2.update(which == Proof::ClientResponse ? "AUTHENTICATE:" : ":").update(in.digest_uri);
  if (in.qop_kind != Qop::Auth) {
    // Both auth-int and auth-conf append ":" and HTTP's H(entity-body) slot filled with zeros.
    a2.update(":").update(kZeros32);
  }
  const PublicDigest16 ha2 = a2.final_public();  // H(A2) covers public data only
  const auto a2_hex = to_hex(ha2);
  auto ha1_hex = to_hex(ByteView(ha1.bytes()));
  Md5 kd(crypto);
  kd.update(ha1_hex).update(":").update(in.nonce).update(":").update(format_nc(in.nc));
  kd.update(":").update(in.cnonce).update(":").update(in.qop).update(":").update(a2_hex);
  wipe({reinterpret_cast<std::uint8_t*>(ha1_hex.data()), ha1_hex.size()});
  return to_hex(kd.final_public());
}

LayerKeys derive_keys(const Crypto& crypto, const Digest16& ha1, std::optional<CipherId> cipher) {
  LayerKeys k;
  const ByteView full(ha1.bytes());
  Md5 h(crypto);  // one context for all the keys
  k.kic = h.update(full).update(kKicMagic).final();
  k.kis = h.restart().update(full).update(kKisMagic).final();
  if (cipher) {
    const auto prefix = full.first(cipher_info(*cipher).ha1_prefix);
    k.kcc = h.restart().update(prefix).update(kKccMagic).final();
    k.kcs = h.restart().update(prefix).update(kKcsMagic).final();
  }
  return k;
}

}  // namespace digestmd5
