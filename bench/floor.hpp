// SPDX-License-Identifier: BSD-3-Clause
// floor.hpp: the OpenSSL floor: the least crypto work a DIGEST-MD5 layer round trip must do.
#pragma once

#include <cstddef>
#include <memory>

#include "bench/cases.hpp"

namespace dmd5bench {

// FloorRound redoes one chunk's layer round trip with nothing but the crypto it needs, straight
// through OpenSSL EVP (in a private library context with the default and legacy providers, as
// the plugin uses). Per packet, split as the layer must (at most max_plain(c) octets), the sender
// computes HMAC-MD5(Ki, BE32(seq) || msg) with EVP_MAC re-initialised per packet and encrypts
// [random block] || msg || pad || MAC[0..9] from the caller's buffer into a wire buffer (the
// random block from 512-octet RAND_bytes_ex batches, as the plugin draws it); the
// receiver decrypts into a second buffer, checks the padding and recomputes the MAC. auth-int is
// the two MACs alone. Nothing is copied but the last partial block, the padding and the MAC.
class FloorRound {
 public:
  // The constructor throws std::runtime_error when OpenSSL cannot provide the case's cipher.
  FloorRound(const LayerCase& c, std::size_t chunk);
  ~FloorRound();
  FloorRound(const FloorRound&) = delete;
  FloorRound& operator=(const FloorRound&) = delete;

  // operator() runs one round trip; false if the receiver rejected what the sender produced.
  bool operator()();

  struct State;

 private:
  std::unique_ptr<State> m_state;
};

// HandshakeFloor is the least crypto a handshake with a layer must add over qop auth, for one
// client+server pair, straight through OpenSSL EVP in the same kind of library context: each
// side derives its layer keys from H(A1) (one MD5 per key, docs/protocol.md §7), keys HMAC-MD5
// for both directions (the inner and outer MD5 states of the padded key, in contexts it keeps),
// and with a cipher creates and keys an encrypting and a decrypting context; all of it freed
// again, as a connection's dispose does. The cipher is fetched once, as the plugin does.
class HandshakeFloor {
 public:
  // The constructor throws std::runtime_error when OpenSSL cannot provide the case's cipher.
  explicit HandshakeFloor(const HandshakeCase& c);
  ~HandshakeFloor();
  HandshakeFloor(const HandshakeFloor&) = delete;
  HandshakeFloor& operator=(const HandshakeFloor&) = delete;

  // operator() does one pair's work; false if OpenSSL failed.
  bool operator()();

  struct State;

 private:
  std::unique_ptr<State> m_state;
};

}  // namespace dmd5bench
