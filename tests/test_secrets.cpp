// SPDX-License-Identifier: BSD-3-Clause
// test_secrets.cpp: no password, SS, H(A1) or layer key survives in memory that was freed.
//
// This binary replaces the global operator new/delete, installs the same hooks as OpenSSL's
// allocator (CRYPTO_set_mem_functions) and as libsasl2's (sasl_set_alloc), and, while
// recording, keeps a copy of every block (its whole usable size) just before it is freed; every
// block is cleared once copied, so stale octets never travel from one block into another. It
// then runs complete exchanges with every layer, sends a message each way, disposes of
// everything, recomputes the secrets of that exchange and scans the recorded blocks for them:
//   * the core sessions over fake hosts (tests/fake_host.hpp), and
//   * libsasl2 with the built plugin, where the plugin's shim (plugin/) is exercised too.
// The secrets are the password, SS, H(A1) (raw and as the hex text KD hashes), Kic, Kis, Kcc,
// Kcs and, for des/3des, the expanded DES keys.
#include <malloc.h>
#include <openssl/crypto.h>
#include <sasl/sasl.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "common/client_session.hpp"
#include "common/server_session.hpp"
#include "common/encoding.hpp"
#include "common/http_digest.hpp"
#include "common/http_messages.hpp"
#include "examples/sasl_pair.hpp"
#include "tests/core_fixture.hpp"
#include "tests/cmocka.hpp"
#include "tests/fake_host.hpp"
#include "tests/proof_oracle.hpp"

// ---- the recording allocator ------------------------------------------------------------------

namespace {

enum class Source { Cxx, OpenSsl, Sasl };

struct Freed {
  unsigned char* bytes;
  std::size_t size;
  Source source;
};

bool g_recording = false;
Freed* g_freed = nullptr;
std::size_t g_freed_count = 0;
std::size_t g_freed_capacity = 0;

// keep copies a block about to be freed (plain malloc, so the copies are not recorded again).
void keep(void* p, Source source) noexcept {
  if (!g_recording || p == nullptr) {
    return;
  }
  const std::size_t size = malloc_usable_size(p);
  if (g_freed_count == g_freed_capacity) {
    const std::size_t cap = g_freed_capacity == 0 ? 4096 : 2 * g_freed_capacity;
    void* grown = std::realloc(g_freed, cap * sizeof(Freed));
    if (grown == nullptr) {
      std::abort();
    }
    g_freed = static_cast<Freed*>(grown);
    g_freed_capacity = cap;
  }
  auto* copy = static_cast<unsigned char*>(std::malloc(size == 0 ? 1 : size));
  if (copy == nullptr) {
    std::abort();
  }
  std::memcpy(copy, p, size);
  g_freed[g_freed_count++] = Freed{copy, size, source};
}

void forget_all() noexcept {
  for (std::size_t i = 0; i < g_freed_count; ++i) {
    std::free(g_freed[i].bytes);
  }
  g_freed_count = 0;
}

void* allocate(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) {
    throw std::bad_alloc();
  }
  return p;
}

void* allocate_aligned(std::size_t n, std::align_val_t a) {
  const auto align = static_cast<std::size_t>(a);
  void* p = std::aligned_alloc(align, (n + align - 1) / align * align);
  if (p == nullptr) {
    throw std::bad_alloc();
  }
  return p;
}

// release records the block, then clears it before freeing it, so stale octets of one block
// (the test's own copies of the secrets included) never show up in the slack of a later one.
void release(void* p, Source source = Source::Cxx) noexcept {
  if (p == nullptr) {
    return;
  }
  keep(p, source);
  explicit_bzero(p, malloc_usable_size(p));
  std::free(p);
}

// The same hooks for OpenSSL (CRYPTO_set_mem_functions) and libsasl2 (sasl_set_alloc).
void* ossl_malloc(std::size_t n, const char* /*file*/, int /*line*/) {
  return std::malloc(n == 0 ? 1 : n);
}
void* grow(void* p, std::size_t n, Source source) {
  if (p == nullptr) {
    return std::malloc(n == 0 ? 1 : n);
  }
  // Never let realloc free a block behind our back: copy, record the old block, free it.
  void* q = std::malloc(n == 0 ? 1 : n);
  if (q == nullptr) {
    return nullptr;
  }
  std::memcpy(q, p, std::min(n, malloc_usable_size(p)));
  release(p, source);
  return q;
}
void* ossl_realloc(void* p, std::size_t n, const char* /*file*/, int /*line*/) {
  return grow(p, n, Source::OpenSsl);
}
void ossl_free(void* p, const char* /*file*/, int /*line*/) { release(p, Source::OpenSsl); }

