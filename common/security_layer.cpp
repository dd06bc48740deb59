// SPDX-License-Identifier: BSD-3-Clause
// security_layer.cpp: packet sealing and unsealing for auth-int and auth-conf.
#include "common/security_layer.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <span>

namespace digestmd5 {
namespace {

constexpr std::size_t kMacLen = 10;
constexpr std::size_t kTrailerLen = 6;  // 00 01 | BE32(seq)
constexpr std::size_t kPrefixLen = 4;
// RFC 2831 §2.3: a packet carries at least the 10-octet MAC, type and seq (Cyrus minimum 16).
constexpr std::uint32_t kMinPacket = 16;
constexpr std::uint64_t kMinAesMaxbuf = 64;

void put_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

std::uint32_t get_be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// explicit_iv_len is the random block aes-cbc puts in front of every packet (docs/protocol.md §8).
std::size_t explicit_iv_len(std::optional<CipherId> cipher) noexcept {
  return cipher == CipherId::AesCbc ? 16 : 0;
}

// copy_range copies `len` octets starting at `offset` of the concatenation of `parts`.
void copy_range(std::span<const ByteView> parts, std::size_t offset, std::size_t len,
                std::uint8_t* out) noexcept {
  for (const auto& part : parts) {
    if (len == 0) {
      return;
    }
    if (offset >= part.size()) {
      offset -= part.size();
      continue;
    }
    const std::size_t n = std::min(len, part.size() - offset);
    std::memcpy(out, part.data() + offset, n);
    out += n;
    len -= n;
    offset = 0;
  }
}

// HmacMd5 is HMAC-MD5 (RFC 2104) under one fixed key. The padded key is hashed into an inner and
// an outer MD5 state once per connection, so a packet's MAC costs two context copies plus the
// hashing of its data. (An EVP_MAC context costs a digest fetch and parameter parsing to key,
// and about three times as long to set up; per packet the two do the same work.)
class HmacMd5 {
 public:
  // init keys the two states.
  Status init(const Crypto& crypto, const Digest16& key) {
    for (auto* ctx : {&m_inner, &m_outer, &m_work}) {
      ctx->reset(EVP_MD_CTX_new());
      if (!*ctx) {
        throw std::bad_alloc();
      }
    }
    SecretArray<64> pad;  // RFC 2104: K XOR ipad, then K XOR opad (a 16-octet key, zero-padded)
    const auto keyed = [&](EVP_MD_CTX* ctx, std::uint8_t fill) {
      std::fill(pad.bytes().begin(), pad.bytes().end(), fill);
      for (std::size_t i = 0; i < key.size(); ++i) {
        pad.data()[i] = static_cast<std::uint8_t>(key.data()[i] ^ fill);
      }
      return EVP_DigestInit_ex2(ctx, crypto.md5(), nullptr) == 1 &&
             EVP_DigestUpdate(ctx, pad.data(), pad.size()) == 1;
    };
    if (!keyed(m_inner.get(), 0x36) || !keyed(m_outer.get(), 0x5c)) {
      return fail(Errc::Internal, "cannot key HMAC-MD5");
    }
    return {};
  }

  // mac16 computes HMAC(key, BE32(seq) || msg) into `out`.
  Status mac16(std::uint32_t seq, ByteView msg, std::span<std::uint8_t, 16> out) noexcept {
    std::array<std::uint8_t, 4> seq_be{};
    put_be32(seq_be.data(), seq);
    unsigned int n = 0;
    EVP_MD_CTX* w = m_work.get();
    const bool ok = EVP_MD_CTX_copy_ex(w, m_inner.get()) == 1 &&
                    EVP_DigestUpdate(w, seq_be.data(), seq_be.size()) == 1 &&
                    EVP_DigestUpdate(w, msg.data(), msg.size()) == 1 &&
                    EVP_DigestFinal_ex(w, out.data(), &n) == 1 && n == out.size() &&
                    EVP_MD_CTX_copy_ex(w, m_outer.get()) == 1 &&
                    EVP_DigestUpdate(w, out.data(), out.size()) == 1 &&
                    EVP_DigestFinal_ex(w, out.data(), &n) == 1 && n == out.size();
    return ok ? Status{} : fail(Errc::Internal, "HMAC-MD5 failed");
  }

