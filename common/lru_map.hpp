// SPDX-License-Identifier: BSD-3-Clause
// lru_map.hpp: a bounded, thread-safe map from a string key to an entry, dropping the least
// recently used entry beyond its capacity and wiping every entry that leaves it (the caches of
// subsequent authentication, docs/protocol.md §6).
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/secure.hpp"

namespace digestmd5 {

// Entry must provide `void wipe() noexcept`, called before an entry is destroyed.
template <typename Entry>
class LruMap {
 public:
  explicit LruMap(std::size_t capacity) : m_capacity(capacity) {}
  ~LruMap() {
    const std::lock_guard lock(m_mutex);
    while (!m_slots.empty()) {
      drop(m_slots.begin());
    }
  }
  LruMap(const LruMap&) = delete;
  LruMap& operator=(const LruMap&) = delete;

  // put records (or replaces) the entry of `key`, dropping the least recently used beyond the
  // capacity. A capacity of 0 keeps nothing.
  void put(std::string_view key, Entry entry) {
    if (m_capacity == 0) {
      entry.wipe();
      return;
    }
    const std::lock_guard lock(m_mutex);
    if (const auto it = m_slots.find(std::string(key)); it != m_slots.end()) {
      drop(it);
    }
    insert_locked(key, std::move(entry));
  }

  // find returns a copy of the entry of `key` (marking it used), or nothing.
  std::optional<Entry> find(std::string_view key) {
    const std::lock_guard lock(m_mutex);
    const auto it = m_slots.find(std::string(key));
    if (it == m_slots.end()) {
      return std::nullopt;
    }
    m_order.splice(m_order.begin(), m_order, it->second.position);
    return it->second.entry;
  }

  // take removes the entry of `key` and returns it, or nothing.
  std::optional<Entry> take(std::string_view key) {
    const std::lock_guard lock(m_mutex);
    const auto it = m_slots.find(std::string(key));
    if (it == m_slots.end()) {
      return std::nullopt;
    }
    std::optional<Entry> out(std::move(it->second.entry));
    drop(it);
    return out;
  }

  // update calls fn(entry) under the lock; fn returns false to drop the entry. It returns
  // whether fn accepted the entry (false when there is none).
  template <typename Fn>
  bool update(std::string_view key, Fn&& fn) {
    const std::lock_guard lock(m_mutex);
    const auto it = m_slots.find(std::string(key));
    if (it == m_slots.end()) {
      return false;
    }
    const bool keep = std::forward<Fn>(fn)(it->second.entry);
    if (!keep) {
      drop(it);
    }
    return keep;
  }

  // update_or_put is update() for a key that has an entry; for one that has none it calls
  // fn(fresh) and records `fresh` if fn accepts it, all under one lock.
  template <typename Fn>
  bool update_or_put(std::string_view key, Entry fresh, Fn&& fn) {
    const std::lock_guard lock(m_mutex);
    if (const auto it = m_slots.find(std::string(key)); it != m_slots.end()) {
      fresh.wipe();
      const bool keep = std::forward<Fn>(fn)(it->second.entry);
      if (!keep) {
        drop(it);
      }
      return keep;
    }
    const bool keep = std::forward<Fn>(fn)(fresh);
    if (keep && m_capacity > 0) {
      insert_locked(key, std::move(fresh));
    } else {
      fresh.wipe();
    }
    return keep;
  }

  void erase(std::string_view key) {
    const std::lock_guard lock(m_mutex);
    if (const auto it = m_slots.find(std::string(key)); it != m_slots.end()) {
      drop(it);
    }
  }

  [[nodiscard]] std::size_t size() {
    const std::lock_guard lock(m_mutex);
    return m_slots.size();
  }
  [[nodiscard]] std::size_t capacity() const noexcept { return m_capacity; }

 private:
  void insert_locked(std::string_view key, Entry entry) {
    while (m_slots.size() >= m_capacity) {
      drop(m_slots.find(m_order.back()));
    }
    m_order.emplace_front(key);
    m_slots.emplace(std::string(key), Slot{std::move(entry), m_order.begin()});
  }
  using Order = std::list<std::string>;  // keys, most recently used first
  struct Slot {
    Entry entry;
    typename Order::iterator position;
  };
  using Slots = std::unordered_map<std::string, Slot>;

  void drop(typename Slots::iterator it) noexcept {
    it->second.entry.wipe();
    std::string& key = *it->second.position;
    OPENSSL_cleanse(key.data(), key.size());
    m_order.erase(it->second.position);
    m_slots.erase(it);
  }

  std::mutex m_mutex;
  std::size_t m_capacity;
  Order m_order;
  Slots m_slots;
};

// wipe_string clears a string's octets before it is dropped.
inline void wipe_string(std::string& s) noexcept {
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace digestmd5
