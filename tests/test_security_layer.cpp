// SPDX-License-Identifier: BSD-3-Clause
// test_security_layer.cpp: auth-int / auth-conf packets (docs/protocol.md §7, §8) against the
// vectors of docs/protocol.md §10, plus round trips, stream splitting, tampering and maxbuf
// exactness.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "common/cipher_table.hpp"
#include "common/crypto.hpp"
#include "common/digest.hpp"
#include "common/secure.hpp"
#include "common/security_layer.hpp"
// Last: <cmocka.h> defines a fail() macro that would clash with digestmd5::fail.
#include "tests/core_fixture.hpp"
#include "tests/cmocka.hpp"

namespace {

using digestmd5::as_bytes;
using digestmd5::Bytes;
using digestmd5::ByteView;
using digestmd5::CipherId;
using digestmd5::Crypto;
using digestmd5::Digest16;
using digestmd5::Errc;
using digestmd5::LayerConfig;
using digestmd5::Qop;
using digestmd5::Role;
using digestmd5::SecurityLayer;
using test_support::fixture;
using test_support::hex;

constexpr int kOk = -1;
constexpr int code(Errc e) noexcept { return static_cast<int>(e); }

// Spec §10: H(A1) of the RFC 2831 IMAP example, and the message of every packet vector.
constexpr std::string_view kHa1 = "a2549853149b0536f01f0b850c643c57";
constexpr std::string_view kMsg = "hello world";
constexpr std::string_view kKic = "167e83eb00efac5c44f84a956e32e9c9";
constexpr std::string_view kKcc = "8df21180f2b8360bd1ed01f2ac38bf36";  // n = 16 ciphers
constexpr std::string_view kAesIv = "0268fe644d98b5d20750018effc6562d";  // MD5(Kcc || "aes-128")
constexpr std::string_view k3desKey = "8cf885310e94e06d0be97aa11f94b070";  // K1 || K2
constexpr std::string_view kDesIv = "d1ed01f2ac38bf36";                    // Kcc[8..15]
constexpr std::string_view kMac0 = "b0ae92c55658565751f9";  // HMAC(Kic, seq 0 || msg)[0..9]
constexpr std::string_view kMac1 = "13e1fb236d26de391fad";  // ... seq 1
// Spec §8 item 3: we require a peer maxbuf of at least 64 for aes-cbc.
constexpr std::uint32_t kMinAesMaxbuf = 64;

constexpr std::string_view k3desSeq0 =
    "0000001eea215ae23d23abd7c99d419c3fb4465b3931b198bc81d415000100000000";
constexpr std::string_view kAesSpecWire =  // R = 00 01 .. 0f
    "0000003631648f0217b3e206c95b2fd17a56ad27c5a0445e46683b3f9f00c7742f89d4154c17ecf17318e34d3924"
    "10bd9e83800d000100000000";

struct Fx {
  std::shared_ptr<const Crypto> crypto;
  std::unique_ptr<SecurityLayer> client;
  std::unique_ptr<SecurityLayer> server;
  Bytes msg;
  Bytes wire;
  Bytes wire2;
  Bytes got;
  Bytes plain;
  Bytes expect;
  digestmd5::EvpCipherCtxPtr manual;
};

// setup gives each test a fixture with the shared Crypto (tests/core_fixture.hpp).
int setup(void** state) noexcept { return test_support::setup_with_crypto<Fx>(state); }

Bytes from_hex(std::string_view h) {
  const auto nibble = [](char c) {
    return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  };
  Bytes out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>((nibble(h[i]) << 4) | nibble(h[i + 1])));
  }
  return out;
}

void append(Bytes& out, ByteView b) { out.insert(out.end(), b.begin(), b.end()); }
void append(Bytes& out, std::string_view s) { append(out, as_bytes(s)); }
void append_be32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(v >> shift));
  }
}
std::uint32_t be32_at(ByteView b, std::size_t at) noexcept {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

// Config is one negotiated layer.
struct Config {
  Qop qop;
  std::optional<CipherId> cipher;
};
constexpr Config kConfigs[] = {
    {Qop::AuthInt, std::nullopt},         {Qop::AuthConf, CipherId::Rc4_40},
    {Qop::AuthConf, CipherId::Rc4_56},    {Qop::AuthConf, CipherId::Rc4},
    {Qop::AuthConf, CipherId::Des},       {Qop::AuthConf, CipherId::TripleDes},
    {Qop::AuthConf, CipherId::AesCbc},
};

bool available(const Fx& fx, const Config& c) noexcept {
  return !c.cipher || fx.crypto->available().has(*c.cipher);
}

// make_layers builds a client and a server layer from the docs/protocol.md §10 H(A1).
// `server_maxbuf` is what the server announced (the client's peer maxbuf), `client_maxbuf` the
// reverse.
int make_layers(Fx& fx, const Config& c, std::uint32_t server_maxbuf = 65536,
                std::uint32_t client_maxbuf = 65536) {
  fx.client.reset();
  fx.server.reset();
  Digest16 ha1;
  const Bytes raw = from_hex(kHa1);
  std::copy(raw.begin(), raw.end(), ha1.data());
  const auto keys = digestmd5::derive_keys(*fx.crypto, ha1, c.cipher);
  auto client = SecurityLayer::create(
      fx.crypto, keys, LayerConfig{Role::Client, c.qop, c.cipher, server_maxbuf, client_maxbuf});
  if (!client) {
    return code(client.error().code);
  }
  auto server = SecurityLayer::create(
      fx.crypto, keys, LayerConfig{Role::Server, c.qop, c.cipher, client_maxbuf, server_maxbuf});
  if (!server) {
    return code(server.error().code);
  }
  fx.client = std::move(*client);
  fx.server = std::move(*server);
  return kOk;
}

// Outcome is a trivially destructible summary of a Result.
struct Outcome {
  int code;
  std::string_view message;
};

Outcome encode_parts(SecurityLayer& layer, std::span<const ByteView> parts, Bytes& out,
                     bool append_out = false) {
  if (!append_out) {
    out.clear();
  }
  const auto r = layer.encode(parts);
  if (!r) {
    return {code(r.error().code), r.error().message};
  }
  append(out, *r);
  return {kOk, {}};
}

Outcome encode(SecurityLayer& layer, ByteView msg, Bytes& out, bool append_out = false) {
  const ByteView parts[] = {msg};
  return encode_parts(layer, parts, out, append_out);
}

Outcome decode(SecurityLayer& layer, ByteView in, Bytes& out, bool append_out = false) {
  if (!append_out) {
    out.clear();
  }
  const auto r = layer.decode(in);
  if (!r) {
    return {code(r.error().code), r.error().message};
  }
  append(out, *r);
  return {kOk, {}};
}

void fill_message(Bytes& msg, std::size_t n, unsigned seed) {
  msg.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    msg[i] = static_cast<std::uint8_t>(i * 31U + seed);
  }
}

