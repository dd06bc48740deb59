// SPDX-License-Identifier: BSD-3-Clause
// security_layer.hpp: the auth-int and auth-conf packet layer (docs/protocol.md §7, §8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "common/cipher_table.hpp"
#include "common/crypto.hpp"
#include "common/digest.hpp"
#include "common/errc.hpp"
#include "common/secure.hpp"

namespace digestmd5 {

enum class Role { Client, Server };

// LayerConfig describes a negotiated layer. `peer_maxbuf` is the largest packet length L the
// peer accepts; `own_maxbuf` the largest we accept (what we announced).
struct LayerConfig {
  Role role = Role::Client;
  Qop qop = Qop::AuthInt;  // AuthInt or AuthConf
  std::optional<CipherId> cipher;
  std::uint32_t peer_maxbuf = 65536;
  std::uint32_t own_maxbuf = 65536;
};

// LayerBufferAllocator hands out the layer's output buffers: growing them does not zero-fill
// (the layer writes every octet it hands out, so zeroing a 64 KiB packet was pure cost), and a
// block is wiped when freed, as it may hold plaintext.
template <typename T>
struct LayerBufferAllocator : SecureAllocator<T> {
  using value_type = T;
  LayerBufferAllocator() noexcept = default;
  template <typename U>
  explicit LayerBufferAllocator(const LayerBufferAllocator<U>& /*other*/) noexcept {}
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;  // default-initialisation: octets are left as they are
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  friend bool operator==(const LayerBufferAllocator&, const LayerBufferAllocator&) noexcept {
    return true;
  }
};
using LayerBuffer = std::vector<std::uint8_t, LayerBufferAllocator<std::uint8_t>>;

// max_plaintext returns the largest message that fits one packet of at most `peer_maxbuf`
// octets (exact, counting the worst-case padding), or 0 when none fits.
std::uint32_t max_plaintext(Qop qop, std::optional<CipherId> cipher, std::uint32_t peer_maxbuf);

// ciphers_fitting keeps the ciphers of `set` whose packets can carry at least one octet within
// `maxbuf` (aes-cbc needs 64, des/3des 22; docs/protocol.md §7.6, §8 item 3).
CipherSet ciphers_fitting(CipherSet set, std::uint32_t maxbuf);

// SecurityLayer seals outgoing messages into packets and unseals the incoming byte stream.
// Output views point into buffers the layer owns; they stay valid until the next call of the
// same direction. Any receive error is fatal: later decode() calls fail too.
class SecurityLayer {
 public:
  // create keys both directions. It fails with Unavailable if the cipher is not available
  // and TooWeak if no message fits in a packet of the peer's maxbuf.
  static Result<std::unique_ptr<SecurityLayer>> create(std::shared_ptr<const Crypto> crypto,
                                                       const LayerKeys& keys,
                                                       const LayerConfig& config);
  ~SecurityLayer();
  SecurityLayer(const SecurityLayer&) = delete;
  SecurityLayer& operator=(const SecurityLayer&) = delete;

  // encode seals the concatenation of `parts` into as many packets as needed.
  Result<ByteView> encode(std::span<const ByteView> parts);
  // decode consumes any split of the packet stream and returns the plaintext of every packet
  // completed by `input` (possibly empty).
  Result<ByteView> decode(ByteView input);
  // max_out is the largest message one packet carries (oparams->maxoutbuf).
  [[nodiscard]] std::uint32_t max_out() const noexcept { return m_max_out; }

  struct Direction;  // key schedule and counters of one direction (defined in the .cpp)

 private:
  SecurityLayer() = default;
  Status seal_one(std::span<const ByteView> parts, std::size_t offset, std::size_t len);
  // check_length checks a packet's length prefix against our maxbuf and the smallest packet.
  Status check_length(std::uint32_t len) const;
  // take_prefix consumes octets of a length prefix into m_pending, or a whole packet straight
  // from `input` when nothing is pending; it returns how many octets it consumed.
  Result<std::size_t> take_prefix(ByteView input);
  // take_packet consumes octets of the pending packet and unseals it once it is complete; it
  // returns how many octets it consumed.
  Result<std::size_t> take_packet(ByteView input);
  // check_framing checks what precedes decryption: type, sequence number, block alignment.
  Status check_framing(ByteView packet, std::size_t iv) const;
  Status unseal_one(ByteView packet);

  std::shared_ptr<const Crypto> m_crypto;
  LayerConfig m_config;
  std::size_t m_block = 1;
  std::uint32_t m_max_out = 0;
  std::unique_ptr<Direction> m_send;
  std::unique_ptr<Direction> m_recv;
  LayerBuffer m_out_encoded;
  LayerBuffer m_out_decoded;
  Bytes m_pending;  // a partial packet (length prefix included) awaiting more input
  bool m_failed = false;
};

// des_key_with_parity spreads 7 key octets over 8, setting odd parity in bit 0 (docs/protocol.md
// §7.2).
std::array<std::uint8_t, 8> des_key_with_parity(std::span<const std::uint8_t, 7> in) noexcept;

}  // namespace digestmd5
