// SPDX-License-Identifier: BSD-3-Clause
// reauth_cache.cpp: a bounded, least-recently-used map from nonce to ReauthEntry.
#include "common/reauth_cache.hpp"

#include <openssl/crypto.h>

namespace digestmd5 {
namespace {

void wipe_string(std::string& s) noexcept {
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

void wipe_entry(ReauthEntry& e) noexcept {
  wipe_string(e.realm);
  wipe_string(e.username);
  wipe_string(e.authzid);
  wipe_string(e.cnonce);
}

}  // namespace

ReauthCache::~ReauthCache() {
  const std::lock_guard lock(m_mutex);
  while (!m_slots.empty()) {
    drop(m_slots.begin());
  }
}

void ReauthCache::drop(std::unordered_map<std::string, Slot>::iterator it) {
  wipe_entry(it->second.entry);
  wipe_string(*it->second.position);
  m_order.erase(it->second.position);
  m_slots.erase(it);
}

void ReauthCache::put(std::string_view nonce, ReauthEntry entry) {
  if (m_capacity == 0) {
    return;
  }
  const std::lock_guard lock(m_mutex);
  if (const auto it = m_slots.find(std::string(nonce)); it != m_slots.end()) {
    drop(it);
  }
  while (m_slots.size() >= m_capacity) {
    drop(m_slots.find(m_order.back()));
  }
  m_order.emplace_front(nonce);
  m_slots.emplace(std::string(nonce), Slot{std::move(entry), m_order.begin()});
}

std::optional<ReauthEntry> ReauthCache::find(std::string_view nonce) {
  const std::lock_guard lock(m_mutex);
  const auto it = m_slots.find(std::string(nonce));
  if (it == m_slots.end()) {
    return std::nullopt;
  }
  m_order.splice(m_order.begin(), m_order, it->second.position);
  return it->second.entry;
}

bool ReauthCache::advance(std::string_view nonce, std::uint32_t nc, std::string_view cnonce) {
  const std::lock_guard lock(m_mutex);
  const auto it = m_slots.find(std::string(nonce));
  if (it == m_slots.end() || it->second.entry.next_nc != nc) {
    return false;
  }
  // nc never wraps: after ffffffff the nonce cannot be continued.
  if (nc == 0xFFFFFFFFU) {
    drop(it);
    return true;
  }
  it->second.entry.next_nc = nc + 1;
  it->second.entry.cnonce = std::string(cnonce);
  return true;
}

void ReauthCache::erase(std::string_view nonce) {
  const std::lock_guard lock(m_mutex);
  if (const auto it = m_slots.find(std::string(nonce)); it != m_slots.end()) {
    drop(it);
  }
}

std::size_t ReauthCache::size() {
  const std::lock_guard lock(m_mutex);
  return m_slots.size();
}

}  // namespace digestmd5