// expected_len is the packet length L of docs/protocol.md §7.3 / §8 for an n-octet message.
std::uint64_t expected_len(const Config& c, std::uint64_t n) noexcept {
  if (c.qop != Qop::AuthConf || digestmd5::cipher_info(*c.cipher).block == 1) {
    return n + 10 + 6;
  }
  const std::uint64_t b = digestmd5::cipher_info(*c.cipher).block;
  const std::uint64_t iv = c.cipher == CipherId::AesCbc ? 16 : 0;
  const std::uint64_t pad = b - ((iv + n + 10) % b);
  return iv + n + pad + 10 + 6;
}

// PacketWalk frames a byte stream into packets.
struct PacketWalk {
  bool well_framed;
  std::size_t count;
  std::uint32_t largest;
};
PacketWalk walk_packets(ByteView wire) noexcept {
  PacketWalk w{true, 0, 0};
  std::size_t at = 0;
  while (at < wire.size()) {
    if (wire.size() - at < 4) {
      w.well_framed = false;
      return w;
    }
    const std::uint32_t len = be32_at(wire, at);
    if (wire.size() - at - 4 < len) {
      w.well_framed = false;
      return w;
    }
    w.largest = std::max(w.largest, len);
    ++w.count;
    at += 4 + len;
  }
  return w;
}

// ------------------------------------------------------------ known answers (docs/protocol.md §10)

// expect_client_packets encodes kMsg once per expected wire, checks the wire and has the server
// decode it.
void expect_client_packets(Fx& fx, std::initializer_list<const char*> wires) {
  for (const char* want : wires) {
    assert_int_equal(encode(*fx.client, as_bytes(kMsg), fx.wire).code, kOk);
    assert_string_equal(hex(ByteView(fx.wire)).c_str(), want);
    assert_int_equal(decode(*fx.server, fx.wire, fx.got).code, kOk);
    assert_string_equal(hex(ByteView(fx.got)).c_str(), hex(kMsg).c_str());
  }
}

void expect_server_packet(Fx& fx, const char* want) {
  assert_int_equal(encode(*fx.server, as_bytes(kMsg), fx.wire).code, kOk);
  assert_string_equal(hex(ByteView(fx.wire)).c_str(), want);
  assert_int_equal(decode(*fx.client, fx.wire, fx.got).code, kOk);
  assert_string_equal(hex(ByteView(fx.got)).c_str(), hex(kMsg).c_str());
}

void require(Fx& fx, const Config& c) {
  if (!available(fx, c)) {
    skip();
  }
  assert_int_equal(make_layers(fx, c), kOk);
}

void security_layer_auth_int_known_answers(void** state) {
  auto& fx = fixture<Fx>(state);
  require(fx, {Qop::AuthInt, std::nullopt});
  expect_client_packets(fx, {"0000001b68656c6c6f20776f726c64b0ae92c55658565751f9000100000000",
                             "0000001b68656c6c6f20776f726c6413e1fb236d26de391fad000100000001"});
  expect_server_packet(fx, "0000001b68656c6c6f20776f726c648064b8489a9c032afa14000100000000");
}

void security_layer_rc4_known_answers(void** state) {
  auto& fx = fixture<Fx>(state);
  require(fx, {Qop::AuthConf, CipherId::Rc4});
  // seq 1 continues the keystream of seq 0.
  expect_client_packets(fx, {"0000001b3f15f0485afd1400058f2b2c891471f1cbf832589b000100000000",
                             "0000001b4d64ed4923f08366acfe9ee2687a0102b508f731c8000100000001"});
  expect_server_packet(fx, "0000001b49592861adb1671031c1c37bfaea8924aa2139f719000100000000");
}

void security_layer_rc4_40_known_answer(void** state) {
  auto& fx = fixture<Fx>(state);
  require(fx, {Qop::AuthConf, CipherId::Rc4_40});
  expect_client_packets(fx, {"0000001bcfabb39cc69d269e59e2813814108c4b793f10b4bd000100000000"});
}

void security_layer_rc4_56_known_answer(void** state) {
  auto& fx = fixture<Fx>(state);
  require(fx, {Qop::AuthConf, CipherId::Rc4_56});
  expect_client_packets(fx, {"0000001b00d511f5501f23a25438d26a28a50d58da732a9ec6000100000000"});
}

void security_layer_des_known_answer(void** state) {
  auto& fx = fixture<Fx>(state);
  require(fx, {Qop::AuthConf, CipherId::Des});
  expect_client_packets(
      fx, {"0000001e5245dc539b483a7023a56122bbb25e9dc7a1499df584ad85000100000000"});
}

void security_layer_3des_known_answers_chain_cbc(void** state) {
  auto& fx = fixture<Fx>(state);
  require(fx, {Qop::AuthConf, CipherId::TripleDes});
  // seq 1 uses the last ciphertext block of seq 0 as its IV.
  expect_client_packets(
      fx, {"0000001eea215ae23d23abd7c99d419c3fb4465b3931b198bc81d415000100000000",
           "0000001e0c280ac7fb2a8de1d53efe3aaa70f48cdadf57e219019942000100000001"});
}

void security_layer_des_key_with_parity(void** state) {
  (void)state;
  constexpr std::uint8_t k1[7] = {0x8d, 0xf2, 0x11, 0x80, 0xf2, 0xb8, 0x36};
  assert_string_equal(hex(digestmd5::des_key_with_parity(std::span(k1))).c_str(),
                      "8cf885310e94e06d");
  constexpr std::uint8_t k2[7] = {0x0b, 0xd1, 0xed, 0x01, 0xf2, 0xac, 0x38};  // Kcc[7..13]
  assert_string_equal(hex(digestmd5::des_key_with_parity(std::span(k2))).c_str(),
                      "0be97aa11f94b070");
  constexpr std::uint8_t zeros[7] = {};
  assert_string_equal(hex(digestmd5::des_key_with_parity(std::span(zeros))).c_str(),
                      "0101010101010101");
  constexpr std::uint8_t ones[7] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  assert_string_equal(hex(digestmd5::des_key_with_parity(std::span(ones))).c_str(),
                      "fefefefefefefefe");
  // Every output octet has odd parity.
  const auto k = digestmd5::des_key_with_parity(std::span(k1));
  for (const auto b : k) {
    assert_int_equal(__builtin_popcount(b) & 1, 1);
  }
}

