// SPDX-License-Identifier: BSD-3-Clause
// fuzz_http_server_step.cpp: an HttpServerSession that issued a real challenge, then given
// arbitrary credentials for the request "GET /fuzz/" (docs/protocol.md §12).
//
// Input: one configuration octet (algorithms offered, farm key or not, stored password or SS),
// then the credentials. Placeholders let the fuzzer past what random text cannot match:
// "@NONCE@" and "@OPAQUE@" become the challenge's values, "@RESPONSE@" the proof computed from
// the message itself for the stored password.
//
// Properties: no crash; a failure reports exactly one error text, never Internal, and no log line
// carries the password; a success returns Authentication-Info whose rspauth is the right one;
// an answer that is not done is a stale=true challenge; the same credentials again (a new
// connection) never succeed, since their count is used.
#include <cstddef>
#include <cstdint>

#include "common/http_server.hpp"
#include "fuzz/fuzz_support.hpp"
#include "tests/fake_host.hpp"

using namespace digestmd5;
using digestmd5::fuzz::kPassword;
using digestmd5::testing::FakeServerHost;

namespace {

constexpr std::string_view kRealm = "fuzz.example";
const HttpRequest kRequest{"GET", "/fuzz/", {}};

std::vector<HttpAlgorithm> algorithms(unsigned which) {
  switch (which) {
    case 0:
      return {HttpAlgorithm::Md5Sess};
    case 1:
      return {HttpAlgorithm::Sha256};
    case 2:
      return {HttpAlgorithm::Sha256Sess, HttpAlgorithm::Md5};
    default:
      return {HttpAlgorithm::Sha512_256, HttpAlgorithm::Md5Sess};
  }
}

std::string proof(const Crypto& crypto, const HttpCredentials& c, std::string_view method) {
  const HttpAlgorithm alg = c.algorithm.value_or(HttpAlgorithm::Md5);
  const SecureBytes inner = http_user_hash(crypto, alg, c.username, c.realm, as_bytes(kPassword));
  const SecureBytes ha1 = http_ha1(crypto, alg, inner, c.nonce, c.cnonce);
  return http_digest(crypto, ha1,
                     {alg, c.nonce, c.nc, c.cnonce, c.qop, method, c.uri, kRequest.entity});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& crypto = fuzz::shared_crypto();
  fuzz::ByteReader in(data, size);
  const std::uint8_t config = in.u8();

  FakeServerHost host;
  host.service_name = "HTTP";
  host.fqdn = std::string(kRealm);
  host.add_password("alice", kPassword);
  if ((config & 8) != 0) {
    StoredSecret ss;
    ss.kind = StoredSecret::Kind::Ss;
    const Digest16 s = compute_ss(*crypto, {"alice", kRealm, as_bytes(kPassword)}, true);
    ss.bytes.assign(s.bytes().begin(), s.bytes().end());
    host.store["alice"] = std::move(ss);
  }
  HttpNonceOptions nonce_options;
  if ((config & 4) != 0) {
    nonce_options.farm_key = SecureBytes(16, 0x5a);
  }
  HttpServerOptions options;
  options.algorithms = algorithms(config & 3);
  if (crypto->sha512_256() == nullptr && (config & 3) == 3) {
    options.algorithms = {HttpAlgorithm::Md5Sess};
  }
  options.nonces = std::make_shared<HttpNonceStore>(crypto, std::move(nonce_options));
  HttpServerSession server(crypto, options);

  const auto challenge = server.step(host, nullptr, "");
  DMD5_FUZZ_CHECK(challenge.has_value() && !challenge->done);
  const auto offered = parse_http_challenges(challenge->data);
  DMD5_FUZZ_CHECK(offered.has_value() && offered->size() == 1);
  DMD5_FUZZ_CHECK(offered->front().algorithm == options.algorithms.front());
  const HttpChallenge& first = offered->front();
  std::string text = fuzz::replace_all(std::string(in.rest()), "@NONCE@", first.nonce);
  text = fuzz::replace_all(text, "@OPAQUE@", first.opaque.value_or(""));
  if (text.find("@RESPONSE@") != std::string::npos) {
    const std::string zeros(64, '0');
    auto draft = parse_http_credentials(fuzz::replace_all(text, "@RESPONSE@", zeros));
    if (!draft) {
      draft = parse_http_credentials(fuzz::replace_all(text, "@RESPONSE@", zeros.substr(0, 32)));
    }
    text = fuzz::replace_all(text, "@RESPONSE@",
                             draft ? proof(*crypto, *draft, kRequest.method) : zeros);
  }

  const std::size_t errors_before = host.log_record.errors.size();
  const auto result = server.step(host, &kRequest, text);
  DMD5_FUZZ_CHECK(!fuzz::mentions_password(host.log_record.lines));
  DMD5_FUZZ_CHECK(!fuzz::mentions_password(host.log_record.errors));
  if (!result) {
    DMD5_FUZZ_CHECK(result.error().code != Errc::Internal);
    DMD5_FUZZ_CHECK(!result.error().message.empty());
    DMD5_FUZZ_CHECK(host.log_record.errors.size() == errors_before + 1);
    return 0;
  }
  if (!result->done) {
    const auto stale = parse_http_challenges(result->data);
    DMD5_FUZZ_CHECK(stale.has_value() && stale->front().stale);
    return 0;
  }
  const auto sent = parse_http_credentials(text);
  DMD5_FUZZ_CHECK(sent.has_value());
  DMD5_FUZZ_CHECK(sent->uri == kRequest.uri && sent->realm == kRealm);
  const auto info = parse_http_auth_info(result->data);
  DMD5_FUZZ_CHECK(info.has_value() && info->rspauth);
  DMD5_FUZZ_CHECK(*info->rspauth == proof(*crypto, *sent, ""));
  DMD5_FUZZ_CHECK(errors_before == host.log_record.errors.size());
  HttpServerSession replay(crypto, options);
  const auto again = replay.step(host, &kRequest, text);
  DMD5_FUZZ_CHECK(!again || !again->done);
  return 0;
}
