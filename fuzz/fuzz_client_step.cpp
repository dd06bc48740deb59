// SPDX-License-Identifier: BSD-3-Clause
// fuzz_client_step.cpp: a ClientSession with a fixed identity fed an arbitrary challenge, and,
// when it answers, an arbitrary response-auth (docs/protocol.md §3.1, §3.3, §5, §9.3).
//
// Input: one configuration octet (security window, identity, cipher allow-list), the challenge,
// then optionally "\n--\n" and the server's final message, in which "@RSPAUTH@" becomes the
// rspauth a server holding the password would send.
//
// Properties: no crash and no escaping exception; a failure reports exactly one error text,
// never Internal, and no log line carries the password; an answer is a response that parses,
// echoes the challenge's nonce, stays inside the window and carries the right proof; a verified
// rspauth installs a layer exactly when qop is not auth, and that layer interoperates with a
// server-side peer keyed from H(A1).
#include <cstddef>
#include <cstdint>

#include "common/client_session.hpp"
#include "tests/fake_host.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace digestmd5;
using digestmd5::fuzz::kPassword;
using digestmd5::testing::FakeClientHost;

namespace {

constexpr std::string_view kSeparator = "\n--\n";

void check_failure(const Error& e, const FakeClientHost& host, std::size_t errors_before) {
  DMD5_FUZZ_CHECK(e.code != Errc::Internal && e.code != Errc::Interact);
  DMD5_FUZZ_CHECK(!e.message.empty());
  DMD5_FUZZ_CHECK(host.log_record.errors.size() == errors_before + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& crypto = fuzz::shared_crypto();
  fuzz::ByteReader in(data, size);
  const std::uint8_t config = in.u8();
  const std::string_view rest = in.rest();
  const auto split = rest.find(kSeparator);
  const std::string challenge(rest.substr(0, split));
  const std::optional<std::string> final_message =
      split == std::string_view::npos
          ? std::nullopt
          : std::optional<std::string>(rest.substr(split + kSeparator.size()));

  FakeClientHost host;
  host.service_name = "imap";
  host.fqdn = "mail.example.com";
  host.security = fuzz::kWindows[config & 7];
  host.id.authid = (config & 8) != 0 ? "\xc3\xa9lise" : "alice";
  host.id.authzid = (config & 16) != 0 ? "bob" : host.id.authid;
  host.id.password.assign(kPassword.begin(), kPassword.end());
  host.id.realm = (config & 32) != 0 ? "example.com" : "";
  ClientOptions options;
  if ((config & 64) != 0) {
    options.ciphers = CipherSet{};
    options.ciphers.add(CipherId::TripleDes);
    options.ciphers.add(CipherId::Rc4_40);
  }
  ClientSession client(crypto, options);

  const auto first = client.step(host, "");
  DMD5_FUZZ_CHECK(first.has_value() && first->data.empty() && !first->done);

  std::size_t errors_before = host.log_record.errors.size();
  const auto answer = client.step(host, challenge);
  DMD5_FUZZ_CHECK(!fuzz::mentions_password(host.log_record.lines));
  DMD5_FUZZ_CHECK(!fuzz::mentions_password(host.log_record.errors));
  if (!answer) {
    check_failure(answer.error(), host, errors_before);
    return 0;
  }
  DMD5_FUZZ_CHECK(!answer->done);
  const auto offered = parse_challenge(challenge);
  DMD5_FUZZ_CHECK(offered.has_value());
  const auto sent = parse_response(answer->data);
  DMD5_FUZZ_CHECK(sent.has_value());
  DMD5_FUZZ_CHECK(answer->data.size() < kResponseLimit);
  DMD5_FUZZ_CHECK(sent->nonce == offered->nonce);
  DMD5_FUZZ_CHECK(sent->nc == 1);
  DMD5_FUZZ_CHECK(offered->qops.has(sent->qop));
  DMD5_FUZZ_CHECK(!sent->cipher || offered->ciphers.has(*sent->cipher));
  DMD5_FUZZ_CHECK(sent->utf8 == offered->utf8);
  const unsigned ssf = Choice{sent->qop, sent->cipher}.ssf();
  const SsfWindow window = ssf_window(host.security);
  DMD5_FUZZ_CHECK(window.contains(ssf));
  DMD5_FUZZ_CHECK(sent->response ==
                  fuzz::proof_for(*crypto, *sent, sent->nonce, Proof::ClientResponse));
  if (!final_message) {
    return 0;
  }

  const std::string rspauth = fuzz::proof_for(*crypto, *sent, sent->nonce, Proof::ServerRspauth);
  const std::string final_text = fuzz::replace_all(*final_message, "@RSPAUTH@", rspauth);
  errors_before = host.log_record.errors.size();
  const auto done = client.step(host, final_text);
  DMD5_FUZZ_CHECK(!fuzz::mentions_password(host.log_record.lines));
  if (!done) {
    check_failure(done.error(), host, errors_before);
    DMD5_FUZZ_CHECK(client.layer() == nullptr);
    return 0;
  }
  DMD5_FUZZ_CHECK(done->done && done->data.empty());
  const auto accepted = parse_response_auth(final_text);
  DMD5_FUZZ_CHECK(accepted.has_value() && *accepted == rspauth);
  DMD5_FUZZ_CHECK((client.layer() != nullptr) == (sent->qop != Qop::Auth));
  if (SecurityLayer* layer = client.layer()) {
    const Digest16 ha1 = fuzz::expected_ha1(*crypto, *sent, sent->nonce);
    auto server = fuzz::peer_layer(ha1, Role::Server, sent->qop, sent->cipher,
                                   sent->maxbuf.value_or(kDefaultMaxbuf),
                                   offered->maxbuf.value_or(kDefaultMaxbuf));
    fuzz::round_trip(*layer, *server, "client to server");
    fuzz::round_trip(*server, *layer, "server to client");
  }
  const auto again = client.step(host, final_text);
  DMD5_FUZZ_CHECK(!again.has_value());
  return 0;
}