// ---------------------------------------------------------------- aes-cbc (docs/protocol.md §8)

// manual_start keys an independent OpenSSL context (not the layer's code) for one direction.
bool manual_start(Fx& fx, const EVP_CIPHER* cipher, std::string_view key_hex,
                  std::string_view iv_hex, bool encrypt) {
  const Bytes key = from_hex(key_hex);
  const Bytes iv = from_hex(iv_hex);
  fx.manual.reset(EVP_CIPHER_CTX_new());
  return fx.manual &&
         EVP_CipherInit_ex2(fx.manual.get(), cipher, key.data(), iv.data(), encrypt ? 1 : 0,
                            nullptr) == 1 &&
         EVP_CIPHER_CTX_set_padding(fx.manual.get(), 0) == 1;
}

// manual_run pushes `in` through the manual context; the CBC chain continues across calls.
bool manual_run(Fx& fx, ByteView in, Bytes& out) {
  out.assign(in.size() + 32, 0);
  int n = 0;
  if (EVP_CipherUpdate(fx.manual.get(), out.data(), &n, in.data(), static_cast<int>(in.size())) !=
      1) {
    return false;
  }
  out.resize(static_cast<std::size_t>(n));
  return true;
}

// aes_iv_hex returns MD5(Kc || "aes-128") for the key `kc_hex` (docs/protocol.md §8).
test_support::Hex aes_iv_hex(const Fx& fx, std::string_view kc_hex) {
  const Bytes kc = from_hex(kc_hex);
  const auto iv = digestmd5::Md5(*fx.crypto).update(ByteView(kc)).update("aes-128").final();
  return hex(ByteView(iv.bytes()));
}

// check_aes_packet decrypts the body of fx.wire with the manual context and checks the layout
// R(16) | msg | pad | MAC(10) and the trailer; it leaves R in fx.expect.
void check_aes_packet(Fx& fx, std::uint32_t seq, std::string_view mac_hex) {
  const ByteView w(fx.wire);
  // 16 + 11 + 10 = 37 octets, padded to 48; L = 48 + 6 = 54.
  assert_int_equal(w.size(), 4 + 54);
  assert_int_equal(be32_at(w, 0), 54);
  assert_int_equal(w[4 + 48], 0);
  assert_int_equal(w[4 + 49], 1);
  assert_int_equal(be32_at(w, 4 + 50), seq);
  assert_true(manual_run(fx, w.subspan(4, 48), fx.plain));
  assert_int_equal(fx.plain.size(), 48);
  const ByteView p(fx.plain);
  assert_string_equal(hex(p.subspan(16, 11)).c_str(), hex(kMsg).c_str());
  for (std::size_t i = 27; i < 38; ++i) {
    assert_int_equal(p[i], 11);  // 11 octets of padding, each 11
  }
  assert_string_equal(hex(p.subspan(38, 10)).c_str(), mac_hex.data());
  fx.expect.assign(p.begin(), p.begin() + 16);
}

void security_layer_aes_cbc_packet_decrypts_by_hand(void** state) {
  auto& fx = fixture<Fx>(state);
  require(fx, {Qop::AuthConf, CipherId::AesCbc});
  assert_string_equal(aes_iv_hex(fx, kKcc).c_str(), kAesIv.data());
  assert_true(manual_start(fx, EVP_aes_128_cbc(), kKcc, kAesIv, false));

  assert_int_equal(encode(*fx.client, as_bytes(kMsg), fx.wire).code, kOk);
  check_aes_packet(fx, 0, kMac0);
  fx.wire2 = fx.expect;  // R of packet 0
  assert_int_equal(decode(*fx.server, fx.wire, fx.got).code, kOk);
  assert_string_equal(hex(ByteView(fx.got)).c_str(), hex(kMsg).c_str());

  // Packet 1: the manual context continues the CBC chain from packet 0's last block.
  assert_int_equal(encode(*fx.client, as_bytes(kMsg), fx.wire).code, kOk);
  check_aes_packet(fx, 1, kMac1);
  // A fresh random first block for every packet.
  assert_memory_not_equal(fx.wire2.data(), fx.expect.data(), 16);
  assert_int_equal(decode(*fx.server, fx.wire, fx.got).code, kOk);
  assert_string_equal(hex(ByteView(fx.got)).c_str(), hex(kMsg).c_str());
}

void security_layer_aes_cbc_decodes_spec_vector(void** state) {
  auto& fx = fixture<Fx>(state);
  require(fx, {Qop::AuthConf, CipherId::AesCbc});
  fx.wire = from_hex(kAesSpecWire);
  assert_int_equal(decode(*fx.server, fx.wire, fx.got).code, kOk);
  assert_string_equal(hex(ByteView(fx.got)).c_str(), hex(kMsg).c_str());
}

void security_layer_aes_cbc_server_to_client(void** state) {
  auto& fx = fixture<Fx>(state);
  require(fx, {Qop::AuthConf, CipherId::AesCbc});
  // Server -> client uses Kcs and IVs = MD5(Kcs || "aes-128"), and the MAC key Kis.
  constexpr std::string_view kKcs = "e7ab8276e98ea22e6dbbe08564b1e5d4";
  const test_support::Hex ivs = aes_iv_hex(fx, kKcs);
  assert_true(manual_start(fx, EVP_aes_128_cbc(), kKcs, ivs.c_str(), false));
  assert_int_equal(encode(*fx.server, as_bytes(kMsg), fx.wire).code, kOk);
  check_aes_packet(fx, 0, "8064b8489a9c032afa14");
  assert_int_equal(decode(*fx.client, fx.wire, fx.got).code, kOk);
  assert_string_equal(hex(ByteView(fx.got)).c_str(), hex(kMsg).c_str());
}

// ---------------------------------------------------------------- forged block packets

