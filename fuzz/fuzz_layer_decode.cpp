// SPDX-License-Identifier: BSD-3-Clause
// fuzz_layer_decode.cpp: SecurityLayer::decode fed arbitrary byte streams after a negotiation
// of every qop/cipher (docs/protocol.md §7.3-§7.6, §8).
//
// Both ends are keyed with derive_keys from a fixed H(A1) (the RFC 2831 §4 example), so runs
// are reproducible (aes-cbc's per-packet random block changes the bytes, not the paths). The
// first octet picks the layer (auth-int or one of the six ciphers), which side decodes and the
// decoder's maxbuf; the rest is a script of operations on the stream the decoder receives:
//   0: raw octets          1: a packet the peer sealed, delivered whole
//   2: a sealed packet with one octet changed      3: a sealed packet delivered in pieces
//   4: raw octets split into several decode() calls
//
// Properties: no crash; every error is fatal (each later decode fails); while the stream holds
// only untouched packets, decode succeeds and returns exactly what was sealed, in order; the
// plaintext returned never exceeds the octets received.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.hpp"

using namespace digestmd5;

namespace {

struct Layer {
  Qop qop;
  std::optional<CipherId> cipher;
};

constexpr Layer kLayers[] = {
    {Qop::AuthInt, std::nullopt},          {Qop::AuthConf, CipherId::Rc4_40},
    {Qop::AuthConf, CipherId::Rc4_56},     {Qop::AuthConf, CipherId::Rc4},
    {Qop::AuthConf, CipherId::Des},        {Qop::AuthConf, CipherId::TripleDes},
    {Qop::AuthConf, CipherId::AesCbc},
};

constexpr std::uint32_t kMaxbufs[] = {65536, 17, 22, 64, 100, 1000, 4096, 16777215};

const Digest16& fixed_ha1() {
  static const Digest16 ha1 = [] {
    // H(A1) of the RFC 2831 §4 example (docs/protocol.md §10): a2549853149b0536f01f0b850c643c57.
    constexpr std::uint8_t kBytes[16] = {0xa2, 0x54, 0x98, 0x53, 0x14, 0x9b, 0x05, 0x36,
                                         0xf0, 0x1f, 0x0b, 0x85, 0x0c, 0x64, 0x3c, 0x57};
    Digest16 d;
    std::copy(std::begin(kBytes), std::end(kBytes), d.data());
    return d;
  }();
  return ha1;
}

// Stream tracks what the decoder should do next.
struct Stream {
  SecurityLayer& decoder;
  bool clean = true;    // only untouched whole packets so far
  bool failed = false;  // decode has reported an error
  std::size_t received = 0;
  std::size_t returned = 0;

  // feed delivers `bytes` and returns the plaintext they completed. While the stream is clean,
  // that plaintext must equal `expect` when given.
  std::string feed(ByteView bytes, std::optional<std::string_view> expect) {
    received += bytes.size();
    const auto out = decoder.decode(bytes);
    if (failed) {
      DMD5_FUZZ_CHECK(!out.has_value());  // every receive error is fatal (docs/protocol.md §7.5)
      return {};
    }
    if (!out) {
      DMD5_FUZZ_CHECK(!clean);
      DMD5_FUZZ_CHECK(!out.error().message.empty());
      DMD5_FUZZ_CHECK(out.error().code == Errc::BadProtocol);
      failed = true;
      return {};
    }
    returned += out->size();
    DMD5_FUZZ_CHECK(returned <= received);
    if (clean && expect) {
      DMD5_FUZZ_CHECK(as_text(*out) == *expect);
    }
    return std::string(as_text(*out));
  }
};

// unit is the length multiplier of an operation: 1, or `big` when the operation's top bit is set.
std::size_t unit(std::uint8_t op, std::size_t big) noexcept { return (op & 0x80) != 0 ? big : 1; }

Bytes seal(SecurityLayer& peer, std::string_view message) {
  const ByteView parts[] = {as_bytes(message)};
  const auto sealed = peer.encode(parts);
  DMD5_FUZZ_CHECK(sealed.has_value());
  return Bytes(sealed->begin(), sealed->end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& crypto = fuzz::shared_crypto();
  fuzz::ByteReader in(data, size);
  const std::uint8_t config = in.u8();
  const Layer& layer = kLayers[(config & 7) % 7];
  const Role role = (config & 8) != 0 ? Role::Server : Role::Client;
  const Role peer_role = role == Role::Client ? Role::Server : Role::Client;
  const std::uint32_t own_maxbuf = kMaxbufs[(config >> 4) & 7];

  const LayerKeys keys = derive_keys(*crypto, fixed_ha1(), layer.cipher);
  auto decoder = SecurityLayer::create(
      crypto, keys, LayerConfig{role, layer.qop, layer.cipher, kDefaultMaxbuf, own_maxbuf});
  auto peer = SecurityLayer::create(
      crypto, keys, LayerConfig{peer_role, layer.qop, layer.cipher, own_maxbuf, kDefaultMaxbuf});
  DMD5_FUZZ_CHECK(decoder.has_value());
  if (!peer) {
    // No packet of this cipher fits the decoder's maxbuf (e.g. aes-cbc below 64).
    DMD5_FUZZ_CHECK(peer.error().code == Errc::TooWeak);
    return 0;
  }
  Stream stream{**decoder};
  while (!in.empty()) {
    const std::uint8_t op = in.u8();
    switch (op % 5) {
      case 0: {
        const std::string raw = in.bytes(unit(op, 64));
        stream.clean = stream.clean && raw.empty();
        stream.feed(as_bytes(raw), std::nullopt);
        break;
      }
      case 1: {
        const std::string message = in.bytes(unit(op, 16));
        const Bytes wire = seal(**peer, message);
        stream.feed(wire, message);
        break;
      }
      case 2: {
        const std::string message = in.bytes();
        Bytes wire = seal(**peer, message);
        const std::size_t at = in.u32() % wire.size();
        const std::uint8_t mask = static_cast<std::uint8_t>(in.u8() | 1U);
        wire[at] = static_cast<std::uint8_t>(wire[at] ^ mask);
        stream.clean = false;
        stream.feed(wire, std::nullopt);
        break;
      }
      case 3: {
        const std::string message = in.bytes(unit(op, 16));
        const Bytes wire = seal(**peer, message);
        const std::size_t piece = 1 + in.u8() % 37;
        std::string got;
        for (std::size_t at = 0; at < wire.size(); at += piece) {
          got += stream.feed(ByteView(wire).subspan(at, std::min(piece, wire.size() - at)),
                             std::nullopt);
        }
        if (stream.clean) {
          DMD5_FUZZ_CHECK(got == message);
        }
        break;
      }
      default: {
        const std::string raw = in.bytes();
        const std::size_t piece = 1 + in.u8() % 7;
        stream.clean = stream.clean && raw.empty();
        for (std::size_t at = 0; at < raw.size(); at += piece) {
          stream.feed(as_bytes(std::string_view(raw).substr(at, piece)), std::nullopt);
        }
        break;
      }
    }
  }
  return 0;
}
