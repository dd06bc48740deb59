// SPDX-License-Identifier: BSD-3-Clause
// secure.hpp: containers that wipe secrets when freed, and constant-time comparison.
#pragma once

#include <openssl/crypto.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

namespace digestmd5 {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// SecureAllocator cleanses every block it frees, including the ones a growing vector drops.
template <typename T>
requires std::is_trivially_copyable_v<T>
struct SecureAllocator {
  using value_type = T;
  SecureAllocator() noexcept = default;
  template <typename U>
  explicit SecureAllocator(const SecureAllocator<U>& /*other*/) noexcept {}
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    OPENSSL_cleanse(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  friend bool operator==(const SecureAllocator&, const SecureAllocator&) noexcept { return true; }
};

// SecureBytes holds passwords and other variable-length secrets (never std::string: SSO copies).
using SecureBytes = std::vector<std::uint8_t, SecureAllocator<std::uint8_t>>;

// SecretArray holds a fixed-size secret (H(A1), SS, keys) and wipes it on destruction. It is
// move-only, so no copy of a secret is made by accident: a move wipes the source, and a
// deliberate copy is spelt clone().
template <std::size_t N>
class SecretArray {
 public:
  SecretArray() = default;
  SecretArray(const SecretArray& other) = delete;
  SecretArray& operator=(const SecretArray& other) = delete;
  SecretArray(SecretArray&& other) noexcept : m_bytes(other.m_bytes) { other.clear(); }
  SecretArray& operator=(SecretArray&& other) noexcept {
    if (this != &other) {
      m_bytes = other.m_bytes;
      other.clear();
    }
    return *this;
  }
  ~SecretArray() { clear(); }
  // clone is the explicit copy.
  [[nodiscard]] SecretArray clone() const noexcept {
    SecretArray copy;
    copy.m_bytes = m_bytes;
    return copy;
  }
  // clear wipes the secret in place once it is no longer needed.
  void clear() noexcept { OPENSSL_cleanse(m_bytes.data(), m_bytes.size()); }
  [[nodiscard]] std::span<std::uint8_t, N> bytes() noexcept { return m_bytes; }
  [[nodiscard]] std::span<const std::uint8_t, N> bytes() const noexcept { return m_bytes; }
  [[nodiscard]] std::uint8_t* data() noexcept { return m_bytes.data(); }
  [[nodiscard]] const std::uint8_t* data() const noexcept { return m_bytes.data(); }
  static constexpr std::size_t size() noexcept { return N; }

 private:
  std::array<std::uint8_t, N> m_bytes{};
};

using Digest16 = SecretArray<16>;

// ct_equal compares two byte strings in time that depends only on their lengths.
[[nodiscard]] inline bool ct_equal(ByteView a, ByteView b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}
[[nodiscard]] inline bool ct_equal(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

inline ByteView as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_text(ByteView b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// wipe clears `s` in place (used for std::string scratch that held secret-derived text).
inline void wipe(std::span<std::uint8_t> s) noexcept { OPENSSL_cleanse(s.data(), s.size()); }

}  // namespace digestmd5