// append_mac appends HMAC(Kic, BE32(seq) || msg)[0..9].
void append_mac(const Fx& fx, std::uint32_t seq, ByteView msg, Bytes& out) {
  const Bytes kic = from_hex(kKic);
  Bytes seq_be;
  append_be32(seq_be, seq);
  const auto mac = digestmd5::hmac_md5(*fx.crypto, kic, {ByteView(seq_be), msg});
  out.insert(out.end(), mac.data(), mac.data() + 10);
}

// seal_by_hand encrypts fx.plain with a fresh manual context and frames it as packet `seq`.
bool seal_by_hand(Fx& fx, const EVP_CIPHER* cipher, std::string_view key_hex,
                  std::string_view iv_hex, std::uint32_t seq) {
  if (!manual_start(fx, cipher, key_hex, iv_hex, true)) {
    return false;
  }
  Bytes body;
  if (!manual_run(fx, fx.plain, body)) {
    return false;
  }
  fx.wire.clear();
  append_be32(fx.wire, static_cast<std::uint32_t>(body.size() + 6));
  append(fx.wire, body);
  fx.wire.push_back(0);
  fx.wire.push_back(1);
  append_be32(fx.wire, seq);
  return true;
}

// forge_3des builds the seq-0 client packet for kMsg with the given padding octets.
bool forge_3des(Fx& fx, std::initializer_list<std::uint8_t> pad, bool mac_over_pad = false) {
  fx.plain.clear();
  append(fx.plain, kMsg);
  fx.plain.insert(fx.plain.end(), pad.begin(), pad.end());
  append_mac(fx, 0, mac_over_pad ? ByteView(fx.plain) : as_bytes(kMsg), fx.plain);
  return seal_by_hand(fx, EVP_des_ede_cbc(), k3desKey, kDesIv, 0);
}

void security_layer_forged_3des_matches_spec_vector(void** state) {
  auto& fx = fixture<Fx>(state);
  // The hand-built packet reproduces docs/protocol.md §10, so the forgeries below differ only where
  // meant.
  assert_true(forge_3des(fx, {3, 3, 3}));
  assert_string_equal(hex(ByteView(fx.wire)).c_str(), k3desSeq0.data());
}

// decode_forged has a fresh server decode fx.wire; kNoLayers (matching no Errc and not kOk)
// if the layers cannot be built.
constexpr int kNoLayers = -2;
Outcome decode_forged(Fx& fx, const Config& c) {
  if (make_layers(fx, c) != kOk) {
    return {kNoLayers, {}};
  }
  return decode(*fx.server, fx.wire, fx.got);
}

void security_layer_rejects_bad_3des_padding(void** state) {
  auto& fx = fixture<Fx>(state);
  const Config c{Qop::AuthConf, CipherId::TripleDes};
  require(fx, c);
  assert_true(forge_3des(fx, {2, 3, 3}));  // p = 3, but one pad octet is 2
  const Outcome bad_pad = decode_forged(fx, c);
  assert_int_equal(bad_pad.code, code(Errc::BadProtocol));
  assert_true(forge_3des(fx, {3, 3, 2}));  // p = 2, the other pad octet is 3
  assert_int_equal(decode_forged(fx, c).code, code(Errc::BadProtocol));
  assert_true(forge_3des(fx, {0, 0, 0}));  // p = 0
  assert_int_equal(decode_forged(fx, c).code, code(Errc::BadProtocol));
  // p = 0 with a MAC that is valid over msg | 00 00 00: the padding rule alone must reject it.
  assert_true(forge_3des(fx, {0, 0, 0}, true));
  assert_int_equal(decode_forged(fx, c).code, code(Errc::BadProtocol));
  assert_true(forge_3des(fx, {9, 9, 9}));  // p = 9 > block
  assert_int_equal(decode_forged(fx, c).code, code(Errc::BadProtocol));
  // Good padding, but the MAC also covers the padding: a MAC failure.
  assert_true(forge_3des(fx, {3, 3, 3}, true));
  const Outcome bad_mac = decode_forged(fx, c);
  assert_int_equal(bad_mac.code, code(Errc::BadProtocol));
  // One error for both, so a receiver is no padding oracle (docs/protocol.md §7.5 step 4).
  assert_true(bad_pad.message == bad_mac.message);
  // Control: the well-formed forgery decodes.
  assert_true(forge_3des(fx, {3, 3, 3}));
  assert_int_equal(decode_forged(fx, c).code, kOk);
  assert_string_equal(hex(ByteView(fx.got)).c_str(), hex(kMsg).c_str());
}

void security_layer_rejects_bad_des_padding(void** state) {
  auto& fx = fixture<Fx>(state);
  const Config c{Qop::AuthConf, CipherId::Des};
  require(fx, c);
  const EVP_CIPHER* des = fx.crypto->cipher(CipherId::Des);
  assert_non_null(des);
  for (const auto pad : {std::array<std::uint8_t, 3>{3, 3, 3}, std::array<std::uint8_t, 3>{1, 3, 3},
                         std::array<std::uint8_t, 3>{3, 3, 4}, std::array<std::uint8_t, 3>{0, 0, 0}}) {
    fx.plain.clear();
    append(fx.plain, kMsg);
    fx.plain.insert(fx.plain.end(), pad.begin(), pad.end());
    append_mac(fx, 0, as_bytes(kMsg), fx.plain);
    assert_true(seal_by_hand(fx, des, "8cf885310e94e06d", kDesIv, 0));
    const bool good = pad[0] == 3 && pad[1] == 3 && pad[2] == 3;
    if (good) {
      assert_string_equal(hex(ByteView(fx.wire)).c_str(),
                          "0000001e5245dc539b483a7023a56122bbb25e9dc7a1499df584ad85000100000000");
    }
    assert_int_equal(decode_forged(fx, c).code, good ? kOk : code(Errc::BadProtocol));
  }
}

// forge_aes builds the seq-0 client aes-cbc packet for kMsg with R = 00..0f and `pad`.
bool forge_aes(Fx& fx, std::span<const std::uint8_t> pad) {
  fx.plain.clear();
  for (std::uint8_t i = 0; i < 16; ++i) {
    fx.plain.push_back(i);
  }
  append(fx.plain, kMsg);
  fx.plain.insert(fx.plain.end(), pad.begin(), pad.end());
  append_mac(fx, 0, as_bytes(kMsg), fx.plain);
  return seal_by_hand(fx, EVP_aes_128_cbc(), kKcc, kAesIv, 0);
}