void* sasl_malloc_hook(std::size_t n) { return std::malloc(n == 0 ? 1 : n); }
void* sasl_calloc_hook(std::size_t n, std::size_t m) { return std::calloc(n == 0 ? 1 : n, m); }
void* sasl_realloc_hook(void* p, std::size_t n) { return grow(p, n, Source::Sasl); }
void sasl_free_hook(void* p) { release(p, Source::Sasl); }

}  // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t& /*tag*/) noexcept {
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& /*tag*/) noexcept {
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new(std::size_t n, std::align_val_t a) { return allocate_aligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return allocate_aligned(n, a); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t /*n*/) noexcept { release(p); }
void operator delete[](void* p, std::size_t /*n*/) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t& /*tag*/) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t& /*tag*/) noexcept { release(p); }
void operator delete(void* p, std::align_val_t /*a*/) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t /*a*/) noexcept { release(p); }
void operator delete(void* p, std::size_t /*n*/, std::align_val_t /*a*/) noexcept { release(p); }
void operator delete[](void* p, std::size_t /*n*/, std::align_val_t /*a*/) noexcept {
  release(p);
}

// ---- the scan ---------------------------------------------------------------------------------

namespace {

using namespace digestmd5;

// Short and SSO-sized, so the test's own std::string copies never reach the heap.
constexpr std::string_view kPassword = "Tr0ub4dor&3xyz";

struct Secret {
  std::string name;
  std::string bytes;
};

std::string raw(ByteView b) { return std::string(as_text(b)); }

// secrets_of recomputes the secrets of an exchange from the response the client sent.
std::vector<Secret> secrets_of(const Crypto& crypto, const std::string& response_text,
                               std::string_view nonce) {
  std::vector<Secret> out;
  out.push_back({"password", std::string(kPassword)});
  const auto r = parse_response(response_text);
  assert_true(r.has_value());
  const std::string realm = r->realm.value_or("");
  const Digest16 ss = compute_ss(crypto, {r->username, realm, as_bytes(kPassword)}, true);
  out.push_back({"SS", raw(ss.bytes())});
  const Digest16 ha1 = testing::expected_ha1(crypto, *r, nonce, kPassword);
  out.push_back({"H(A1)", raw(ha1.bytes())});
  out.push_back({"HEX(H(A1))", to_hex(ha1.bytes())});
  if (r->qop != Qop::Auth) {
    const LayerKeys keys = derive_keys(crypto, ha1, r->cipher);
    out.push_back({"Kic", raw(keys.kic.bytes())});
    out.push_back({"Kis", raw(keys.kis.bytes())});
    if (r->cipher) {
      out.push_back({"Kcc", raw(keys.kcc.bytes())});
      out.push_back({"Kcs", raw(keys.kcs.bytes())});
      if (r->cipher == CipherId::Des || r->cipher == CipherId::TripleDes) {
        for (const auto* kc : {&keys.kcc, &keys.kcs}) {
          const auto k1 = des_key_with_parity(kc->bytes().subspan<0, 7>());
          const auto k2 = des_key_with_parity(kc->bytes().subspan<7, 7>());
          out.push_back({"DES K1", raw(k1)});
          out.push_back({"DES K2", raw(k2)});
        }
      }
    }
  }
  return out;
}

// scan reports every recorded block holding one of `secrets`; it returns the number of hits.
std::size_t scan(const std::vector<Secret>& secrets, const char* label) {
  std::size_t hits = 0;
  for (std::size_t i = 0; i < g_freed_count; ++i) {
    const Freed& f = g_freed[i];
    for (const auto& s : secrets) {
      if (s.bytes.size() <= f.size &&
          memmem(f.bytes, f.size, s.bytes.data(), s.bytes.size()) != nullptr) {
        static constexpr const char* kFreedBy[] = {"operator delete", "OpenSSL", "libsasl2"};
        print_error("%s: %s found in a block of %zu octets freed through %s\n", label,
                    s.name.c_str(), f.size, kFreedBy[static_cast<int>(f.source)]);
        ++hits;
      }
    }
  }
  return hits;
}

struct Layer {
  const char* name;
  unsigned min_ssf;
  unsigned max_ssf;
  bool aes;
};
constexpr Layer kLayers[] = {
    {"auth", 0, 0, true},      {"auth-int", 1, 1, true}, {"rc4-40", 2, 40, true},
    {"des", 41, 55, true},     {"rc4-56", 56, 56, true}, {"3des", 57, 112, true},
    {"rc4", 113, 128, false},  {"aes-cbc", 113, 128, true},
};

using test_support::shared_crypto;

// ---- the core sessions over fake hosts -----------------------------------------------------

struct CoreRun {
  std::string response;
  std::string nonce;
  bool ok = false;
};

// The client session's own bytes just before it is destroyed (a static buffer, so the copy is
// never a freed heap block): H(A1) must be gone from it once the layer keys exist.
alignas(ClientSession) unsigned char g_client_image[sizeof(ClientSession)];

void exchange_core(const Layer& l, CoreRun& run) {
  const auto& crypto = shared_crypto();
  auto server_host = std::make_unique<testing::FakeServerHost>();
  auto client_host = std::make_unique<testing::FakeClientHost>();
  server_host->realm = "elwood.innosoft.com";
  server_host->add_password("chris", kPassword);
  client_host->id.authid = "chris";
  client_host->id.authzid = "chris";
  client_host->id.password.assign(kPassword.begin(), kPassword.end());
  client_host->security = SecurityProps{l.min_ssf, l.max_ssf, 0, 65536};
  ClientOptions client_options;
  if (!l.aes) {
    client_options.ciphers.remove(CipherId::AesCbc);
  }
  auto server = std::make_unique<ServerSession>(crypto, ServerOptions{});
  auto client = std::make_unique<ClientSession>(crypto, client_options);
  const auto challenge = server->step(*server_host, "");
  if (challenge) {
    run.nonce = std::string(server->nonce());
    const auto response = client->step(*client_host, challenge->data);
    if (response) {
      run.response = std::string(response->data);
      const auto rspauth = server->step(*server_host, response->data);
      run.ok = rspauth && client->step(*client_host, rspauth->data).has_value();
    }
  }
  if (run.ok && client->layer() != nullptr && server->layer() != nullptr) {
    const std::string message = "a message through the layer, long enough for a few blocks";
    const ByteView parts[] = {as_bytes(message)};
    for (SecurityLayer* from : {client->layer(), server->layer()}) {
      SecurityLayer* to = from == client->layer() ? server->layer() : client->layer();
      const auto wire = from->encode(parts);
      run.ok = run.ok && wire && to->decode(Bytes(wire->begin(), wire->end())).has_value();
    }
  }
  std::memcpy(g_client_image, static_cast<const void*>(client.get()), sizeof(ClientSession));
  client.reset();
  server.reset();
  client_host.reset();
  server_host.reset();
}

void core_sessions_leave_no_secret_in_freed_memory(void** /*state*/) {
  assert_true(shared_crypto() != nullptr);
  for (const auto& l : kLayers) {
    CoreRun run;
    forget_all();
    g_recording = true;
    exchange_core(l, run);
    g_recording = false;
    assert_true(run.ok);
    const std::size_t blocks = g_freed_count;
    const auto secrets = secrets_of(*shared_crypto(), run.response, run.nonce);
    const std::size_t hits = scan(secrets, l.name);
    print_message("core %-8s: %zu freed blocks scanned for %zu secrets\n", l.name, blocks,
                  secrets.size());
    forget_all();
    assert_int_equal(hits, 0);
    // H(A1) (secrets[2]) must not survive in the finished client session either.
    const std::string& ha1 = secrets[2].bytes;
    assert_null(memmem(g_client_image, sizeof g_client_image, ha1.data(), ha1.size()));
  }
}

// ---- libsasl2 with the built plugin ---------------------------------------------------------

struct SaslRun {
  std::string challenge;
  std::string response;
  bool ok = false;
};

saslpair::Options sasl_options(const Layer& l) {
  saslpair::Options o;
  o.service = "imap";
  o.fqdn = "mail.example.com";
  o.user_realm = "example.com";
  o.authid = "alice";
  o.password = std::string(kPassword);
  o.client.min_ssf = l.min_ssf;
  o.client.max_ssf = l.max_ssf;
  if (!l.aes) {
    o.client.options["digestmd5_aes_cbc"] = "no";
  }
  return o;
}

void exchange_sasl(const saslpair::Options& o, SaslRun& run) {
  // On the stack: the harness's own copy of the password (Options) must not land in a freed
  // heap block and be mistaken for the plugin's.
  std::optional<saslpair::Pair> pair(std::in_place, o);
  run.ok = pair->run() == SASL_OK;
  if (run.ok && pair->ssf(true) > 0) {
    const std::string message = "a message through the layer, long enough for a few blocks";
    for (const bool from_client : {true, false}) {
      const char* wire = nullptr;
      unsigned wire_len = 0;
      sasl_conn_t* from = from_client ? pair->client() : pair->server();
      sasl_conn_t* to = from_client ? pair->server() : pair->client();
      run.ok = run.ok && sasl_encode(from, message.data(), static_cast<unsigned>(message.size()),
                                     &wire, &wire_len) == SASL_OK;
      const std::string packet = run.ok ? std::string(wire, wire_len) : std::string();
      const char* plain = nullptr;
      unsigned plain_len = 0;
      run.ok = run.ok && sasl_decode(to, packet.data(), static_cast<unsigned>(packet.size()),
                                     &plain, &plain_len) == SASL_OK;
    }
  }
  if (pair->transcript().size() >= 2) {
    run.challenge = pair->transcript()[0].text;
    run.response = pair->transcript()[1].text;
  }
  pair.reset();
  saslpair::take_log();
}

void plugin_leaves_no_secret_in_freed_memory(void** /*state*/) {
  for (const auto& l : kLayers) {
    SaslRun run;
    forget_all();
    g_recording = true;
    exchange_sasl(sasl_options(l), run);
    g_recording = false;
    assert_true(run.ok);
    const std::size_t blocks = g_freed_count;
    const auto c = parse_challenge(run.challenge);
    assert_true(c.has_value());
    const auto secrets = secrets_of(*shared_crypto(), run.response, c->nonce);
    const std::size_t hits = scan(secrets, l.name);
    print_message("plugin %-8s: %zu freed blocks scanned for %zu secrets\n", l.name, blocks,
                  secrets.size());
    forget_all();
    assert_int_equal(hits, 0);
  }
}

// A user whose store holds only the stored SS (cmusaslsecretDIGEST-MD5), which the plugin asks
// the auxprop layer for and must erase from the property context like the password.
void plugin_erases_the_stored_secret(void** /*state*/) {
  for (const auto& l : kLayers) {
    saslpair::Options o = sasl_options(l);
    o.authid = "sid";
    SaslRun run;
    forget_all();
    g_recording = true;
    exchange_sasl(o, run);
    g_recording = false;
    assert_true(run.ok);
    const auto c = parse_challenge(run.challenge);
    assert_true(c.has_value());
    const auto secrets = secrets_of(*shared_crypto(), run.response, c->nonce);
    const std::size_t hits = scan(secrets, l.name);
    print_message("stored SS %-8s: %zu freed blocks scanned\n", l.name, g_freed_count);
    forget_all();
    assert_int_equal(hits, 0);
  }
}

// canon_user refuses the authzid after the store has answered for the authid: the password it
// returned must be erased on that path too (an unauthenticated client can make it happen).
void plugin_erases_the_secret_when_the_authzid_is_refused(void** /*state*/) {
  saslpair::Options o = sasl_options(kLayers[0]);
  o.authzid = "bob";
  o.refuse_authzid = "bob";
  SaslRun run;
  forget_all();
  g_recording = true;
  exchange_sasl(o, run);
  g_recording = false;
  assert_false(run.ok);
  assert_false(run.response.empty());
  const auto c = parse_challenge(run.challenge);
  assert_true(c.has_value());
  const auto secrets = secrets_of(*shared_crypto(), run.response, c->nonce);
  const std::size_t hits = scan(secrets, "refused authzid");
  forget_all();
  assert_int_equal(hits, 0);
}

// HTTP mode through libsasl2: the password, A1's inner hash and H(A1) (hex, and raw for MD5's
// SS) appear in no freed block, for MD5-sess, SHA-256 and plain MD5; a fresh FQDN per run keeps
// the client's continuation cache from answering without a challenge.
void plugin_http_mode_leaves_no_secret_in_freed_memory(void** /*state*/) {
  const auto& crypto = *shared_crypto();
  for (const HttpAlgorithm alg :
       {HttpAlgorithm::Md5Sess, HttpAlgorithm::Sha256, HttpAlgorithm::Md5}) {
    const std::string name(http_algorithm_info(alg).name);
    saslpair::Options o;
    o.http = true;
    o.service = "HTTP";
    o.fqdn = "secrets-" + std::to_string(static_cast<int>(alg)) + ".example";
    o.user_realm = "example.com";
    o.authid = "alice";
    o.password = std::string(kPassword);
    o.server.options["digestmd5_http_algorithms"] = name;
    SaslRun run;
    forget_all();
    g_recording = true;
    exchange_sasl(o, run);
    g_recording = false;
    assert_true(run.ok);
    const auto c = parse_http_credentials(run.response);
    assert_true(c.has_value());
    const SecureBytes inner = http_user_hash(crypto, alg, c->username, c->realm,
                                             as_bytes(kPassword));
    const SecureBytes ha1 = http_ha1(crypto, alg, inner, c->nonce, c->cnonce);
    std::vector<Secret> secrets{{"password", std::string(kPassword)},
                                {"inner hash", std::string(as_text(ByteView(inner)))},
                                {"HEX(H(A1))", std::string(as_text(ByteView(ha1)))}};
    if (alg != HttpAlgorithm::Sha256) {
      std::array<std::uint8_t, 16> ss{};
      assert_true(from_hex(as_text(ByteView(inner)), ss));
      secrets.push_back({"SS", raw(ss)});
    }
    const std::size_t hits = scan(secrets, name.c_str());
    print_message("http %-8s: %zu freed blocks scanned for %zu secrets\n", name.c_str(),
                  g_freed_count, secrets.size());
    forget_all();
    assert_int_equal(hits, 0);
  }
}

// The scan itself must see a secret left in freed memory, or a pass would mean nothing.
void scan_detects_an_unwiped_secret(void** /*state*/) {
  forget_all();
  g_recording = true;
  {
    auto* leak = new std::string(std::string(kPassword) + " and some more to leave SSO");
    delete leak;
  }
  g_recording = false;
  const std::size_t hits = scan({{"password", std::string(kPassword)}}, "self-check");
  forget_all();
  assert_true(hits >= 1);
}

}  // namespace

