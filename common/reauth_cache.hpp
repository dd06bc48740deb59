// SPDX-License-Identifier: BSD-3-Clause
// reauth_cache.hpp: the server's record of finished authentications, for subsequent
// authentication (RFC 2831 §2.2, docs/protocol.md §6). One per process, shared by threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace digestmd5 {

// ReauthEntry is what a later connection may continue: no password and no H(A1), only what
// identifies the exchange. The secret is looked up again through the user store.
struct ReauthEntry {
  std::string realm;
  std::string username;
  std::string authzid;  // empty = none
  std::string cnonce;   // of the last authentication on this nonce
  std::uint32_t next_nc = 2;
  std::chrono::steady_clock::time_point issued;  // when the nonce was issued
};

// ReauthCache maps a full nonce to its entry. It holds at most `capacity` entries and drops the
// least recently used one beyond that; an entry is wiped when it leaves. Thread-safe.
class ReauthCache {
 public:
  explicit ReauthCache(std::size_t capacity) : m_capacity(capacity) {}
  ~ReauthCache();
  ReauthCache(const ReauthCache&) = delete;
  ReauthCache& operator=(const ReauthCache&) = delete;

  // put records (or replaces) the entry of `nonce`.
  void put(std::string_view nonce, ReauthEntry entry);
  // find returns a copy of the entry of `nonce`, or nothing.
  std::optional<ReauthEntry> find(std::string_view nonce);
  // advance moves the entry of `nonce` to nc + 1 and records `cnonce`, if its next nc is still
  // `nc` (so two connections cannot both use one count); at ffffffff the entry is retired.
  // It returns whether this caller won the count.
  bool advance(std::string_view nonce, std::uint32_t nc, std::string_view cnonce);
  // erase drops the entry of `nonce`, if any.
  void erase(std::string_view nonce);
  [[nodiscard]] std::size_t size();
  [[nodiscard]] std::size_t capacity() const noexcept { return m_capacity; }

 private:
  using Order = std::list<std::string>;  // nonces, most recently used first
  struct Slot {
    ReauthEntry entry;
    Order::iterator position;
  };
  void drop(std::unordered_map<std::string, Slot>::iterator it);

  std::mutex m_mutex;
  std::size_t m_capacity;
  Order m_order;
  std::unordered_map<std::string, Slot> m_slots;
};

}  // namespace digestmd5
