// SPDX-License-Identifier: BSD-3-Clause
// floor.cpp: the OpenSSL floor, measured with the packet split and the crypto calls the layer
// cannot avoid, and nothing else.
#include "bench/floor.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/timing.hpp"

namespace dmd5bench {
namespace {

template <auto Fn>
struct FreeWith {
  template <typename T>
  void operator()(T* p) const noexcept {
    Fn(p);
  }
};
using MacCtx = std::unique_ptr<EVP_MAC_CTX, FreeWith<&EVP_MAC_CTX_free>>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, FreeWith<&EVP_CIPHER_CTX_free>>;
using Cipher = std::unique_ptr<EVP_CIPHER, FreeWith<&EVP_CIPHER_free>>;

constexpr std::size_t kMacLen = 10;
constexpr std::size_t kTrailerLen = 6;
constexpr std::size_t kMaxPackets = 4;  // a 64 KiB chunk needs two

// OpenSsl is a private library context with the default and legacy providers, set up as the
// plugin sets up its own (the application's default context is left alone).
class OpenSsl {
 public:
  OpenSsl() : m_ctx(OSSL_LIB_CTX_new()) {
    m_default = m_ctx != nullptr ? OSSL_PROVIDER_load(m_ctx, "default") : nullptr;
    if (m_default == nullptr) {
      throw std::runtime_error("cannot set up an OpenSSL library context");
    }
    m_legacy = OSSL_PROVIDER_load(m_ctx, "legacy");
    m_hmac = EVP_MAC_fetch(m_ctx, "HMAC", nullptr);
    m_md5 = EVP_MD_fetch(m_ctx, "MD5", nullptr);
    if (m_hmac == nullptr || m_md5 == nullptr) {
      throw std::runtime_error("OpenSSL provides no HMAC or MD5");
    }
  }
  ~OpenSsl() {
    EVP_MD_free(m_md5);
    EVP_MAC_free(m_hmac);
    if (m_legacy != nullptr) {
      OSSL_PROVIDER_unload(m_legacy);
    }
    OSSL_PROVIDER_unload(m_default);
    OSSL_LIB_CTX_free(m_ctx);
  }
  OpenSsl(const OpenSsl&) = delete;
  OpenSsl& operator=(const OpenSsl&) = delete;

  [[nodiscard]] OSSL_LIB_CTX* ctx() const noexcept { return m_ctx; }
  [[nodiscard]] EVP_MAC* hmac() const noexcept { return m_hmac; }
  [[nodiscard]] const EVP_MD* md5() const noexcept { return m_md5; }
  [[nodiscard]] bool legacy() const noexcept { return m_legacy != nullptr; }