void security_layer_rejects_bad_aes_padding(void** state) {
  auto& fx = fixture<Fx>(state);
  const Config c{Qop::AuthConf, CipherId::AesCbc};
  require(fx, c);
  std::array<std::uint8_t, 11> pad{};
  pad.fill(11);
  assert_true(forge_aes(fx, pad));
  assert_string_equal(hex(ByteView(fx.wire)).c_str(), kAesSpecWire.data());
  assert_int_equal(decode_forged(fx, c).code, kOk);
  pad[0] = 10;
  assert_true(forge_aes(fx, pad));
  assert_int_equal(decode_forged(fx, c).code, code(Errc::BadProtocol));
  pad.fill(11);
  pad[10] = 17;  // p = 17 > 16
  assert_true(forge_aes(fx, pad));
  assert_int_equal(decode_forged(fx, c).code, code(Errc::BadProtocol));
  pad.fill(0);
  assert_true(forge_aes(fx, pad));
  assert_int_equal(decode_forged(fx, c).code, code(Errc::BadProtocol));
}

void security_layer_rejects_block_misalignment(void** state) {
  auto& fx = fixture<Fx>(state);
  const Config c{Qop::AuthConf, CipherId::TripleDes};
  require(fx, c);
  // One ciphertext octet more: L - 6 = 25 is not a multiple of 8.
  fx.wire = from_hex(k3desSeq0);
  fx.wire.insert(fx.wire.begin() + 4 + 24, 0x00);
  fx.wire[3] = 31;
  assert_int_equal(decode_forged(fx, c).code, code(Errc::BadProtocol));
  // One octet fewer: 23.
  fx.wire = from_hex(k3desSeq0);
  fx.wire.erase(fx.wire.begin() + 4 + 23);
  fx.wire[3] = 29;
  assert_int_equal(decode_forged(fx, c).code, code(Errc::BadProtocol));
  // aes-cbc: a single block is only R, with no room for a MAC (L = 16 + 6).
  const Config aes{Qop::AuthConf, CipherId::AesCbc};
  fx.wire = from_hex(kAesSpecWire);
  fx.wire.erase(fx.wire.begin() + 4 + 16, fx.wire.begin() + 4 + 48);
  fx.wire[3] = 22;
  assert_int_equal(decode_forged(fx, aes).code, code(Errc::BadProtocol));
  // aes-cbc: 40 octets are not whole 16-octet blocks.
  fx.wire = from_hex(kAesSpecWire);
  fx.wire.erase(fx.wire.begin() + 4 + 40, fx.wire.begin() + 4 + 48);
  fx.wire[3] = 46;
  assert_int_equal(decode_forged(fx, aes).code, code(Errc::BadProtocol));
}

// ---------------------------------------------------------------- round trips

void security_layer_round_trips_every_size(void** state) {
  auto& fx = fixture<Fx>(state);
  constexpr std::size_t kSizes[] = {0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 100, 1000, 4000};
  for (const auto& c : kConfigs) {
    if (!available(fx, c)) {
      continue;
    }
    assert_int_equal(make_layers(fx, c), kOk);
    unsigned seed = 1;
    for (const auto n : kSizes) {
      // client -> server
      fill_message(fx.msg, n, seed++);
      assert_int_equal(encode(*fx.client, fx.msg, fx.wire).code, kOk);
      const PacketWalk w = walk_packets(fx.wire);
      assert_true(w.well_framed);
      assert_int_equal(w.count, 1);
      assert_int_equal(w.largest, expected_len(c, n));
      if (c.qop == Qop::AuthConf && c.cipher != CipherId::AesCbc) {
        // For rc4/des/3des the ciphertext is as long as msg | pad | MAC.
        assert_int_equal(fx.wire.size(), 4 + expected_len(c, n));
      }
      assert_int_equal(decode(*fx.server, fx.wire, fx.got).code, kOk);
      assert_int_equal(fx.got.size(), n);
      if (n > 0) {
        assert_memory_equal(fx.got.data(), fx.msg.data(), n);
      }
      // server -> client
      fill_message(fx.msg, n, seed++);
      assert_int_equal(encode(*fx.server, fx.msg, fx.wire).code, kOk);
      assert_int_equal(decode(*fx.client, fx.wire, fx.got).code, kOk);
      assert_int_equal(fx.got.size(), n);
      if (n > 0) {
        assert_memory_equal(fx.got.data(), fx.msg.data(), n);
      }
    }
  }
}

void security_layer_empty_message_is_a_16_octet_integrity_packet(void** state) {
  auto& fx = fixture<Fx>(state);
  require(fx, {Qop::AuthInt, std::nullopt});
  assert_int_equal(encode_parts(*fx.client, {}, fx.wire).code, kOk);
  assert_int_equal(fx.wire.size(), 4 + 16);
  assert_int_equal(be32_at(fx.wire, 0), 16);
  assert_int_equal(decode(*fx.server, fx.wire, fx.got).code, kOk);
  assert_int_equal(fx.got.size(), 0);
  // The sequence continues: the next vector is seq 1.
  expect_client_packets(fx, {"0000001b68656c6c6f20776f726c6413e1fb236d26de391fad000100000001"});
}

void security_layer_encode_joins_parts(void** state) {
  auto& fx = fixture<Fx>(state);
  require(fx, {Qop::AuthInt, std::nullopt});
  const ByteView parts[] = {as_bytes("hel"), as_bytes(""), as_bytes("lo wor"), as_bytes("ld")};
  assert_int_equal(encode_parts(*fx.client, parts, fx.wire).code, kOk);
  assert_string_equal(hex(ByteView(fx.wire)).c_str(),
                      "0000001b68656c6c6f20776f726c64b0ae92c55658565751f9000100000000");
}