int main() {
  // Before anything allocates through OpenSSL or libsasl2.
  if (CRYPTO_set_mem_functions(&ossl_malloc, &ossl_realloc, &ossl_free) != 1) {
    return 1;
  }
  sasl_set_alloc(&sasl_malloc_hook, &sasl_calloc_hook, &sasl_realloc_hook, &sasl_free_hook);
  if (saslpair::init(DMD5_BUILD_PLUGINDIR) != SASL_OK) {
    return 1;
  }
  std::vector<saslpair::User> users{{"alice", std::string(kPassword)}, {"sid", "", "example.com"}};
  {
    const Digest16 ss = compute_ss(*shared_crypto(), {"sid", "example.com", as_bytes(kPassword)},
                                   true);
    users.back().stored_ss = {raw(ss.bytes())};
  }
  saslpair::set_users(std::move(users));
  const CMUnitTest tests[] = {
      cmocka_unit_test(scan_detects_an_unwiped_secret),
      cmocka_unit_test(core_sessions_leave_no_secret_in_freed_memory),
      cmocka_unit_test(plugin_leaves_no_secret_in_freed_memory),
      cmocka_unit_test(plugin_erases_the_stored_secret),
      cmocka_unit_test(plugin_erases_the_secret_when_the_authzid_is_refused),
      cmocka_unit_test(plugin_http_mode_leaves_no_secret_in_freed_memory),
  };
  const int failed = cmocka_run_group_tests_name("secrets", tests, nullptr, nullptr);
  sasl_done();
  forget_all();
  std::free(g_freed);
  return failed;
}
