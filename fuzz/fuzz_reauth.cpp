// SPDX-License-Identifier: BSD-3-Clause
// fuzz_reauth.cpp: a ServerSession with subsequent authentication on, given arbitrary client
// input as the initial response of a new connection (docs/protocol.md §6). The cache holds one
// finished authentication: nonce "the-nonce", alice in example.com, cnonce "old-cnonce", next
// count 2.
//
// Input: one configuration octet (the security window), then the initial response; "@RESPONSE@"
// becomes the proof that makes the message valid for the stored password.
//
// Properties: no crash and no escaping exception; the step never fails (a refused continuation
// becomes a challenge) unless no protection fits the window; a continuation succeeds only for
// the cached nonce, user and realm, nc exactly 2, a right proof and, with a layer, a cnonce
// other than the cached one: then rspauth is right, the count moves to 3 and the layer talks to a
// peer keyed independently; a challenge says stale=true only after a right proof; no log line
// carries the password.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/reauth_cache.hpp"
#include "common/server_session.hpp"
#include "fuzz/fuzz_support.hpp"
#include "tests/fake_host.hpp"

using namespace digestmd5;
using digestmd5::fuzz::kPassword;
using digestmd5::testing::FakeServerHost;

namespace {

constexpr std::string_view kNonce = "the-nonce";
constexpr std::string_view kOldCnonce = "old-cnonce";

// proof_is_right tells whether `r` proves the password for its own nonce.
bool proof_is_right(const Crypto& crypto, const Response& r) {
  return r.response == fuzz::proof_for(crypto, r, r.nonce, Proof::ClientResponse);
}

void check_success(FakeServerHost& host, ServerSession& server, ReauthCache& cache,
                   const Response& sent, std::string_view out) {
  DMD5_FUZZ_CHECK(sent.nonce == kNonce && sent.nc == 2 && sent.username == "alice" &&
                  sent.realm == std::optional<std::string>("example.com"));
  DMD5_FUZZ_CHECK(sent.qop == Qop::Auth || sent.cnonce != kOldCnonce);
  const auto rspauth = parse_response_auth(out);
  DMD5_FUZZ_CHECK(rspauth.has_value());
  const auto& crypto = *fuzz::shared_crypto();
  DMD5_FUZZ_CHECK(*rspauth == fuzz::proof_for(crypto, sent, sent.nonce, Proof::ServerRspauth));
  const auto entry = cache.find(kNonce);
  DMD5_FUZZ_CHECK(entry.has_value() && entry->next_nc == 3 && entry->cnonce == sent.cnonce);
  DMD5_FUZZ_CHECK((server.layer() != nullptr) == (sent.qop != Qop::Auth));
  if (SecurityLayer* layer = server.layer()) {
    fuzz::check_server_layer(*layer, sent, sent.nonce, host.security.maxbufsize);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& crypto = fuzz::shared_crypto();
  fuzz::ByteReader in(data, size);
  const std::uint8_t config = in.u8();

  FakeServerHost host;
  host.service_name = "imap";
  host.fqdn = "mail.example.com";
  host.realm = "example.com";
  host.security = fuzz::kWindows[config & 7];
  host.add_password("alice", kPassword);

  auto cache = std::make_shared<ReauthCache>(4);
  cache->put(kNonce, ReauthEntry{"example.com", "alice", "", std::string(kOldCnonce), 2,
                                 std::chrono::steady_clock::now()});
  ServerOptions options;
  options.reauth = cache;
  options.reauth_lifetime = std::chrono::minutes(10);
  ServerSession server(crypto, options);

  std::string initial(in.rest());
  if (initial.find("@RESPONSE@") != std::string::npos) {
    const auto draft = parse_response(fuzz::replace_all(initial, "@RESPONSE@", fuzz::kZeroProof));
    const std::string proof = draft
                                  ? fuzz::proof_for(*crypto, *draft, draft->nonce,
                                                    Proof::ClientResponse)
                                  : std::string(fuzz::kZeroProof);
    initial = fuzz::replace_all(initial, "@RESPONSE@", proof);
  }
  const auto out = server.step(host, initial);
  DMD5_FUZZ_CHECK(!fuzz::mentions_password(host.log_record.lines));
  DMD5_FUZZ_CHECK(!fuzz::mentions_password(host.log_record.errors));
  if (!out) {
    DMD5_FUZZ_CHECK(out.error().code == Errc::TooWeak);
    return 0;
  }
  const auto sent = parse_response(initial);
  if (out->done) {
    DMD5_FUZZ_CHECK(sent.has_value());
    check_success(host, server, *cache, *sent, out->data);
    return 0;
  }
  const auto challenge = parse_challenge(out->data);
  DMD5_FUZZ_CHECK(challenge.has_value());
  DMD5_FUZZ_CHECK(challenge->nonce != kNonce);
  if (challenge->stale) {
    DMD5_FUZZ_CHECK(sent.has_value() && proof_is_right(*crypto, *sent));
  }
  // A refused continuation never moves the count.
  const auto entry = cache->find(kNonce);
  DMD5_FUZZ_CHECK(!entry || entry->next_nc == 2);
  return 0;
}
