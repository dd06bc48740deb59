// SPDX-License-Identifier: BSD-3-Clause
// fuzz_http_client_step.cpp: an HttpClientSession with a fixed identity fed arbitrary challenges
// for "POST /fuzz/" with a body, and, when it answers, an arbitrary Authentication-Info
// (docs/protocol.md §12.1, §12.2, §12.4).
//
// Input: one configuration octet (username ASCII or not, the continuation cache on or off), the
// challenge value, then optionally "\n--\n" and the final value, in which "@RSPAUTH@" becomes the
// rspauth a server holding the password would send.
//
// Properties: no crash; a failure reports exactly one error text, never Internal, and no log line
// carries the password; an answer is credentials that parse, answer one of the offered
// challenges (its realm, nonce, opaque and, when given, algorithm), name the request's uri and
// carry the right proof; the right rspauth finishes the exchange, and a later session with the
// cache continues the nonce with count 2.
#include <cstddef>
#include <cstdint>

#include "common/http_client.hpp"
#include "fuzz/fuzz_support.hpp"
#include "tests/fake_host.hpp"

using namespace digestmd5;
using digestmd5::fuzz::kPassword;
using digestmd5::testing::FakeClientHost;

namespace {

constexpr std::string_view kSeparator = "\n--\n";
constexpr std::string_view kBody = "BEGIN:VCALENDAR";
const HttpRequest kRequest{"POST", "/fuzz/", as_bytes(kBody)};

void check_failure(const Error& e, const FakeClientHost& host, std::size_t errors_before) {
  DMD5_FUZZ_CHECK(e.code != Errc::Internal && e.code != Errc::Interact);
  DMD5_FUZZ_CHECK(!e.message.empty());
  DMD5_FUZZ_CHECK(host.log_record.errors.size() == errors_before + 1);
}

// expected recomputes the proof (method given) or rspauth (method empty) of `c` for kPassword.
std::string expected(const Crypto& crypto, const HttpCredentials& c, bool utf8,
                     std::string_view method) {
  const HttpAlgorithm alg = c.algorithm.value_or(HttpAlgorithm::Md5);
  const SecureBytes inner =
      utf8 ? http_user_hash(crypto, alg, c.username, c.realm, as_bytes(kPassword))
           : http_user_hash_latin1(crypto, alg, c.username, c.realm, as_bytes(kPassword));
  const SecureBytes ha1 = http_ha1(crypto, alg, inner, c.nonce, c.cnonce);
  return http_digest(crypto, ha1,
                     {alg, c.nonce, c.nc, c.cnonce, c.qop, method, c.uri, kRequest.entity});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& crypto = fuzz::shared_crypto();
  fuzz::ByteReader in(data, size);
  const std::uint8_t config = in.u8();
  const std::string rest(in.rest());
  const auto cut = rest.find(kSeparator);
  const std::string challenge = rest.substr(0, cut);
  const std::string final_text =
      cut == std::string::npos ? std::string() : rest.substr(cut + kSeparator.size());

  FakeClientHost host;
  host.service_name = "HTTP";
  host.fqdn = "fuzz.example";
  host.id.authid = (config & 1) != 0 ? "J\xC3\xA4s\xC3\xB8n" : "alice";
  host.id.authzid = host.id.authid;
  host.id.password.assign(kPassword.begin(), kPassword.end());
  const auto cache = (config & 2) != 0 ? std::make_shared<HttpClientCache>(4) : nullptr;
  HttpClientSession client(crypto, cache);

  std::size_t errors_before = host.log_record.errors.size();
  const auto answer = client.step(host, kRequest, challenge);
  DMD5_FUZZ_CHECK(!fuzz::mentions_password(host.log_record.lines));
  if (!answer) {
    check_failure(answer.error(), host, errors_before);
    return 0;
  }
  DMD5_FUZZ_CHECK(!answer->done);
  if (challenge.empty()) {
    DMD5_FUZZ_CHECK(answer->data.empty());  // nothing cached: the server speaks first
    return 0;
  }
  const auto offered = parse_http_challenges(challenge);
  DMD5_FUZZ_CHECK(offered.has_value());
  const auto sent = parse_http_credentials(answer->data);
  DMD5_FUZZ_CHECK(sent.has_value());
  const auto pick = choose_http_challenge(*crypto, *offered);
  DMD5_FUZZ_CHECK(pick.has_value());
  const HttpChallenge& c = (*offered)[*pick];
  DMD5_FUZZ_CHECK(sent->realm == c.realm && sent->nonce == c.nonce && sent->opaque == c.opaque);
  DMD5_FUZZ_CHECK(sent->algorithm.value_or(HttpAlgorithm::Md5) == *c.algorithm);
  DMD5_FUZZ_CHECK(sent->uri == kRequest.uri && sent->username == host.id.authid);
  DMD5_FUZZ_CHECK((sent->qop == HttpQop::None) == !c.qop_present);
  DMD5_FUZZ_CHECK(sent->response == expected(*crypto, *sent, c.utf8, kRequest.method));

  if (cut == std::string::npos) {
    return 0;
  }
  const std::string rspauth = expected(*crypto, *sent, c.utf8, "");
  const std::string info = fuzz::replace_all(final_text, "@RSPAUTH@", rspauth);
  errors_before = host.log_record.errors.size();
  const auto done = client.step(host, kRequest, info);
  DMD5_FUZZ_CHECK(!fuzz::mentions_password(host.log_record.lines));
  if (!done) {
    check_failure(done.error(), host, errors_before);
    return 0;
  }
  if (!done->done) {
    return 0;  // a stale=true challenge, answered again
  }
  const auto parsed = parse_http_auth_info(info);
  DMD5_FUZZ_CHECK(parsed.has_value() && parsed->rspauth == rspauth);
  if (cache && sent->qop != HttpQop::None) {
    HttpClientSession next(crypto, cache);
    const auto again = next.step(host, kRequest, "");
    DMD5_FUZZ_CHECK(again.has_value() && !again->done);
    const auto cont = parse_http_credentials(again->data);
    DMD5_FUZZ_CHECK(cont.has_value() && cont->nc == 2 && cont->nonce == sent->nonce);
    DMD5_FUZZ_CHECK(cont->response == expected(*crypto, *cont, c.utf8, kRequest.method));
  }
  return 0;
}