 private:
  OSSL_LIB_CTX* m_ctx;
  OSSL_PROVIDER* m_default = nullptr;
  OSSL_PROVIDER* m_legacy = nullptr;
  EVP_MAC* m_hmac = nullptr;
  EVP_MD* m_md5 = nullptr;
};

// openssl is the one library context per process, as the plugin has.
const OpenSsl& openssl() {
  static const OpenSsl ossl;
  return ossl;
}

// Path is one direction of a connection: the sender's and the receiver's state for it.
struct Path {
  const LayerCase* layer = nullptr;
  OSSL_LIB_CTX* libctx = nullptr;
  Cipher cipher;
  MacCtx send_mac;
  MacCtx recv_mac;
  CipherCtx enc;  // null for auth-int
  CipherCtx dec;
  std::uint32_t send_seq = 0;
  std::uint32_t recv_seq = 0;
  // aes-cbc's random blocks come from 512-octet RAND_bytes_ex batches (one call costs about as
  // much as for 16 octets), as the plugin draws them.
  std::array<std::uint8_t, 512> random{};
  std::size_t random_left = 0;
};

void put_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

MacCtx keyed_mac(const OpenSsl& ossl, const std::array<std::uint8_t, 16>& key) {
  MacCtx mac(EVP_MAC_CTX_new(ossl.hmac()));
  char digest[] = "MD5";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  if (!mac || EVP_MAC_init(mac.get(), key.data(), key.size(), params) != 1) {
    throw std::runtime_error("cannot key HMAC-MD5");
  }
  return mac;
}

CipherCtx keyed_cipher(const EVP_CIPHER* cipher, const std::array<std::uint8_t, 16>& key,
                       const std::array<std::uint8_t, 16>& iv, bool encrypt) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  const int ok = !ctx      ? 0
                 : encrypt ? EVP_EncryptInit_ex2(ctx.get(), cipher, key.data(), iv.data(), nullptr)
                           : EVP_DecryptInit_ex2(ctx.get(), cipher, key.data(), iv.data(), nullptr);
  if (ok != 1 || EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1) {
    throw std::runtime_error("cannot key the cipher");
  }
  return ctx;
}

// make_path keys one direction with random keys (their values do not change the work).
Path make_path(const OpenSsl& ossl, const LayerCase& c) {
  std::array<std::uint8_t, 16> ki{};
  std::array<std::uint8_t, 16> kc{};
  std::array<std::uint8_t, 16> iv{};
  if (RAND_bytes_ex(ossl.ctx(), ki.data(), ki.size(), 0) != 1 ||
      RAND_bytes_ex(ossl.ctx(), kc.data(), kc.size(), 0) != 1 ||
      RAND_bytes_ex(ossl.ctx(), iv.data(), iv.size(), 0) != 1) {
    throw std::runtime_error("random number generator failed");
  }
  Path p;
  p.layer = &c;
  p.libctx = ossl.ctx();
  p.send_mac = keyed_mac(ossl, ki);
  p.recv_mac = keyed_mac(ossl, ki);
  if (c.evp_name != nullptr) {
    p.cipher.reset(EVP_CIPHER_fetch(ossl.ctx(), c.evp_name, nullptr));
    if (!p.cipher) {
      throw std::runtime_error(ossl.legacy() ? "cipher not available"
                                             : "cipher not available (no legacy provider)");
    }
    p.enc = keyed_cipher(p.cipher.get(), kc, iv, true);
    p.dec = keyed_cipher(p.cipher.get(), kc, iv, false);
  }
  return p;
}

// mac16 computes HMAC-MD5(key, BE32(seq) || msg), re-initialising the keyed context.
bool mac16(EVP_MAC_CTX* ctx, std::uint32_t seq, const std::uint8_t* msg, std::size_t len,
           std::uint8_t* out) noexcept {
  std::array<std::uint8_t, 4> seq_be{};
  put_be32(seq_be.data(), seq);
  std::size_t n = 0;
  return EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1 &&
         EVP_MAC_update(ctx, seq_be.data(), seq_be.size()) == 1 &&
         EVP_MAC_update(ctx, msg, len) == 1 && EVP_MAC_final(ctx, out, &n, 16) == 1 && n == 16;
}

bool encrypt(EVP_CIPHER_CTX* ctx, const std::uint8_t* in, std::size_t len, std::uint8_t* out) {
  int n = 0;
  return len == 0 || (EVP_EncryptUpdate(ctx, out, &n, in, static_cast<int>(len)) == 1 &&
                      static_cast<std::size_t>(n) == len);
}

// seal writes one packet for `msg` (without the 4-octet prefix, which costs nothing to write)
// and returns its length, or 0 on failure. auth-int writes only the MAC and the trailer: the
// message itself would be sent as it is, so the floor leaves it where it is.
std::size_t seal(Path& p, const std::uint8_t* msg, std::size_t len, std::uint8_t* out) {
  const LayerCase& c = *p.layer;
  std::array<std::uint8_t, 16> mac{};
  if (!mac16(p.send_mac.get(), p.send_seq, msg, len, mac.data())) {
    return 0;
  }
  std::size_t at = len;
  if (!p.enc) {
    std::memcpy(out + at, mac.data(), kMacLen);
    at += kMacLen;
  } else {
    at = 0;
    if (c.random_prefix > 0) {
      if (p.random_left < c.random_prefix) {
        if (RAND_bytes_ex(p.libctx, p.random.data(), p.random.size(), 0) != 1) {
          return 0;
        }
        p.random_left = p.random.size();
      }
      const std::uint8_t* r = p.random.data() + p.random.size() - p.random_left;
      p.random_left -= c.random_prefix;
      if (!encrypt(p.enc.get(), r, c.random_prefix, out)) {
        return 0;
      }
    }
    at += c.random_prefix;
    // Whole blocks straight from the caller's buffer; the last partial block, the padding and
    // the MAC from a small scratch block, continuing the same cipher stream.
    const std::size_t whole = len - len % c.block;
    const std::size_t rest = len - whole;
    const std::size_t pad = c.block == 1 ? 0 : c.block - (rest + kMacLen) % c.block;
    std::array<std::uint8_t, 48> tail{};
    std::memcpy(tail.data(), msg + whole, rest);
    std::memset(tail.data() + rest, static_cast<int>(pad), pad);
    std::memcpy(tail.data() + rest + pad, mac.data(), kMacLen);
    if (!encrypt(p.enc.get(), msg, whole, out + at) ||
        !encrypt(p.enc.get(), tail.data(), rest + pad + kMacLen, out + at + whole)) {
      return 0;
    }
    at += whole + rest + pad + kMacLen;
  }
  out[at] = 0;
  out[at + 1] = 1;
  put_be32(out + at + 2, p.send_seq++);
  return at + kTrailerLen;
}

// unseal checks one packet as the receiver must: type and seq, decryption into `plain`,
// padding, and the MAC in constant time. For auth-int `clear` is the message in the packet.
bool unseal(Path& p, const std::uint8_t* packet, std::size_t packet_len, const std::uint8_t* clear,
            std::uint8_t* plain) {
  const LayerCase& c = *p.layer;
  const std::size_t body = packet_len - kTrailerLen;
  const std::uint8_t* trailer = packet + body;
  std::array<std::uint8_t, 4> seq_be{};
  put_be32(seq_be.data(), p.recv_seq);
  if (trailer[0] != 0 || trailer[1] != 1 || std::memcmp(trailer + 2, seq_be.data(), 4) != 0) {
    return false;
  }
  std::array<std::uint8_t, 16> expect{};
  if (!p.dec) {
    const std::size_t len = body - kMacLen;
    return mac16(p.recv_mac.get(), p.recv_seq++, clear, len, expect.data()) &&
           CRYPTO_memcmp(expect.data(), packet + len, kMacLen) == 0;
  }
  int n = 0;
  if (EVP_DecryptUpdate(p.dec.get(), plain, &n, packet, static_cast<int>(body)) != 1 ||
      static_cast<std::size_t>(n) != body) {
    return false;
  }
  const std::size_t content = body - c.random_prefix - kMacLen;  // msg || pad
  const std::uint8_t* msg = plain + c.random_prefix;
  std::size_t pad = 0;
  if (c.block > 1) {
    pad = msg[content - 1];
    if (pad < 1 || pad > c.block || pad > content) {
      return false;
    }
    for (std::size_t i = 0; i < pad; ++i) {
      if (msg[content - 1 - i] != pad) {
        return false;
      }
    }
  }
  return mac16(p.recv_mac.get(), p.recv_seq++, msg, content - pad, expect.data()) &&
         CRYPTO_memcmp(expect.data(), msg + content, kMacLen) == 0;
}

}  // namespace