void security_layer_encode_splits_into_packets(void** state) {
  auto& fx = fixture<Fx>(state);
  for (const auto& c : kConfigs) {
    if (!available(fx, c)) {
      continue;
    }
    constexpr std::uint32_t kMaxbuf = 100;
    assert_int_equal(make_layers(fx, c, kMaxbuf, kMaxbuf), kOk);
    const std::uint32_t max_out = fx.client->max_out();
    assert_true(max_out > 0);
    assert_int_equal(fx.server->max_out(), max_out);
    // Several times max_out, split over parts whose boundaries fall inside packets.
    fill_message(fx.msg, 3 * std::size_t{max_out} + 5, 7);
    const ByteView all(fx.msg);
    const ByteView parts[] = {all.first(5), all.subspan(5, max_out), all.subspan(5 + max_out)};
    assert_int_equal(encode_parts(*fx.client, parts, fx.wire).code, kOk);
    const PacketWalk w = walk_packets(fx.wire);
    assert_true(w.well_framed);
    assert_int_equal(w.count, 4);
    assert_true(w.largest <= kMaxbuf);
    assert_int_equal(decode(*fx.server, fx.wire, fx.got).code, kOk);
    assert_int_equal(fx.got.size(), fx.msg.size());
    assert_memory_equal(fx.got.data(), fx.msg.data(), fx.msg.size());
    // Exactly k * max_out octets make exactly k packets.
    fill_message(fx.msg, 2 * std::size_t{max_out}, 9);
    assert_int_equal(encode(*fx.client, fx.msg, fx.wire).code, kOk);
    assert_int_equal(walk_packets(fx.wire).count, 2);
    assert_int_equal(decode(*fx.server, fx.wire, fx.got).code, kOk);
    assert_int_equal(fx.got.size(), fx.msg.size());
  }
}

// stream_three encodes three client messages into fx.wire and their plaintext into fx.expect.
void stream_three(Fx& fx) {
  fx.wire.clear();
  fx.expect.clear();
  for (const std::size_t n : {std::size_t{11}, std::size_t{0}, std::size_t{300}}) {
    fill_message(fx.msg, n, static_cast<unsigned>(n));
    append(fx.expect, fx.msg);
    assert_int_equal(encode(*fx.client, fx.msg, fx.wire, true).code, kOk);
  }
}

void security_layer_decode_one_byte_at_a_time(void** state) {
  auto& fx = fixture<Fx>(state);
  for (const auto& c : kConfigs) {
    if (!available(fx, c)) {
      continue;
    }
    assert_int_equal(make_layers(fx, c), kOk);
    stream_three(fx);
    fx.got.clear();
    const ByteView w(fx.wire);
    for (std::size_t i = 0; i < w.size(); ++i) {
      assert_int_equal(decode(*fx.server, w.subspan(i, 1), fx.got, true).code, kOk);
    }
    assert_int_equal(fx.got.size(), fx.expect.size());
    assert_memory_equal(fx.got.data(), fx.expect.data(), fx.expect.size());
  }
}

void security_layer_decode_many_packets_in_one_call(void** state) {
  auto& fx = fixture<Fx>(state);
  for (const auto& c : kConfigs) {
    if (!available(fx, c)) {
      continue;
    }
    assert_int_equal(make_layers(fx, c), kOk);
    stream_three(fx);
    assert_int_equal(decode(*fx.server, fx.wire, fx.got).code, kOk);
    assert_int_equal(fx.got.size(), fx.expect.size());
    assert_memory_equal(fx.got.data(), fx.expect.data(), fx.expect.size());
    assert_int_equal(decode(*fx.server, {}, fx.got).code, kOk);  // nothing in, nothing out
    assert_int_equal(fx.got.size(), 0);
  }
}

void security_layer_decode_arbitrary_chunks(void** state) {
  auto& fx = fixture<Fx>(state);
  for (const auto& c : kConfigs) {
    if (!available(fx, c)) {
      continue;
    }
    assert_int_equal(make_layers(fx, c), kOk);
    stream_three(fx);
    fx.got.clear();
    const ByteView w(fx.wire);
    constexpr std::size_t kChunks[] = {2, 3, 5, 7, 64, 1};
    std::size_t at = 0;
    for (std::size_t k = 0; at < w.size(); ++k) {
      const std::size_t n = std::min(kChunks[k % std::size(kChunks)], w.size() - at);
      assert_int_equal(decode(*fx.server, w.subspan(at, n), fx.got, true).code, kOk);
      at += n;
    }
    assert_int_equal(fx.got.size(), fx.expect.size());
    assert_memory_equal(fx.got.data(), fx.expect.data(), fx.expect.size());
  }
}

// --------------------------------------------------------------- tampering (docs/protocol.md §7.5)

// expect_dead checks that a failed layer refuses even the packet that would have been next.
void expect_dead(Fx& fx) {
  assert_int_equal(decode(*fx.server, fx.wire2, fx.got).code, code(Errc::BadProtocol));
  assert_int_equal(decode(*fx.server, {}, fx.got).code, code(Errc::BadProtocol));
}

// tamper_case re-creates the layers, has the server reject the tampered fx.wire, then checks
// that it stays failed. fx.wire2 holds an untouched seq-0 packet.
void tamper_case(Fx& fx, const Config& c, std::size_t at, std::uint8_t xor_mask) {
  assert_int_equal(make_layers(fx, c), kOk);
  assert_int_equal(encode(*fx.client, as_bytes(kMsg), fx.wire2).code, kOk);
  fx.wire = fx.wire2;
  fx.wire[at] = static_cast<std::uint8_t>(fx.wire[at] ^ xor_mask);
  assert_int_equal(decode(*fx.server, fx.wire, fx.got).code, code(Errc::BadProtocol));
  assert_int_equal(fx.got.size(), 0);
  expect_dead(fx);
}

void security_layer_rejects_tampered_packets(void** state) {
  auto& fx = fixture<Fx>(state);
  for (const auto& c : kConfigs) {
    if (!available(fx, c)) {
      continue;
    }
    assert_int_equal(make_layers(fx, c), kOk);
    assert_int_equal(encode(*fx.client, as_bytes(kMsg), fx.wire).code, kOk);
    const std::size_t size = fx.wire.size();
    tamper_case(fx, c, 4, 0x01);              // first body octet (msg / ciphertext / R)
    tamper_case(fx, c, size - 16, 0x80);      // first MAC (or last ciphertext) octet
    tamper_case(fx, c, size - 7, 0x01);       // last MAC (or ciphertext) octet
    tamper_case(fx, c, size - 6, 0x01);       // type 01 01
    tamper_case(fx, c, size - 5, 0x03);       // type 00 02
    tamper_case(fx, c, size - 1, 0x01);       // seq 1 instead of 0 (a skipped packet)
    tamper_case(fx, c, size - 4, 0x80);       // seq 0x80000000
  }
}

