// SPDX-License-Identifier: BSD-3-Clause
// fuzz_server_step.cpp: a ServerSession that issued a real challenge, then given arbitrary
// client input as step 2 (docs/protocol.md §3.2, §4.5, §9.4).
//
// Input: one configuration octet (security window, host check, realms, cipher allow-list),
// then the response. Two placeholders let the fuzzer get past the checks a random input cannot
// pass: "@NONCE@" becomes the live nonce, and "@RESPONSE@" the proof that makes the message
// valid for the stored password (computed from the message itself, as a client would).
//
// Properties: no crash and no escaping exception; a failure reports exactly one error text,
// never Internal, and no log line carries the password; a success returns a valid rspauth, a
// layer exactly when qop is not auth, and that layer interoperates with a peer keyed
// independently from H(A1); a further step fails.
#include <cstddef>
#include <cstdint>

#include "common/server_session.hpp"
#include "tests/fake_host.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace digestmd5;
using digestmd5::fuzz::kPassword;
using digestmd5::testing::FakeServerHost;

namespace {


CipherSet allow_list(unsigned which) {
  CipherSet s;
  switch (which) {
    case 0:
      return CipherSet::all();
    case 1:
      s.add(CipherId::TripleDes);
      return s;
    case 2:
      s.add(CipherId::AesCbc);
      s.add(CipherId::Rc4);
      s.add(CipherId::Rc4_40);
      return s;
    default:
      s.add(CipherId::Des);
      s.add(CipherId::Rc4_56);
      return s;
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
  host.add_password("alice@other.example", kPassword);
  StoredSecret ss;
  ss.kind = StoredSecret::Kind::Ss;
  const Digest16 carol = compute_ss(*crypto, {"carol", "example.com", as_bytes(kPassword)}, true);
  ss.bytes.assign(carol.bytes().begin(), carol.bytes().end());
  host.store["carol"] = std::move(ss);

  ServerOptions options;
  if ((config & 8) != 0) {
    options.hosts = {"mail.example.com"};
  }
  if ((config & 16) != 0) {
    options.realms = {"example.com", "other.example"};
  }
  options.ciphers = allow_list((config >> 5) & 3);
  ServerSession server(crypto, options);

  const auto challenge = server.step(host, "");
  if (!challenge) {
    DMD5_FUZZ_CHECK(challenge.error().code == Errc::TooWeak);
    return 0;
  }
  const std::string nonce(server.nonce());
  std::string response = fuzz::replace_all(std::string(in.rest()), "@NONCE@", nonce);
  if (response.find("@RESPONSE@") != std::string::npos) {
    const auto draft = parse_response(fuzz::replace_all(response, "@RESPONSE@", fuzz::kZeroProof));
    const std::string proof = draft ? fuzz::proof_for(*crypto, *draft, nonce, Proof::ClientResponse)
                                    : std::string(fuzz::kZeroProof);
    response = fuzz::replace_all(response, "@RESPONSE@", proof);
  }

  const std::size_t errors_before = host.log_record.errors.size();
  const auto result = server.step(host, response);
  DMD5_FUZZ_CHECK(!fuzz::mentions_password(host.log_record.lines));
  DMD5_FUZZ_CHECK(!fuzz::mentions_password(host.log_record.errors));
  if (!result) {
    DMD5_FUZZ_CHECK(result.error().code != Errc::Internal);
    DMD5_FUZZ_CHECK(!result.error().message.empty());
    DMD5_FUZZ_CHECK(host.log_record.errors.size() == errors_before + 1);
    DMD5_FUZZ_CHECK(server.layer() == nullptr);
  } else {
    DMD5_FUZZ_CHECK(result->done);
    const auto sent = parse_response(response);
    DMD5_FUZZ_CHECK(sent.has_value());
    const auto rspauth = parse_response_auth(result->data);
    DMD5_FUZZ_CHECK(rspauth.has_value());
    DMD5_FUZZ_CHECK(*rspauth == fuzz::proof_for(*crypto, *sent, nonce, Proof::ServerRspauth));
    const Outcome& o = server.outcome();
    DMD5_FUZZ_CHECK(o.qop == sent->qop && o.cipher == sent->cipher);
    DMD5_FUZZ_CHECK((server.layer() != nullptr) == (sent->qop != Qop::Auth));
    if (SecurityLayer* layer = server.layer()) {
      fuzz::check_server_layer(*layer, *sent, nonce, host.security.maxbufsize);
    }
    DMD5_FUZZ_CHECK(errors_before == host.log_record.errors.size());
  }
  const auto again = server.step(host, response);
  DMD5_FUZZ_CHECK(!again.has_value());
  return 0;
}