// State holds one chunk's buffers and the path its packets take.
struct FloorRound::State {
  Path path;
  std::vector<std::uint8_t> input;
  std::vector<std::uint8_t> wire;
  std::vector<std::uint8_t> plain;
};

FloorRound::FloorRound(const LayerCase& c, std::size_t chunk) {
  m_state.reset(new State{make_path(openssl(), c), pattern(chunk),
                          std::vector<std::uint8_t>(chunk + kMaxPackets * 64),
                          std::vector<std::uint8_t>(chunk + kMaxPackets * 64)});
}

FloorRound::~FloorRound() = default;

// operator() seals every packet of the chunk, then unseals them, as one sasl_encode and one
// sasl_decode of the chunk would.
bool FloorRound::operator()() {
  State& st = *m_state;
  const std::size_t per = max_plain(*st.path.layer);
  std::array<std::size_t, kMaxPackets> lengths{};
  std::size_t packets = 0;
  std::size_t w = 0;
  for (std::size_t off = 0; off < st.input.size(); off += per) {
    const std::size_t n = std::min(per, st.input.size() - off);
    lengths.at(packets) = seal(st.path, st.input.data() + off, n, st.wire.data() + w);
    if (lengths[packets] == 0) {
      return false;
    }
    w += lengths[packets++];
  }
  std::size_t r = 0;
  for (std::size_t i = 0; i < packets; ++i) {
    const std::uint8_t* clear = st.input.data() + i * per;
    if (!unseal(st.path, st.wire.data() + r, lengths[i], clear, st.plain.data())) {
      return false;
    }
    r += lengths[i];
  }
  return true;
}

// ---- The handshake floor