 private:
  EvpMdCtxPtr m_inner;
  EvpMdCtxPtr m_outer;
  EvpMdCtxPtr m_work;  // the copy each packet's MAC is computed in
};

// cipher_key_material derives the cipher key and IV of one direction from its Kc
// (docs/protocol.md §7.2). Both outputs are the caller's SecretArrays, wiped when it is done.
void cipher_key_material(const Crypto& crypto, CipherId id, const Digest16& kc,
                         SecretArray<16>& key, SecretArray<16>& iv) {
  const auto kc_bytes = kc.bytes();
  switch (id) {
    case CipherId::Rc4_40:
    case CipherId::Rc4_56:
    case CipherId::Rc4:
    case CipherId::AesCbc:
      std::copy(kc_bytes.begin(), kc_bytes.end(), key.data());
      break;
    case CipherId::Des:
    case CipherId::TripleDes: {
      auto k1 = des_key_with_parity(kc_bytes.subspan<0, 7>());
      auto k2 = des_key_with_parity(kc_bytes.subspan<7, 7>());
      std::copy(k1.begin(), k1.end(), key.data());
      std::copy(k2.begin(), k2.end(), key.data() + 8);
      wipe(k1);
      wipe(k2);
      std::copy(kc_bytes.begin() + 8, kc_bytes.end(), iv.data());
      break;
    }
  }
  if (id == CipherId::AesCbc) {
    // IV = MD5(Kc || "aes-128") for the first packet; then the CBC chain continues.
    iv = Md5(crypto).update(ByteView(kc_bytes)).update("aes-128").final();
  }
}

// Padding is what check_padding found: whether the padding is well formed, and its length (0
// when it is not, so the MAC is then computed over the whole of msg || pad).
struct Padding {
  std::size_t len = 0;
  bool ok = true;
};

// check_padding reads the padding at the end of `content` (msg || pad): p = its last octet,
// 1..block, every pad octet equal to p. It looks at the same octets whatever it finds, so its
// time does not tell where the padding went wrong. A stream cipher or auth-int has no padding.
Padding check_padding(ByteView content, std::size_t block) noexcept {
  if (block <= 1) {
    return {};
  }
  const std::size_t p = content[content.size() - 1];
  bool pad_ok = p >= 1 && p <= block && p <= content.size();
  unsigned bad = pad_ok ? 0U : 1U;
  for (std::size_t i = 0; i < block && i < content.size(); ++i) {
    const bool in_pad = i < p;
    bad |= static_cast<unsigned>(in_pad && content[content.size() - 1 - i] != p);
  }
  pad_ok = bad == 0;
  return {pad_ok ? p : 0, pad_ok};
}

}  // namespace

struct SecurityLayer::Direction {
  HmacMd5 mac;
  EvpCipherCtxPtr cipher;  // null for auth-int
  std::uint32_t seq = 0;
  bool seq_exhausted = false;

  // mac10 computes HMAC(Ki, BE32(seq) || msg)[0..9] into `out`.
  Status mac10(ByteView msg, std::uint8_t* out) noexcept {
    std::array<std::uint8_t, 16> full{};
    const Status st = mac.mac16(seq, msg, full);
    std::memcpy(out, full.data(), kMacLen);
    OPENSSL_cleanse(full.data(), full.size());
    return st;
  }

  // advance moves the counter; RFC 2831 lets it wrap, we close instead (docs/protocol.md §7.4).
  void advance() noexcept {
    if (seq == 0xFFFFFFFFU) {
      seq_exhausted = true;
    } else {
      ++seq;
    }
  }

