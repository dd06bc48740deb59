// SPDX-License-Identifier: BSD-3-Clause
// http_nonce.cpp: random and keyed HTTP nonces.
#include "common/http_nonce.hpp"

#include <array>

#include "common/encoding.hpp"

namespace digestmd5 {
namespace {

constexpr std::size_t kRandomOctets = 16;
constexpr std::size_t kStampOctets = 8;
constexpr std::size_t kMacOctets = 16;
// A keyed nonce is hex(stamp ‖ random ‖ mac): 80 characters.
constexpr std::size_t kKeyedLength = 2 * (kStampOctets + kRandomOctets + kMacOctets);
// Nodes' clocks differ a little: a stamp this far in the future is still accepted.
constexpr std::int64_t kClockSkew = 30;

std::array<std::uint8_t, kStampOctets> stamp_octets(std::uint64_t stamp) noexcept {
  std::array<std::uint8_t, kStampOctets> out{};
  for (std::size_t i = 0; i < kStampOctets; ++i) {
    out[kStampOctets - 1 - i] = static_cast<std::uint8_t>(stamp >> (8 * i));
  }
  return out;
}

std::int64_t seconds_of(std::chrono::system_clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

HttpNonceStore::HttpNonceStore(std::shared_ptr<const Crypto> crypto, HttpNonceOptions options,
                               Clock clock)
    : m_crypto(std::move(crypto)),
      m_options(std::move(options)),
      m_clock(clock),
      m_entries(m_options.capacity) {}

std::string HttpNonceStore::keyed_nonce(std::uint64_t stamp, ByteView random,
                                        std::string_view realm) const {
  const auto st = stamp_octets(stamp);
  // The realm is inside the MAC, so a nonce of one realm is no good in another.
  const auto mac =
      hmac_sha256(*m_crypto, ByteView(*m_options.farm_key),
                  {as_bytes("digestmd5 http nonce"), ByteView(st), random, as_bytes(realm)});
  std::string out = to_hex(ByteView(st));
  out += to_hex(random);
  out += to_hex(ByteView(mac.data(), kMacOctets));
  return out;
}

Result<std::string> HttpNonceStore::issue(std::string_view realm) {
  std::array<std::uint8_t, kRandomOctets> random{};
  if (const auto st = m_crypto->random(random); !st) {
    return st.error();
  }
  if (keyed()) {
    return keyed_nonce(static_cast<std::uint64_t>(seconds_of(m_clock())), random, realm);
  }
  std::string nonce = base64(random);
  m_entries.put(nonce, HttpNonceEntry{std::string(realm), {}, 0, m_clock()});
  return nonce;
}

HttpNonceStore::State HttpNonceStore::check(std::string_view nonce, std::string_view realm) {
  const auto lifetime = m_options.lifetime.count();
  if (!keyed()) {
    const auto entry = m_entries.find(nonce);
    if (!entry || entry->realm != realm) {
      return State::Unknown;
    }
    const auto age = m_clock() - entry->issued;
    return age > m_options.lifetime ? State::Expired : State::Usable;
  }
  std::array<std::uint8_t, kStampOctets + kRandomOctets> fields{};
  if (nonce.size() != kKeyedLength || !from_hex(nonce.substr(0, 2 * fields.size()), fields)) {
    return State::Unknown;
  }
  std::uint64_t stamp = 0;
  for (std::size_t i = 0; i < kStampOctets; ++i) {
    stamp = (stamp << 8) | fields[i];
  }
  const std::string expect =
      keyed_nonce(stamp, ByteView(fields.data() + kStampOctets, kRandomOctets), realm);
  if (!ct_equal(expect, nonce)) {
    return State::Unknown;
  }
  const std::int64_t age = seconds_of(m_clock()) - static_cast<std::int64_t>(stamp);
  return (age > lifetime || age < -kClockSkew) ? State::Expired : State::Usable;
}

bool HttpNonceStore::use(std::string_view nonce, std::uint32_t nc, std::string_view user) {
  bool accepted = false;
  // An entry that reached ffffffff stays and refuses every later count.
  const auto next = [&](HttpNonceEntry& e) {
    const bool count_ok = keyed() ? nc > e.last_nc : nc == e.last_nc + 1;
    if (count_ok && (e.user.empty() || e.user == user)) {
      accepted = true;
      e.last_nc = nc;
      e.user = std::string(user);
    }
    return true;
  };
  if (keyed()) {
    m_entries.update_or_put(nonce, HttpNonceEntry{{}, {}, 0, m_clock()}, next);
  } else {
    m_entries.update(nonce, next);
  }
  return accepted;
}

}  // namespace digestmd5
