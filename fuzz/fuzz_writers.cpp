// SPDX-License-Identifier: BSD-3-Clause
// fuzz_writers.cpp: format_challenge, format_response and format_response_auth on values built
// from arbitrary octets (docs/protocol.md §2 emitter rules, style §2.4 item 5).
//
// Properties: a writer never returns a message at or above its limit (2048 / 4096 octets; it
// fails with Internal instead); and for every value inside the domain the parser can return
// (no NUL, no control octet but LWS, values of at most 1024 octets, the required fields
// present and consistent), parse(format(x)) == x. Values outside that domain are written too,
// to check that nothing crashes and the limits hold.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_support.hpp"

using namespace digestmd5;
using digestmd5::fuzz::ByteReader;

namespace {

// representable maps the octets a quoted-string cannot carry to 'x' and caps the length.
std::string representable(std::string s) {
  for (char& c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 32 && c != '\t' && c != '\r' && c != '\n') || u == 127) {
      c = 'x';
    }
  }
  if (s.size() > kMaxValueLength) {
    s.resize(kMaxValueLength);
  }
  return s;
}

std::string text(ByteReader& in, bool valid) {
  const std::size_t unit = in.flag() ? 16 : 1;
  std::string s = in.bytes(unit);
  return valid ? representable(std::move(s)) : s;
}

std::string non_empty(std::string s) { return s.empty() ? std::string("v") : s; }

void fuzz_challenge(ByteReader& in, bool valid) {
  Challenge c;
  const std::size_t realms = in.u8() % (kMaxRealms + 2);
  for (std::size_t i = 0; i < realms && (!valid || i < kMaxRealms); ++i) {
    c.realms.push_back(text(in, valid));
  }
  c.nonce = text(in, valid);
  const std::uint8_t qops = in.u8();
  for (const Qop q : {Qop::Auth, Qop::AuthInt, Qop::AuthConf}) {
    if ((qops & static_cast<std::uint8_t>(q)) != 0) {
      c.qops.add(q);
    }
  }
  const std::uint8_t ciphers = in.u8();
  for (const auto& info : kCiphers) {
    if (((static_cast<unsigned>(ciphers) >> static_cast<unsigned>(info.id)) & 1U) != 0) {
      c.ciphers.add(info.id);
    }
  }
  c.stale = in.flag();
  if (in.flag()) {
    c.maxbuf = in.u32();
  }
  c.utf8 = in.flag();
  if (valid) {
    c.nonce = non_empty(c.nonce);
    if (c.qops.empty()) {
      c.qops.add(Qop::Auth);
    }
    if (!c.qops.has(Qop::AuthConf)) {
      c.ciphers = CipherSet{};
    }
    if (c.maxbuf) {
      c.maxbuf = kMinMaxbuf + *c.maxbuf % (kMaxMaxbuf - kMinMaxbuf + 1);
    }
  }
  const auto out = format_challenge(c);
  if (!out) {
    DMD5_FUZZ_CHECK(out.error().code == Errc::Internal);
    return;
  }
  DMD5_FUZZ_CHECK(out->size() < kChallengeLimit);
  if (valid) {
    const auto back = parse_challenge(*out);
    DMD5_FUZZ_CHECK(back.has_value());
    DMD5_FUZZ_CHECK(*back == c);
  }
}

// qop_spelling writes a qop keyword in the letter case the input picks (receivers compare
// keywords case-insensitively and hash the value as sent).
std::string qop_spelling(Qop q, std::uint8_t cases) {
  std::string s(qop_name(q));
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (((static_cast<unsigned>(cases) >> (i % 8)) & 1U) != 0 && s[i] >= 'a' && s[i] <= 'z') {
      s[i] = static_cast<char>(s[i] - 'a' + 'A');
    }
  }
  return s;
}

void fuzz_response(ByteReader& in, bool valid) {
  Response r;
  r.username = text(in, valid);
  if (in.flag()) {
    r.realm = text(in, valid);
  }
  if (in.flag()) {
    r.authzid = text(in, valid);
  }
  r.nonce = text(in, valid);
  r.cnonce = text(in, valid);
  r.nc = in.u32();
  r.qop = static_cast<Qop>(1U << (in.u8() % 3));
  const std::uint8_t spelling = in.u8();
  if (in.flag()) {
    r.qop_text = valid ? qop_spelling(r.qop, spelling) : text(in, valid);
  }
  if (in.flag() || (valid && r.qop == Qop::AuthConf)) {
    r.cipher = static_cast<CipherId>(in.u8() % kCipherCount);
  }
  if (in.flag()) {
    r.maxbuf = in.u32();
  }
  r.utf8 = in.flag();
  r.digest_uri = text(in, valid);
  std::array<std::uint8_t, 16> proof{};
  for (auto& b : proof) {
    b = in.u8();
  }
  r.response = valid ? to_hex(proof) : text(in, valid);
  if (valid) {
    r.username = non_empty(r.username);
    r.cnonce = non_empty(r.cnonce);
    r.digest_uri = non_empty(r.digest_uri);
    r.nc = r.nc == 0 ? 1 : r.nc;
    if (r.qop != Qop::AuthConf) {
      r.cipher.reset();
    }
    if (r.maxbuf) {
      r.maxbuf = kMinMaxbuf + *r.maxbuf % (kMaxMaxbuf - kMinMaxbuf + 1);
    }
  }
  const auto out = format_response(r);
  if (!out) {
    DMD5_FUZZ_CHECK(out.error().code == Errc::Internal);
    return;
  }
  DMD5_FUZZ_CHECK(out->size() < kResponseLimit);
  if (valid) {
    // The writer always sends qop; without qop_text it writes the keyword in lower case.
    Response expect = r;
    if (!expect.qop_text) {
      expect.qop_text = std::string(qop_name(r.qop));
    }
    const auto back = parse_response(*out);
    DMD5_FUZZ_CHECK(back.has_value());
    DMD5_FUZZ_CHECK(*back == expect);
  }
}

void fuzz_response_auth(ByteReader& in) {
  std::array<std::uint8_t, 16> proof{};
  for (auto& b : proof) {
    b = in.u8();
  }
  const std::string hex = to_hex(proof);
  const std::string out = format_response_auth(hex);
  DMD5_FUZZ_CHECK(out.size() < kChallengeLimit);
  const auto back = parse_response_auth(out);
  DMD5_FUZZ_CHECK(back.has_value() && *back == hex);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteReader in(data, size);
  const std::uint8_t selector = in.u8();
  const bool valid = (selector & 0x80) == 0;
  switch (selector % 3) {
    case 0:
      fuzz_challenge(in, valid);
      break;
    case 1:
      fuzz_response(in, valid);
      break;
    default:
      fuzz_response_auth(in);
      break;
  }
  return 0;
}
