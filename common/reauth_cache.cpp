// SPDX-License-Identifier: BSD-3-Clause
// reauth_cache.cpp: the server's count rule and the client's key.
#include "common/reauth_cache.hpp"

namespace digestmd5 {

bool ReauthCache::advance(std::string_view nonce, std::uint32_t nc, std::string_view cnonce) {
  bool won = false;
  m_map.update(nonce, [&](ReauthEntry& e) {
    if (e.next_nc != nc) {
      return true;  // someone else's count, or a stale one: leave the entry as it is
    }
    won = true;
    // nc never wraps: after ffffffff the nonce cannot be continued.
    if (nc == 0xFFFFFFFFU) {
      return false;
    }
    e.next_nc = nc + 1;
    e.cnonce = std::string(cnonce);
    return true;
  });
  return won;
}

std::string client_reauth_key(std::string_view service, std::string_view fqdn,
                              std::string_view authid, std::string_view authzid) {
  std::string key;
  key.reserve(service.size() + fqdn.size() + authid.size() + authzid.size() + 3);
  // NUL separates the parts: none of them can contain one.
  key.append(service).push_back('\0');
  key.append(fqdn).push_back('\0');
  key.append(authid).push_back('\0');
  key.append(authzid);
  return key;
}

}  // namespace digestmd5
