// SPDX-License-Identifier: BSD-3-Clause
// fuzz_support.hpp: what every fuzz target shares: the process-wide Crypto, a check that aborts,
// a byte reader for structured inputs, and the oracle that recomputes proofs for placeholders.
//
// Each target defines LLVMFuzzerTestOneInput. It is built twice: with clang and libFuzzer for
// `make fuzz` (scripts/fuzz.sh), and with the normal compiler plus fuzz/replay_main.cpp for
// `make check`, which replays the checked-in corpus. A target reports a bug by aborting
// (DMD5_FUZZ_CHECK) or by letting an exception escape, which terminates.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto.hpp"
#include "common/digest.hpp"
#include "common/directive_list.hpp"
#include "common/messages.hpp"
#include "common/negotiation.hpp"
#include "common/security_layer.hpp"
#include "tests/proof_oracle.hpp"

#define DMD5_FUZZ_CHECK(cond)                                                           \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

namespace digestmd5::fuzz {

// shared_crypto returns the one Crypto of the process (created on first use, as the plugin does).
inline const std::shared_ptr<const Crypto>& shared_crypto() {
  static const std::shared_ptr<const Crypto> crypto = [] {
    auto created = Crypto::create();
    DMD5_FUZZ_CHECK(created.has_value());
    return *created;
  }();
  return crypto;
}

// ByteReader hands out a structured input piece by piece; past the end it yields zeros and
// empty strings, so every input decodes to something.
class ByteReader {
 public:
  ByteReader(const std::uint8_t* data, std::size_t size) noexcept : m_data(data), m_size(size) {}
  [[nodiscard]] bool empty() const noexcept { return m_pos >= m_size; }
  std::uint8_t u8() noexcept { return m_pos < m_size ? m_data[m_pos++] : 0; }
  std::uint32_t u32() noexcept {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      v = (v << 8) | u8();
    }
    return v;
  }
  bool flag() noexcept { return (u8() & 1) != 0; }
  // bytes takes a length octet (scaled by `unit`) and then that many octets (fewer at the end).
  std::string bytes(std::size_t unit = 1) {
    const std::size_t want = std::size_t{u8()} * unit;
    const std::size_t left = m_pos < m_size ? m_size - m_pos : 0;
    const std::size_t n = want < left ? want : left;
    std::string out(reinterpret_cast<const char*>(m_data + m_pos), n);
    m_pos += n;
    return out;
  }
  // rest returns everything not yet read.
  std::string_view rest() noexcept {
    if (m_pos >= m_size) {
      return {};
    }
    const std::string_view out(reinterpret_cast<const char*>(m_data + m_pos), m_size - m_pos);
    m_pos = m_size;
    return out;
  }

 private:
  const std::uint8_t* m_data;
  std::size_t m_size;
  std::size_t m_pos = 0;
};

// replace_all substitutes every `from` in `text` with `to`.
inline std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

inline constexpr std::string_view kZeroProof = "00000000000000000000000000000000";

// Credentials of the one user the step targets know.
inline constexpr std::string_view kUser = "alice";
inline constexpr std::string_view kPassword = "wonderland";

// expected_ha1 and proof_for apply tests/proof_oracle.hpp to kPassword.
inline Digest16 expected_ha1(const Crypto& crypto, const Response& r, std::string_view nonce) {
  return testing::expected_ha1(crypto, r, nonce, kPassword);
}
inline std::string proof_for(const Crypto& crypto, const Response& r, std::string_view nonce,
                             Proof which) {
  return testing::proof_for(crypto, r, nonce, kPassword, which);
}

// peer_layer builds the other end of a negotiated layer from H(A1), so a target can check
// that what one side seals the other side opens.
inline std::unique_ptr<SecurityLayer> peer_layer(const Digest16& ha1, Role role, Qop qop,
                                                 std::optional<CipherId> cipher,
                                                 std::uint32_t peer_maxbuf,
                                                 std::uint32_t own_maxbuf) {
  const LayerKeys keys = derive_keys(*shared_crypto(), ha1, cipher);
  auto layer =
      SecurityLayer::create(shared_crypto(), keys, LayerConfig{role, qop, cipher, peer_maxbuf,
                                                               own_maxbuf});
  DMD5_FUZZ_CHECK(layer.has_value());
  return std::move(*layer);
}

// round_trip checks that a message sealed by `from` is opened intact by `to`.
inline void round_trip(SecurityLayer& from, SecurityLayer& to, std::string_view message) {
  const ByteView parts[] = {as_bytes(message)};
  const auto sealed = from.encode(parts);
  DMD5_FUZZ_CHECK(sealed.has_value());
  const Bytes wire(sealed->begin(), sealed->end());
  const auto opened = to.decode(wire);
  DMD5_FUZZ_CHECK(opened.has_value());
  DMD5_FUZZ_CHECK(as_text(*opened) == message);
}

// kWindows are the security windows a step target's configuration octet picks from (& 7).
inline constexpr SecurityProps kWindows[] = {
    {0, 256, 0, 65536}, {0, 0, 0, 65536},     {1, 1, 0, 65536}, {2, 56, 0, 65536},
    {56, 112, 0, 4096}, {113, 256, 0, 65536}, {0, 256, 0, 0},   {0, 256, 0, 40},
};

// mentions_password tells whether any of `lines` carries kPassword.
inline bool mentions_password(const std::vector<std::string>& lines) {
  for (const auto& l : lines) {
    if (l.find(kPassword) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// check_server_layer checks a server's installed layer against a client end keyed independently
// from H(A1) of `sent` (on `nonce`), both ways; `maxbufsize` is the server's (0 = 65536).
inline void check_server_layer(SecurityLayer& layer, const Response& sent, std::string_view nonce,
                               unsigned maxbufsize) {
  const std::uint32_t own = maxbufsize == 0 ? kDefaultMaxbuf : maxbufsize;
  const Digest16 ha1 = expected_ha1(*shared_crypto(), sent, nonce);
  auto client = peer_layer(ha1, Role::Client, sent.qop, sent.cipher, own,
                           sent.maxbuf.value_or(kDefaultMaxbuf));
  round_trip(*client, layer, "client to server");
  round_trip(layer, *client, "server to client");
}

}  // namespace digestmd5::fuzz