namespace {

using MdCtx = std::unique_ptr<EVP_MD_CTX, FreeWith<&EVP_MD_CTX_free>>;

// The four key-derivation constants (RFC 2831 §2.3, §2.4), in the order Kic, Kis, Kcc, Kcs.
constexpr std::array<std::string_view, 4> kMagic{{
    "Digest session key to client-to-server signing key magic constant",
    "Digest session key to server-to-client signing key magic constant",
    "Digest H(A1) to client-to-server sealing key magic constant",
    "Digest H(A1) to server-to-client sealing key magic constant",
}};

// keyed_hmac_states hashes the padded key into an inner and an outer MD5 state (RFC 2104), the
// least a connection must keep to MAC its packets under that key.
bool keyed_hmac_states(const EVP_MD* md5, const std::array<std::uint8_t, 16>& key, MdCtx& inner,
                       MdCtx& outer) {
  std::array<std::uint8_t, 64> pad{};
  for (auto [ctx, fill] :
       {std::pair{&inner, std::uint8_t{0x36}}, std::pair{&outer, std::uint8_t{0x5c}}}) {
    pad.fill(fill);
    for (std::size_t i = 0; i < key.size(); ++i) {
      pad[i] = static_cast<std::uint8_t>(key[i] ^ fill);
    }
    ctx->reset(EVP_MD_CTX_new());
    if (!*ctx || EVP_DigestInit_ex2(ctx->get(), md5, nullptr) != 1 ||
        EVP_DigestUpdate(ctx->get(), pad.data(), pad.size()) != 1) {
      return false;
    }
  }
  OPENSSL_cleanse(pad.data(), pad.size());
  return true;
}

}  // namespace

struct HandshakeFloor::State {
  const HandshakeCase* c = nullptr;
  Cipher cipher;  // fetched once
  std::array<std::uint8_t, 16> ha1{};
};

HandshakeFloor::HandshakeFloor(const HandshakeCase& c) : m_state(new State) {
  m_state->c = &c;
  m_state->ha1 = {0x1f, 0x2e, 0x3d, 0x4c, 0x5b, 0x6a, 0x79, 0x88,
                  0x97, 0xa6, 0xb5, 0xc4, 0xd3, 0xe2, 0xf1, 0x00};
  if (c.evp_name != nullptr) {
    m_state->cipher.reset(EVP_CIPHER_fetch(openssl().ctx(), c.evp_name, nullptr));
    if (!m_state->cipher) {
      throw std::runtime_error(std::string("OpenSSL provides no ") + c.evp_name);
    }
  }
}

HandshakeFloor::~HandshakeFloor() = default;

bool HandshakeFloor::operator()() {
  const State& st = *m_state;
  const EVP_MD* md5 = openssl().md5();
  for (std::size_t side = 0; side < 2; ++side) {
    // The layer keys: MD5(H(A1) || magic), for Kcc/Kcs over the first kc_octets of H(A1), in
    // one digest context per side.
    std::array<std::array<std::uint8_t, 16>, 4> keys{};
    const MdCtx kd(EVP_MD_CTX_new());
    for (std::size_t k = 0; k < st.c->keys; ++k) {
      const std::size_t n = k < 2 ? 16 : st.c->kc_octets;
      unsigned len = 0;
      if (!kd || EVP_DigestInit_ex2(kd.get(), md5, nullptr) != 1 ||
          EVP_DigestUpdate(kd.get(), st.ha1.data(), n) != 1 ||
          EVP_DigestUpdate(kd.get(), kMagic.at(k).data(), kMagic[k].size()) != 1 ||
          EVP_DigestFinal_ex(kd.get(), keys.at(k).data(), &len) != 1) {
        return false;
      }
    }
    // HMAC-MD5 keyed for sending and for receiving.
    std::array<MdCtx, 4> mac;
    if (!keyed_hmac_states(md5, keys[0], mac[0], mac[1]) ||
        !keyed_hmac_states(md5, keys[1], mac[2], mac[3])) {
      return false;
    }
    // The cipher keyed for both directions (Kcc encrypts on the client, decrypts on the server).
    if (st.cipher) {
      std::array<CipherCtx, 2> dir;
      for (std::size_t d = 0; d < 2; ++d) {
        dir.at(d).reset(EVP_CIPHER_CTX_new());
        const bool encrypt = d == side;
        const unsigned char* iv = st.c->block ? keys[2 + d].data() + 8 : nullptr;
        if (!dir[d] ||
            EVP_CipherInit_ex2(dir[d].get(), st.cipher.get(), keys[2 + d].data(), iv,
                               encrypt ? 1 : 0, nullptr) != 1 ||
            (st.c->block && EVP_CIPHER_CTX_set_padding(dir[d].get(), 0) != 1)) {
          return false;
        }
      }
    }
    OPENSSL_cleanse(keys.data(), sizeof keys);
  }
  return true;
}

}  // namespace dmd5bench
