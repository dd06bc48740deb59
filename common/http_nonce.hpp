// SPDX-License-Identifier: BSD-3-Clause
// http_nonce.hpp: the server's HTTP nonces (docs/protocol.md §12.3). HTTP connections do not
// persist, so a nonce outlives the exchange that issued it and each request uses the next count.
// Without a farm key, nonces are random and the store remembers each one it issued. With a farm
// key (shared by every node behind a load balancer), a nonce carries its time stamp and an HMAC
// under the key, so any node can tell its own nonces from forgeries without asking the others;
// each node then tracks the counts it has seen itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto.hpp"
#include "common/errc.hpp"
#include "common/lru_map.hpp"
#include "common/secure.hpp"

namespace digestmd5 {

struct HttpNonceOptions {
  std::chrono::seconds lifetime{300};
  std::size_t capacity = 1000;          // nonces (or, with a farm key, nonces seen) remembered
  std::optional<SecureBytes> farm_key;  // digestmd5_http_nonce_key's contents
};

// HttpNonceEntry is what the store keeps of one nonce.
struct HttpNonceEntry {
  std::string realm;
  std::string user;  // empty until a request used the nonce
  std::uint32_t last_nc = 0;
  std::chrono::system_clock::time_point issued;
  void wipe() noexcept {
    wipe_string(realm);
    wipe_string(user);
  }
};

class HttpNonceStore {
 public:
  // The clock is a parameter so tests can move time; production passes system_clock::now.
  using Clock = std::chrono::system_clock::time_point (*)();
  HttpNonceStore(std::shared_ptr<const Crypto> crypto, HttpNonceOptions options,
                 Clock clock = &std::chrono::system_clock::now);

  // issue returns a fresh nonce for `realm`.
  Result<std::string> issue(std::string_view realm);

  enum class State { Usable, Unknown, Expired };
  // check tells whether `nonce` is one of ours for `realm` and still inside its lifetime.
  State check(std::string_view nonce, std::string_view realm);

  // use records request `nc` of `user` on `nonce` and says whether it is accepted. Without a farm
  // key the count must be exactly the next one and the user the one who first used the nonce;
  // with one, the count must be above every count this node has seen for the nonce.
  bool use(std::string_view nonce, std::uint32_t nc, std::string_view user);

  [[nodiscard]] bool keyed() const noexcept { return m_options.farm_key.has_value(); }
  [[nodiscard]] std::chrono::seconds lifetime() const noexcept { return m_options.lifetime; }

 private:
  std::string keyed_nonce(std::uint64_t stamp, ByteView random, std::string_view realm) const;

  std::shared_ptr<const Crypto> m_crypto;
  HttpNonceOptions m_options;
  Clock m_clock;
  LruMap<HttpNonceEntry> m_entries;
};

}  // namespace digestmd5