void security_layer_rejects_replay_and_skip(void** state) {
  auto& fx = fixture<Fx>(state);
  for (const auto& c : kConfigs) {
    if (!available(fx, c)) {
      continue;
    }
    // Replay: packet 0 twice.
    assert_int_equal(make_layers(fx, c), kOk);
    assert_int_equal(encode(*fx.client, as_bytes(kMsg), fx.wire).code, kOk);
    assert_int_equal(encode(*fx.client, as_bytes(kMsg), fx.wire2).code, kOk);
    assert_int_equal(decode(*fx.server, fx.wire, fx.got).code, kOk);
    assert_int_equal(decode(*fx.server, fx.wire, fx.got).code, code(Errc::BadProtocol));
    expect_dead(fx);  // even the genuine packet 1 is refused now
    // Skip: packet 1 before packet 0.
    assert_int_equal(make_layers(fx, c), kOk);
    assert_int_equal(encode(*fx.client, as_bytes(kMsg), fx.wire2).code, kOk);
    assert_int_equal(encode(*fx.client, as_bytes(kMsg), fx.wire).code, kOk);
    assert_int_equal(decode(*fx.server, fx.wire, fx.got).code, code(Errc::BadProtocol));
    expect_dead(fx);
  }
}

// header writes a 4-octet length prefix into fx.wire, followed by `body` zero octets.
void header(Fx& fx, std::uint32_t len, std::size_t body) {
  fx.wire.clear();
  append_be32(fx.wire, len);
  fx.wire.resize(4 + body, 0);
}

void security_layer_rejects_bad_lengths(void** state) {
  auto& fx = fixture<Fx>(state);
  const Config c{Qop::AuthInt, std::nullopt};
  constexpr std::uint32_t kOwn = 1000;  // what the server announced
  struct Bad {
    std::uint32_t len;
    std::size_t body;
  };
  constexpr Bad kBad[] = {{kOwn + 1, kOwn + 1}, {kOwn + 1, 0}, {0xffffffffU, 0},
                          {15, 15},            {0, 0},        {1, 1}};
  for (const auto& bad : kBad) {
    // All at once (the whole prefix in one call)...
    assert_int_equal(make_layers(fx, c, kOwn), kOk);
    assert_int_equal(encode(*fx.client, as_bytes(kMsg), fx.wire2).code, kOk);
    header(fx, bad.len, bad.body);
    assert_int_equal(decode(*fx.server, fx.wire, fx.got).code, code(Errc::BadProtocol));
    expect_dead(fx);
    // ...and with the prefix split over two calls.
    assert_int_equal(make_layers(fx, c, kOwn), kOk);
    assert_int_equal(encode(*fx.client, as_bytes(kMsg), fx.wire2).code, kOk);
    header(fx, bad.len, 0);
    assert_int_equal(decode(*fx.server, ByteView(fx.wire).first(2), fx.got).code, kOk);
    assert_int_equal(decode(*fx.server, ByteView(fx.wire).subspan(2), fx.got).code,
                     code(Errc::BadProtocol));
    expect_dead(fx);
  }
  // L exactly at our maxbuf is fine.
  assert_int_equal(make_layers(fx, c, kOwn), kOk);
  fill_message(fx.msg, fx.client->max_out(), 3);
  assert_int_equal(encode(*fx.client, fx.msg, fx.wire).code, kOk);
  assert_int_equal(be32_at(fx.wire, 0), kOwn);
  assert_int_equal(decode(*fx.server, fx.wire, fx.got).code, kOk);
  assert_int_equal(fx.got.size(), fx.msg.size());
}

// ---------------------------------------------------------------- maxbuf (docs/protocol.md §7.6)

void security_layer_max_plaintext_is_exact(void** state) {
  auto& fx = fixture<Fx>(state);
  for (const auto& c : kConfigs) {
    if (!available(fx, c)) {
      continue;
    }
    for (std::uint32_t maxbuf = 17; maxbuf <= 128; ++maxbuf) {
      const std::uint32_t mo = digestmd5::max_plaintext(c.qop, c.cipher, maxbuf);
      if (c.cipher == CipherId::AesCbc && maxbuf < kMinAesMaxbuf) {
        // Policy, not arithmetic: docs/protocol.md §8 item 3 requires a peer maxbuf of at least 64.
        assert_int_equal(mo, 0);
        assert_int_equal(make_layers(fx, c, maxbuf, maxbuf), code(Errc::TooWeak));
        continue;
      }
      // Exactness against the packet formula: mo octets fit, mo + 1 do not.
      assert_true(expected_len(c, mo + std::uint64_t{1}) > maxbuf);
      if (mo == 0) {
        assert_int_equal(make_layers(fx, c, maxbuf, maxbuf), code(Errc::TooWeak));
        continue;
      }
      assert_true(expected_len(c, mo) <= maxbuf);
      assert_int_equal(make_layers(fx, c, maxbuf, maxbuf), kOk);
      assert_int_equal(fx.client->max_out(), mo);
      // The layer agrees: mo octets are one packet with L <= maxbuf...
      fill_message(fx.msg, mo, maxbuf);
      assert_int_equal(encode(*fx.client, fx.msg, fx.wire).code, kOk);
      PacketWalk w = walk_packets(fx.wire);
      assert_int_equal(w.count, 1);
      assert_int_equal(w.largest, expected_len(c, mo));
      assert_true(w.largest <= maxbuf);
      assert_int_equal(decode(*fx.server, fx.wire, fx.got).code, kOk);
      assert_int_equal(fx.got.size(), mo);
      // ...and mo + 1 octets take two.
      fill_message(fx.msg, std::size_t{mo} + 1, maxbuf);
      assert_int_equal(encode(*fx.client, fx.msg, fx.wire).code, kOk);
      w = walk_packets(fx.wire);
      assert_int_equal(w.count, 2);
      assert_true(w.largest <= maxbuf);
      assert_int_equal(decode(*fx.server, fx.wire, fx.got).code, kOk);
      assert_int_equal(fx.got.size(), std::size_t{mo} + 1);
    }
  }
}