  // make keys one direction: HMAC-MD5 under Ki and, for auth-conf, the cipher under Kc.
  static Result<std::unique_ptr<Direction>> make(const Crypto& crypto, const LayerConfig& config,
                                                 const Digest16& ki, const Digest16& kc,
                                                 bool encrypt);
  // key_cipher creates and keys the auth-conf cipher context for encryption or decryption.
  Status key_cipher(const Crypto& crypto, CipherId id, const Digest16& kc, bool encrypt);
  // decrypt turns `body` (iv || ciphertext) into msg || pad || MAC at `plain`, or copies it
  // there for auth-int.
  Status decrypt(ByteView body, std::size_t iv, std::uint8_t* plain) noexcept;
};

Result<std::unique_ptr<SecurityLayer::Direction>> SecurityLayer::Direction::make(
    const Crypto& crypto, const LayerConfig& config, const Digest16& ki, const Digest16& kc,
    bool encrypt) {
  auto d = std::make_unique<Direction>();
  if (const auto st = d->mac.init(crypto, ki); !st) {
    return st.error();
  }
  if (config.qop != Qop::AuthConf) {
    return d;
  }
  if (const auto st = d->key_cipher(crypto, *config.cipher, kc, encrypt); !st) {
    return st.error();
  }
  return d;
}

Status SecurityLayer::Direction::key_cipher(const Crypto& crypto, CipherId id, const Digest16& kc,
                                            bool encrypt) {
  const EVP_CIPHER* evp = crypto.cipher(id);
  if (evp == nullptr) {
    return fail(Errc::Unavailable, "negotiated cipher is not available");
  }
  // Key material per docs/protocol.md §7.2; all of it is wiped when these arrays go out of scope.
  SecretArray<16> key;
  SecretArray<16> iv;
  cipher_key_material(crypto, id, kc, key, iv);
  cipher.reset(EVP_CIPHER_CTX_new());
  if (!cipher) {
    throw std::bad_alloc();
  }
  // RC4 takes no IV and has no padding to switch off; skipping both saves two parameter
  // round trips into the provider per context.
  const bool block = cipher_info(id).block > 1;
  const unsigned char* iv_or_null = block ? iv.data() : nullptr;
  const bool keyed =
      (encrypt ? EVP_EncryptInit_ex2(cipher.get(), evp, key.data(), iv_or_null, nullptr)
               : EVP_DecryptInit_ex2(cipher.get(), evp, key.data(), iv_or_null, nullptr)) == 1;
  if (!keyed || (block && EVP_CIPHER_CTX_set_padding(cipher.get(), 0) != 1)) {
    return fail(Errc::Unavailable, "cannot initialise the negotiated cipher");
  }
  return {};
}

Status SecurityLayer::Direction::decrypt(ByteView body, std::size_t iv,
                                         std::uint8_t* plain) noexcept {
  if (!cipher) {
    std::memcpy(plain, body.data(), body.size());
    return {};
  }
  // aes-cbc's random first block only continues the CBC chain, so it is decrypted aside.
  std::array<std::uint8_t, 16> random{};
  int random_len = 0;
  int out_len = 0;
  const bool ok = (iv == 0 || (EVP_DecryptUpdate(cipher.get(), random.data(), &random_len,
                                                 body.data(), static_cast<int>(iv)) == 1 &&
                               static_cast<std::size_t>(random_len) == iv)) &&
                  EVP_DecryptUpdate(cipher.get(), plain, &out_len, body.data() + iv,
                                    static_cast<int>(body.size() - iv)) == 1 &&
                  static_cast<std::size_t>(out_len) == body.size() - iv;
  OPENSSL_cleanse(random.data(), random.size());
  return ok ? Status{} : fail(Errc::Internal, "decryption failed");
}

std::array<std::uint8_t, 8> des_key_with_parity(std::span<const std::uint8_t, 7> in) noexcept {
  std::uint64_t v = 0;
  for (const auto b : in) {
    v = (v << 8) | b;
  }
  std::array<std::uint8_t, 8> out{};
  for (std::size_t i = 0; i < 8; ++i) {
    auto b = static_cast<std::uint8_t>(((v >> (49 - 7 * i)) & 0x7F) << 1);
    // Odd parity: bit 0 makes the number of set bits odd.
    if ((__builtin_popcount(b) & 1) == 0) {
      b = static_cast<std::uint8_t>(b | 1);
    }
    out[i] = b;
  }
  return out;
}

std::uint32_t max_plaintext(Qop qop, std::optional<CipherId> cipher, std::uint32_t peer_maxbuf) {
  const std::uint64_t maxbuf = peer_maxbuf;
  std::uint64_t fits = 0;
  if (qop != Qop::AuthConf || !cipher || cipher_info(*cipher).block == 1) {
    // L = |msg| + 10 + 6
    fits = maxbuf > 16 ? maxbuf - 16 : 0;
  } else {
    // L = roundup_b(iv + |msg| + 1 + 10) + 6, with 1..b octets of padding.
    // docs/protocol.md §8 item 3: aes-cbc needs a peer maxbuf of at least 64.
    if (cipher == CipherId::AesCbc && maxbuf < kMinAesMaxbuf) {
      return 0;
    }
    const std::uint64_t b = cipher_info(*cipher).block;
    const std::uint64_t iv = explicit_iv_len(cipher);
    if (maxbuf < kTrailerLen) {
      return 0;
    }
    const std::uint64_t room = (maxbuf - kTrailerLen) / b * b;
    fits = room > iv + kMacLen + 1 ? room - iv - kMacLen - 1 : 0;
  }
  return static_cast<std::uint32_t>(fits);
}

CipherSet ciphers_fitting(CipherSet set, std::uint32_t maxbuf) {
  for (const auto& info : kCiphers) {
    if (max_plaintext(Qop::AuthConf, info.id, maxbuf) == 0) {
      set.remove(info.id);
    }
  }
  return set;
}

Result<std::unique_ptr<SecurityLayer>> SecurityLayer::create(std::shared_ptr<const Crypto> crypto,
                                                             const LayerKeys& keys,
                                                             const LayerConfig& config) {
  std::unique_ptr<SecurityLayer> layer(new SecurityLayer());
  layer->m_config = config;
  layer->m_max_out = max_plaintext(config.qop, config.cipher, config.peer_maxbuf);
  if (layer->m_max_out == 0) {
    return fail(Errc::TooWeak, "peer's maxbuf is too small for any packet with this cipher");
  }
  if (config.qop == Qop::AuthConf && !config.cipher) {
    return fail(Errc::Internal, "auth-conf without a cipher");
  }
  const bool client = config.role == Role::Client;
  const Digest16& ki_send = client ? keys.kic : keys.kis;
  const Digest16& ki_recv = client ? keys.kis : keys.kic;
  const Digest16& kc_send = client ? keys.kcc : keys.kcs;
  const Digest16& kc_recv = client ? keys.kcs : keys.kcc;

  auto send = Direction::make(*crypto, config, ki_send, kc_send, true);
  if (!send) {
    return send.error();
  }
  auto recv = Direction::make(*crypto, config, ki_recv, kc_recv, false);
  if (!recv) {
    return recv.error();
  }
  layer->m_send = std::move(*send);
  layer->m_recv = std::move(*recv);
  layer->m_crypto = std::move(crypto);
  layer->m_block = config.qop == Qop::AuthConf ? cipher_info(*config.cipher).block : 1;
  return layer;
}

SecurityLayer::~SecurityLayer() {
  OPENSSL_cleanse(m_out_decoded.data(), m_out_decoded.size());
  OPENSSL_cleanse(m_pending.data(), m_pending.size());
}

Result<ByteView> SecurityLayer::encode(std::span<const ByteView> parts) {
  m_out_encoded.clear();
  std::size_t total = 0;
  for (const auto& p : parts) {
    total += p.size();
  }
  std::size_t offset = 0;
  do {
    const std::size_t len = std::min<std::size_t>(total - offset, m_max_out);
    if (const auto st = seal_one(parts, offset, len); !st) {
      return st.error();
    }
    offset += len;
  } while (offset < total);
  return ByteView(m_out_encoded);
}

Status SecurityLayer::seal_one(std::span<const ByteView> parts, std::size_t offset,
                               std::size_t len) {
  Direction& d = *m_send;
  if (d.seq_exhausted) {
    return fail(Errc::Unavailable, "sequence number space exhausted; reauthenticate");
  }
  const std::size_t iv = m_config.qop == Qop::AuthConf ? explicit_iv_len(m_config.cipher) : 0;
  std::size_t pad = 0;
  if (m_block > 1) {
    pad = m_block - ((iv + len + kMacLen) % m_block);
  }
  const std::size_t body = iv + len + pad + kMacLen;
  const std::size_t packet_len = body + kTrailerLen;
  const std::size_t start = m_out_encoded.size();
  m_out_encoded.resize(start + kPrefixLen + packet_len);
  std::uint8_t* p = m_out_encoded.data() + start;
  put_be32(p, static_cast<std::uint32_t>(packet_len));
  std::uint8_t* const body_start = p + kPrefixLen;
  std::uint8_t* const msg = body_start + iv;
  if (iv > 0) {
    if (const auto st = m_crypto->random({body_start, iv}); !st) {
      return st;
    }
  }
  copy_range(parts, offset, len, msg);
  std::memset(msg + len, static_cast<int>(pad), pad);
  if (const auto st = d.mac10({msg, len}, msg + len + pad); !st) {
    return st;
  }
  if (d.cipher) {
    int out_len = 0;
    if (EVP_EncryptUpdate(d.cipher.get(), body_start, &out_len, body_start,
                          static_cast<int>(body)) != 1 ||
        static_cast<std::size_t>(out_len) != body) {
      return fail(Errc::Internal, "encryption failed");
    }
  }
  std::uint8_t* trailer = body_start + body;
  trailer[0] = 0;
  trailer[1] = 1;
  put_be32(trailer + 2, d.seq);
  d.advance();
  return {};
}

Result<ByteView> SecurityLayer::decode(ByteView input) {
  if (m_failed) {
    return fail(Errc::BadProtocol, "security layer already failed");
  }
  m_out_decoded.clear();
  while (!input.empty()) {
    // Complete the length prefix, then the packet, from pending bytes plus input.
    const auto used = m_pending.size() < kPrefixLen ? take_prefix(input) : take_packet(input);
    if (!used) {
      m_failed = true;  // every receive error is fatal
      return used.error();
    }
    input = input.subspan(*used);
  }
  return ByteView(m_out_decoded);
}

Status SecurityLayer::check_length(std::uint32_t len) const {
  if (len > m_config.own_maxbuf || len < kMinPacket) {
    return fail(Errc::BadProtocol, "security layer packet length out of range");
  }
  return {};
}

Result<std::size_t> SecurityLayer::take_prefix(ByteView input) {
  if (m_pending.empty() && input.size() >= kPrefixLen) {
    // Fast path: the whole packet may be in `input`, and is then unsealed where it lies.
    const std::uint32_t len = get_be32(input.data());
    if (const auto st = check_length(len); !st) {
      return st.error();
    }
    if (input.size() - kPrefixLen >= len) {
      if (const auto st = unseal_one(input.subspan(kPrefixLen, len)); !st) {
        return st.error();
      }
      return kPrefixLen + len;
    }
  }
  const std::size_t n = std::min(kPrefixLen - m_pending.size(), input.size());
  m_pending.insert(m_pending.end(), input.begin(), input.begin() + static_cast<long>(n));
  if (m_pending.size() == kPrefixLen) {
    const std::uint32_t len = get_be32(m_pending.data());
    if (const auto st = check_length(len); !st) {
      return st.error();
    }
    m_pending.reserve(kPrefixLen + len);
  }
  return n;
}

Result<std::size_t> SecurityLayer::take_packet(ByteView input) {
  const std::size_t total = kPrefixLen + get_be32(m_pending.data());
  const std::size_t n = std::min(total - m_pending.size(), input.size());
  m_pending.insert(m_pending.end(), input.begin(), input.begin() + static_cast<long>(n));
  if (m_pending.size() == total) {
    const auto st = unseal_one(ByteView(m_pending).subspan(kPrefixLen));
    OPENSSL_cleanse(m_pending.data(), m_pending.size());
    m_pending.clear();
    if (!st) {
      return st.error();
    }
  }
  return n;
}

Status SecurityLayer::check_framing(ByteView packet, std::size_t iv) const {
  const std::uint8_t* trailer = packet.data() + packet.size() - kTrailerLen;
  if (trailer[0] != 0 || trailer[1] != 1) {
    return fail(Errc::BadProtocol, "security layer packet has an unknown type");
  }
  if (m_recv->seq_exhausted || get_be32(trailer + 2) != m_recv->seq) {
    return fail(Errc::BadProtocol, "security layer packet out of sequence");
  }
  const std::size_t body = packet.size() - kTrailerLen;
  if (m_block > 1 && (body % m_block != 0 || body < iv + m_block)) {
    return fail(Errc::BadProtocol, "security layer packet is not a whole number of blocks");
  }
  return {};
}

Status SecurityLayer::unseal_one(ByteView packet) {
  Direction& d = *m_recv;
  // Spec §7.5 order: type and seq, block alignment, decrypt, padding, constant-time MAC.
  const std::size_t iv = m_config.qop == Qop::AuthConf ? explicit_iv_len(m_config.cipher) : 0;
  if (const auto st = check_framing(packet, iv); !st) {
    return st;
  }
  const std::size_t body = packet.size() - kTrailerLen;
  // `plain` receives msg || pad || MAC. aes-cbc's random first block is decrypted aside, so the
  // message lands in place, with no move afterwards.
  const std::size_t start = m_out_decoded.size();
  m_out_decoded.resize(start + body - iv);
  std::uint8_t* plain = m_out_decoded.data() + start;
  if (const auto st = d.decrypt(packet.first(body), iv, plain); !st) {
    m_out_decoded.resize(start);
    return st;
  }
  // On bad padding the MAC is still computed (over a message of zero padding) and one error
  // covers both, so the receiver gives no padding oracle (bis-07 §3.8).
  const std::size_t content = body - kMacLen - iv;  // msg + pad
  const Padding pad = check_padding({plain, content}, m_block);
  const std::size_t msg_len = content - pad.len;
  std::array<std::uint8_t, kMacLen> expect{};
  const bool mac_ran = d.mac10({plain, msg_len}, expect.data()).ok();
  const bool mac_ok = CRYPTO_memcmp(expect.data(), plain + content, kMacLen) == 0;
  if (!mac_ran || !(mac_ok & pad.ok)) {
    OPENSSL_cleanse(plain, body - iv);
    m_out_decoded.resize(start);
    return fail(Errc::BadProtocol, "security layer packet failed its integrity check");
  }
  m_out_decoded.resize(start + msg_len);
  d.advance();
  return {};
}

}  // namespace digestmd5
