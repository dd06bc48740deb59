// SPDX-License-Identifier: BSD-3-Clause
// reauth_cache.hpp: the two caches of subsequent authentication (RFC 2831 §2.2,
// docs/protocol.md §6): the server's, by nonce, and the client's, by service, server and names.
// One of each per process, shared by threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/cipher_table.hpp"
#include "common/lru_map.hpp"
#include "common/secure.hpp"

namespace digestmd5 {

// ReauthEntry is what a later connection may continue: no password and no H(A1), only what
// identifies the exchange. The server looks the secret up again through the user store.
struct ReauthEntry {
  std::string realm;
  std::string username;
  std::string authzid;  // empty = none
  std::string cnonce;   // of the last authentication on this nonce
  std::uint32_t next_nc = 2;
  std::chrono::steady_clock::time_point issued;  // when the nonce was first used
  void wipe() noexcept {
    wipe_string(realm);
    wipe_string(username);
    wipe_string(authzid);
    wipe_string(cnonce);
  }
};

// ReauthCache is the server's: by full nonce.
class ReauthCache {
 public:
  explicit ReauthCache(std::size_t capacity) : m_map(capacity) {}

  void put(std::string_view nonce, ReauthEntry entry) { m_map.put(nonce, std::move(entry)); }
  std::optional<ReauthEntry> find(std::string_view nonce) { return m_map.find(nonce); }
  // advance moves the entry of `nonce` to nc + 1 and records `cnonce`, if its next nc is still
  // `nc` (so two connections cannot both use one count); at ffffffff the entry is retired. It
  // returns whether this caller won the count.
  bool advance(std::string_view nonce, std::uint32_t nc, std::string_view cnonce);
  void erase(std::string_view nonce) { m_map.erase(nonce); }
  [[nodiscard]] std::size_t size() { return m_map.size(); }

 private:
  LruMap<ReauthEntry> m_map;
};

// ClientReauthEntry is what our client keeps of a server it authenticated with: enough to send
// the next count, and SS (H(user:realm:password)) instead of the password.
struct ClientReauthEntry {
  std::string username;
  std::string realm;
  std::string nonce;
  std::uint32_t last_nc = 1;
  Qop qop = Qop::Auth;
  std::optional<CipherId> cipher;
  std::uint32_t server_maxbuf = 65536;
  bool utf8 = false;
  Digest16 ss;
  void wipe() noexcept {
    wipe_string(username);
    wipe_string(realm);
    wipe_string(nonce);
    ss.clear();
  }
};

// ClientReauthCache is the client's: keyed by client_reauth_key().
using ClientReauthCache = LruMap<ClientReauthEntry>;

// client_reauth_key joins what selects a client entry: service, server FQDN, authid, authzid.
std::string client_reauth_key(std::string_view service, std::string_view fqdn,
                              std::string_view authid, std::string_view authzid);

}  // namespace digestmd5
