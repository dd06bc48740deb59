// SPDX-License-Identifier: BSD-3-Clause
// cases.hpp: what the benchmark measures: layer cases and chunk sizes, handshake and memory cases.
#pragma once

#include <sasl/sasl.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dmd5bench {

inline constexpr std::size_t kKiB = 1024;
inline constexpr std::size_t kMiB = 1024 * kKiB;

// LayerCase is one protection level, forced through the client's SSF window (as applications and
// tests/test_libsasl2.cpp do), together with what the OpenSSL floor needs to redo its crypto.
struct LayerCase {
  std::string_view name;  // the cipher token, or "auth-int"
  sasl_ssf_t min_ssf;
  sasl_ssf_t max_ssf;
  bool allow_aes;             // digestmd5_aes_cbc on our client (aes-cbc would win at SSF 128)
  std::size_t volume;         // plaintext octets per cell, sized for ~0.1 s on the floor
  const char* evp_name;       // OpenSSL cipher name; nullptr for auth-int
  std::size_t block;          // cipher block (1 for stream ciphers and auth-int)
  std::size_t random_prefix;  // aes-cbc's random first block per packet (docs/protocol.md §8)
};

inline constexpr std::array<LayerCase, 7> kLayerCases{{
    {"auth-int", 1, 1, false, 32 * kMiB, nullptr, 1, 0},
    {"rc4-40", 2, 40, false, 12 * kMiB, "RC4", 1, 0},
    {"rc4-56", 56, 56, false, 12 * kMiB, "RC4", 1, 0},
    {"rc4", 113, 128, false, 12 * kMiB, "RC4", 1, 0},
    {"des", 41, 55, false, 3 * kMiB, "DES-CBC", 8, 0},
    {"3des", 57, 112, false, 2 * kMiB, "DES-EDE-CBC", 8, 0},
    {"aes-cbc", 113, 128, true, 20 * kMiB, "AES-128-CBC", 16, 16},
}};

// Chunks handed to one sasl_encode call. 64 KiB exceeds maxoutbuf (a little under 65536), so
// libsasl2 splits it into two packets; the floor splits it the same way.
inline constexpr std::array<std::size_t, 3> kChunks{{1 * kKiB, 16 * kKiB, 64 * kKiB}};

// kPeerMaxbuf is both sides' maxbuf (libsasl2's default maxbufsize).
inline constexpr std::uint32_t kPeerMaxbuf = 65536;

// max_plain is the largest message one packet carries for `c` with a peer maxbuf of 65536:
// 10-octet MAC and 6-octet trailer, plus for block ciphers the random prefix and 1..block octets
// of padding (docs/protocol.md §7.6, §8).
constexpr std::size_t max_plain(const LayerCase& c) noexcept {
  if (c.block == 1) {
    return kPeerMaxbuf - 16;
  }
  const std::size_t room = (kPeerMaxbuf - 6) / c.block * c.block;
  return room - c.random_prefix - 10 - 1;
}

// HandshakeCase is one full authentication measured for handshakes per second.
// What a layer adds to a handshake, for the handshake floor (floor.hpp): `keys` layer keys
// derived per side (Kic, Kis; with a cipher also Kcc, Kcs from the first `kc_octets` of H(A1)),
// and the cipher whose contexts each side keys for both directions (nullptr: none).
struct HandshakeCase {
  std::string_view name;
  sasl_ssf_t min_ssf;
  sasl_ssf_t max_ssf;
  std::size_t keys;
  std::size_t kc_octets;
  const char* evp_name;
  bool block;
};

inline constexpr std::array<HandshakeCase, 4> kHandshakeCases{{
    {"auth", 0, 0, 0, 0, nullptr, false},
    {"auth-int", 1, 1, 2, 0, nullptr, false},
    {"rc4", 113, 128, 4, 16, "RC4", false},
    {"3des", 57, 112, 4, 16, "DES-EDE-CBC", true},
}};
// Subsequent authentication (RFC 2831 §2.2): after one full authentication every handshake
// continues the nonce in one round trip (server reauth_timeout; the client cache: ours with
// digestmd5_client_reauth=yes, the stock plugin's always on). Measured in their own worker
// process, since the stock plugin reads reauth_timeout once, at plug_init.
inline constexpr std::array<HandshakeCase, 2> kReauthCases{{
    {"reauth-auth", 0, 0, 0, 0, nullptr, false},
    {"reauth-int", 1, 1, 2, 0, nullptr, false},
}};
// Thread scaling runs these handshake cases on 1..N threads at once (N = the CPUs available),
// each thread for about kThreadSeconds of wall time per step.
inline constexpr std::array<std::string_view, 3> kThreadCases{{"auth", "rc4", "reauth-auth"}};
inline constexpr double kThreadSeconds = 0.4;
// The reference row: the rc4 handshake floor (OpenSSL alone) on as many threads.
inline constexpr std::string_view kThreadReference = "openssl-floor";
// Each handshake case runs at most kHandshakeMax handshakes in about kHandshakeSeconds of CPU
// time (the stock plugin's rc4 handshakes take milliseconds each), in timed slices.
inline constexpr std::size_t kHandshakeMax = 20000;
inline constexpr double kHandshakeSeconds = 0.5;

// MemoryCase keeps `pairs` authenticated client+server pairs alive in a fresh process.
struct MemoryCase {
  std::string_view name;
  sasl_ssf_t min_ssf;
  sasl_ssf_t max_ssf;
  std::size_t pairs;
};

inline constexpr std::array<MemoryCase, 2> kMemoryCases{{
    {"auth", 0, 0, 10000},
    {"rc4", 113, 128, 1000},
}};

}  // namespace dmd5bench
