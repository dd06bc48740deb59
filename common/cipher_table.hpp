// SPDX-License-Identifier: BSD-3-Clause
// cipher_table.hpp: the one table of qops and ciphers (names, SSF, key sizes, EVP names).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace digestmd5 {

enum class Qop : std::uint8_t { Auth = 1, AuthInt = 2, AuthConf = 4 };

// QopSet is a small bit set of Qop values.
class QopSet {
 public:
  constexpr QopSet() = default;
  constexpr void add(Qop q) noexcept { m_bits = static_cast<std::uint8_t>(m_bits | bit(q)); }
  constexpr void remove(Qop q) noexcept { m_bits = static_cast<std::uint8_t>(m_bits & ~bit(q)); }
  [[nodiscard]] constexpr bool has(Qop q) const noexcept { return (m_bits & bit(q)) != 0; }
  [[nodiscard]] constexpr bool empty() const noexcept { return m_bits == 0; }
  friend constexpr bool operator==(QopSet, QopSet) = default;

 private:
  static constexpr std::uint8_t bit(Qop q) noexcept { return static_cast<std::uint8_t>(q); }
  std::uint8_t m_bits = 0;
};

std::string_view qop_name(Qop q) noexcept;
// parse_qop matches a keyword case-insensitively.
std::optional<Qop> parse_qop(std::string_view s) noexcept;

// Ciphers in offer order (docs/protocol.md §9.2), followed by aes-cbc (docs/protocol.md §8).
enum class CipherId : std::uint8_t { Rc4_40, Rc4_56, Rc4, Des, TripleDes, AesCbc };
inline constexpr std::size_t kCipherCount = 6;

struct CipherInfo {
  CipherId id;
  std::string_view name;   // wire token
  unsigned ssf;            // Cyrus SSF (docs/protocol.md §7.2)
  std::size_t ha1_prefix;  // n: octets of H(A1) that feed Kcc/Kcs (docs/protocol.md §7.1)
  std::size_t block;       // cipher block size (1 for stream ciphers)
  const char* evp_name;    // OpenSSL algorithm name
  bool legacy;             // lives in OpenSSL's legacy provider
};

inline constexpr std::array<CipherInfo, kCipherCount> kCiphers{{
    {CipherId::Rc4_40, "rc4-40", 40, 5, 1, "RC4", true},
    {CipherId::Rc4_56, "rc4-56", 56, 7, 1, "RC4", true},
    {CipherId::Rc4, "rc4", 128, 16, 1, "RC4", true},
    {CipherId::Des, "des", 55, 16, 8, "DES-CBC", true},
    {CipherId::TripleDes, "3des", 112, 16, 8, "DES-EDE-CBC", false},
    {CipherId::AesCbc, "aes-cbc", 128, 16, 16, "AES-128-CBC", false},
}};

constexpr const CipherInfo& cipher_info(CipherId id) noexcept {
  return kCiphers[static_cast<std::size_t>(id)];
}
// parse_cipher matches a cipher token case-insensitively.
std::optional<CipherId> parse_cipher(std::string_view s) noexcept;

// protection_name describes a negotiated protection for logs: "qop=auth-conf cipher=3des".
std::string protection_name(Qop q, std::optional<CipherId> cipher);

// CipherSet is a bit set of CipherId values.
class CipherSet {
 public:
  constexpr CipherSet() = default;
  constexpr void add(CipherId c) noexcept { m_bits = static_cast<std::uint8_t>(m_bits | bit(c)); }
  constexpr void remove(CipherId c) noexcept {
    m_bits = static_cast<std::uint8_t>(m_bits & ~bit(c));
  }
  [[nodiscard]] constexpr bool has(CipherId c) const noexcept { return (m_bits & bit(c)) != 0; }
  [[nodiscard]] constexpr bool empty() const noexcept { return m_bits == 0; }
  [[nodiscard]] constexpr CipherSet intersect(CipherSet o) const noexcept {
    CipherSet r;
    r.m_bits = static_cast<std::uint8_t>(m_bits & o.m_bits);
    return r;
  }
  static constexpr CipherSet all() noexcept {
    CipherSet r;
    r.m_bits = (1U << kCipherCount) - 1U;
    return r;
  }
  friend constexpr bool operator==(CipherSet, CipherSet) = default;

 private:
  static constexpr std::uint8_t bit(CipherId c) noexcept {
    return static_cast<std::uint8_t>(1U << static_cast<unsigned>(c));
  }
  std::uint8_t m_bits = 0;
};

}  // namespace digestmd5