void security_layer_max_plaintext_values(void** state) {
  (void)state;
  using digestmd5::max_plaintext;
  assert_int_equal(max_plaintext(Qop::AuthInt, std::nullopt, 65536), 65520);
  assert_int_equal(max_plaintext(Qop::AuthInt, std::nullopt, 17), 1);
  assert_int_equal(max_plaintext(Qop::AuthInt, std::nullopt, 16), 0);
  assert_int_equal(max_plaintext(Qop::AuthConf, CipherId::Rc4, 65536), 65520);
  assert_int_equal(max_plaintext(Qop::AuthConf, CipherId::Rc4_40, 17), 1);
  // des/3des: 65530 rounds down to 65528 = msg + pad(>= 1) + 10.
  assert_int_equal(max_plaintext(Qop::AuthConf, CipherId::Des, 65536), 65517);
  assert_int_equal(max_plaintext(Qop::AuthConf, CipherId::TripleDes, 21), 0);
  assert_int_equal(max_plaintext(Qop::AuthConf, CipherId::TripleDes, 22), 5);
  // aes-cbc: 65530 rounds down to 65520 = R(16) + msg + pad(>= 1) + 10.
  assert_int_equal(max_plaintext(Qop::AuthConf, CipherId::AesCbc, 65536), 65493);
  // Below 64 aes-cbc is refused by policy (docs/protocol.md §8 item 3), although from 38 on a few
  // octets would fit arithmetically.
  assert_int_equal(max_plaintext(Qop::AuthConf, CipherId::AesCbc, 37), 0);
  assert_int_equal(max_plaintext(Qop::AuthConf, CipherId::AesCbc, 38), 0);
  assert_int_equal(max_plaintext(Qop::AuthConf, CipherId::AesCbc, 63), 0);
  // 64: 58 rounds down to 48 = R(16) + msg + pad(>= 1) + 10, so 21.
  assert_int_equal(max_plaintext(Qop::AuthConf, CipherId::AesCbc, 64), 21);
  assert_int_equal(max_plaintext(Qop::AuthConf, CipherId::AesCbc, 16777215), 16777173);
}

void security_layer_create_is_too_weak_when_nothing_fits(void** state) {
  auto& fx = fixture<Fx>(state);
  // aes-cbc: refused below a peer maxbuf of 64 (docs/protocol.md §8 item 3).
  for (std::uint32_t maxbuf = 17; maxbuf < kMinAesMaxbuf; ++maxbuf) {
    assert_int_equal(make_layers(fx, {Qop::AuthConf, CipherId::AesCbc}, maxbuf),
                     code(Errc::TooWeak));
  }
  assert_int_equal(make_layers(fx, {Qop::AuthConf, CipherId::AesCbc}, kMinAesMaxbuf), kOk);
  // des/3des: msg + pad(>= 1) + MAC rounds up to 16, plus 6: nothing fits below 22.
  for (std::uint32_t maxbuf = 17; maxbuf <= 21; ++maxbuf) {
    assert_int_equal(make_layers(fx, {Qop::AuthConf, CipherId::TripleDes}, maxbuf),
                     code(Errc::TooWeak));
  }
  assert_int_equal(make_layers(fx, {Qop::AuthConf, CipherId::TripleDes}, 22), kOk);
  assert_int_equal(make_layers(fx, {Qop::AuthInt, std::nullopt}, 16), code(Errc::TooWeak));
  assert_int_equal(make_layers(fx, {Qop::AuthInt, std::nullopt}, 17), kOk);
  // The server's own check uses the client's maxbuf.
  assert_int_equal(make_layers(fx, {Qop::AuthConf, CipherId::AesCbc}, 65536, 37),
                   code(Errc::TooWeak));
}

void security_layer_create_rejects_auth_conf_without_cipher(void** state) {
  auto& fx = fixture<Fx>(state);
  assert_int_equal(make_layers(fx, {Qop::AuthConf, std::nullopt}), code(Errc::Internal));
}

}  // namespace

#define DMD5_LAYER_TEST(fn) \
  cmocka_unit_test_setup_teardown(fn, setup, test_support::teardown_fixture<Fx>)

int main() {
  const CMUnitTest tests[] = {
      DMD5_LAYER_TEST(security_layer_auth_int_known_answers),
      DMD5_LAYER_TEST(security_layer_rc4_known_answers),
      DMD5_LAYER_TEST(security_layer_rc4_40_known_answer),
      DMD5_LAYER_TEST(security_layer_rc4_56_known_answer),
      DMD5_LAYER_TEST(security_layer_des_known_answer),
      DMD5_LAYER_TEST(security_layer_3des_known_answers_chain_cbc),
      DMD5_LAYER_TEST(security_layer_des_key_with_parity),
      DMD5_LAYER_TEST(security_layer_aes_cbc_packet_decrypts_by_hand),
      DMD5_LAYER_TEST(security_layer_aes_cbc_decodes_spec_vector),
      DMD5_LAYER_TEST(security_layer_aes_cbc_server_to_client),
      DMD5_LAYER_TEST(security_layer_forged_3des_matches_spec_vector),
      DMD5_LAYER_TEST(security_layer_rejects_bad_3des_padding),
      DMD5_LAYER_TEST(security_layer_rejects_bad_des_padding),
      DMD5_LAYER_TEST(security_layer_rejects_bad_aes_padding),
      DMD5_LAYER_TEST(security_layer_rejects_block_misalignment),
      DMD5_LAYER_TEST(security_layer_round_trips_every_size),
      DMD5_LAYER_TEST(security_layer_empty_message_is_a_16_octet_integrity_packet),
      DMD5_LAYER_TEST(security_layer_encode_joins_parts),
      DMD5_LAYER_TEST(security_layer_encode_splits_into_packets),
      DMD5_LAYER_TEST(security_layer_decode_one_byte_at_a_time),
      DMD5_LAYER_TEST(security_layer_decode_many_packets_in_one_call),
      DMD5_LAYER_TEST(security_layer_decode_arbitrary_chunks),
      DMD5_LAYER_TEST(security_layer_rejects_tampered_packets),
      DMD5_LAYER_TEST(security_layer_rejects_replay_and_skip),
      DMD5_LAYER_TEST(security_layer_rejects_bad_lengths),
      DMD5_LAYER_TEST(security_layer_max_plaintext_is_exact),
      DMD5_LAYER_TEST(security_layer_max_plaintext_values),
      DMD5_LAYER_TEST(security_layer_create_is_too_weak_when_nothing_fits),
      DMD5_LAYER_TEST(security_layer_create_rejects_auth_conf_without_cipher),
  };
  return cmocka_run_group_tests_name("security_layer", tests, nullptr, nullptr);
}
