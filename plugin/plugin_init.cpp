// SPDX-License-Identifier: BSD-3-Clause
// plugin_init.cpp: libsasl2 entry points, plug tables and the per-connection trampolines.
#include <sasl/sasl.h>
#include <sasl/saslplug.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/client_session.hpp"
#include "common/crypto.hpp"
#include "common/directive_list.hpp"
#include "common/http_client.hpp"
#include "common/http_nonce.hpp"
#include "common/http_server.hpp"
#include "common/reauth_cache.hpp"
#include "common/server_session.hpp"
#include "plugin/guard.hpp"
#include "plugin/sasl_host.hpp"

#define DMD5_EXPORT extern "C" __attribute__((visibility("default")))

namespace digestmd5::plugin {
namespace {

// ---- Process-wide crypto: one private OpenSSL context shared by client and server. ----------

// These globals are trivially destructible, so a dlclose()d plugin leaves nothing to run.
std::mutex g_crypto_mutex;
std::shared_ptr<const Crypto>* g_crypto = nullptr;
unsigned g_crypto_users = 0;
std::atomic<bool> g_legacy_reported{false};

// report_missing_legacy writes, once per process, why RC4 and DES are not offered. It runs at
// the first connection so the line reaches the application's log callback (at plug_init time
// libsasl2 has no connection and logs only to syslog).
void report_missing_legacy(const sasl_utils_t* utils, const Crypto& crypto) {
  if (!crypto.legacy_note().empty() && !g_legacy_reported.exchange(true)) {
    log_to(utils, LogLevel::Warn, crypto.legacy_note());
  }
}

Result<std::shared_ptr<const Crypto>> acquire_crypto() {
  const std::lock_guard lock(g_crypto_mutex);
  if (g_crypto == nullptr) {
    auto created = Crypto::create();
    if (!created) {
      return created.error();
    }
    g_crypto = new std::shared_ptr<const Crypto>(std::move(*created));
  }
  ++g_crypto_users;
  return *g_crypto;
}

void release_crypto() noexcept {
  const std::lock_guard lock(g_crypto_mutex);
  if (g_crypto_users > 0 && --g_crypto_users == 0) {
    delete g_crypto;
    g_crypto = nullptr;
  }
}

// GlobalState is a plug table's glob_context. The server's subsequent-authentication cache is
// made at the first connection that has reauth_timeout set, with the size configured then.
struct GlobalState {
  explicit GlobalState(std::shared_ptr<const Crypto> c) : crypto(std::move(c)) {}
  std::shared_ptr<const Crypto> crypto;
  std::mutex reauth_mutex;
  std::shared_ptr<ReauthCache> reauth;
  std::shared_ptr<ClientReauthCache> client_reauth;
  std::shared_ptr<HttpNonceStore> http_nonces;  // made at the first HTTP connection
  std::shared_ptr<HttpClientCache> http_client_nonces;
};

// ---- Options --------------------------------------------------------------------------------

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  std::string word;
  for (const char c : s) {
    if (c == ' ' || c == ',' || c == '\t') {
      if (!word.empty()) {
        out.push_back(std::move(word));
        word.clear();
      }
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) {
    out.push_back(std::move(word));
  }
  return out;
}

bool option_is_false(const std::optional<std::string>& v) {
  return v && (iequals(*v, "no") || iequals(*v, "false") || iequals(*v, "off") || *v == "0");
}

// read_number reads a decimal option (digits only); `fallback` when unset or malformed, with one
// log line for a malformed value.
std::uint64_t read_number(const sasl_utils_t* utils, const char* name, std::uint64_t fallback) {
  const auto text = read_option(utils, name);
  if (!text) {
    return fallback;
  }
  if (const auto v = parse_decimal(*text)) {
    return *v;
  }
  log_to(utils, LogLevel::Warn, std::string(name) + " is not a number; using the default");
  return fallback;
}

// Subsequent authentication (docs/protocol.md §6): reauth_timeout in minutes (0 = off, as the
// stock plugin), and the most nonces the process remembers.
constexpr std::uint64_t kDefaultReauthCacheSize = 1000;
constexpr std::uint64_t kMaxReauthMinutes = 7 * 24 * 60;

// process_cache returns the plug table's cache in `slot`, made at its first use with the size
// digestmd5_reauth_cache_size says then.
template <typename Cache>
std::shared_ptr<Cache> process_cache(const sasl_utils_t* utils, GlobalState& global,
                                     std::shared_ptr<Cache>& slot) {
  const std::lock_guard lock(global.reauth_mutex);
  if (!slot) {
    const auto size = read_number(utils, "digestmd5_reauth_cache_size", kDefaultReauthCacheSize);
    slot = std::make_shared<Cache>(static_cast<std::size_t>(size));
  }
  return slot;
}

void read_reauth_options(const sasl_utils_t* utils, GlobalState& global, ServerOptions& options) {
  const std::uint64_t minutes =
      std::min(read_number(utils, "reauth_timeout", 0), kMaxReauthMinutes);
  if (minutes == 0) {
    return;
  }
  options.reauth = process_cache(utils, global, global.reauth);
  options.reauth_lifetime = std::chrono::minutes(minutes);
}

bool option_is_true(const std::optional<std::string>& v) {
  return v && (iequals(*v, "yes") || iequals(*v, "true") || iequals(*v, "on") || *v == "1");
}

// read_client_reauth: digestmd5_client_reauth=yes turns the client's cache on (off by default:
// Active Directory answers an unknown initial response with an error instead of a challenge).
void read_client_reauth(const sasl_utils_t* utils, GlobalState& global, ClientOptions& options) {
  if (option_is_true(read_option(utils, "digestmd5_client_reauth"))) {
    options.reauth = process_cache(utils, global, global.client_reauth);
  }
}

// ---- HTTP mode options (docs/protocol.md §12) -------------------------------------------------

constexpr std::uint64_t kDefaultHttpNonceLifetime = 300;  // seconds
constexpr std::uint64_t kMaxHttpNonceLifetime = 24 * 60 * 60;
constexpr std::uint64_t kDefaultHttpNonceCacheSize = 10000;
constexpr std::size_t kMinFarmKeyOctets = 16;
constexpr std::size_t kMaxFarmKeyOctets = 4096;

// read_farm_key reads the file digestmd5_http_nonce_key names: its octets are the key.
Result<SecureBytes> read_farm_key(const std::string& path) {
  SecureBytes key;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return fail(Errc::BadParam, "digestmd5_http_nonce_key: cannot open the key file");
  }
  std::array<std::uint8_t, 256> chunk{};
  std::size_t n = 0;
  while ((n = std::fread(chunk.data(), 1, chunk.size(), f)) > 0 &&
         key.size() <= kMaxFarmKeyOctets) {
    key.insert(key.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
  }
  OPENSSL_cleanse(chunk.data(), chunk.size());
  std::fclose(f);
  if (key.size() < kMinFarmKeyOctets || key.size() > kMaxFarmKeyOctets) {
    return fail(Errc::BadParam,
                "digestmd5_http_nonce_key: the key file must hold 16 to 4096 octets");
  }
  return key;
}

// http_nonce_store returns the process's HTTP nonce store, made at the first HTTP connection
// with the lifetime, size and farm key configured then.
Result<std::shared_ptr<HttpNonceStore>> http_nonce_store(const sasl_utils_t* utils,
                                                         GlobalState& global) {
  const std::lock_guard lock(global.reauth_mutex);
  if (global.http_nonces) {
    return global.http_nonces;
  }
  HttpNonceOptions o;
  o.lifetime = std::chrono::seconds(
      std::min(read_number(utils, "digestmd5_http_nonce_lifetime", kDefaultHttpNonceLifetime),
               kMaxHttpNonceLifetime));
  o.capacity = static_cast<std::size_t>(
      read_number(utils, "digestmd5_http_nonce_cache_size", kDefaultHttpNonceCacheSize));
  if (const auto path = read_option(utils, "digestmd5_http_nonce_key")) {
    auto key = read_farm_key(*path);
    if (!key) {
      return key.error();
    }
    o.farm_key = std::move(*key);
  }
  global.http_nonces = std::make_shared<HttpNonceStore>(global.crypto, std::move(o));
  return global.http_nonces;
}

// read_http_algorithms applies digestmd5_http_algorithms: the algorithms in preference order
// (default MD5-sess, what the stock plugin offers and every HTTP client answers).
std::vector<HttpAlgorithm> read_http_algorithms(const sasl_utils_t* utils, const Crypto& crypto) {
  std::vector<HttpAlgorithm> out;
  if (const auto list = read_option(utils, "digestmd5_http_algorithms")) {
    for (const auto& name : split_words(*list)) {
      const auto a = parse_http_algorithm(name);
      if (!a) {
        log_to(utils, LogLevel::Warn,
               "digestmd5_http_algorithms names an unknown algorithm; "
               "ignored");
      } else if (http_hash(crypto, *a) == nullptr) {
        log_to(utils, LogLevel::Warn,
               "digestmd5_http_algorithms: this OpenSSL lacks SHA-512/256; "
               "ignored");
      } else if (std::find(out.begin(), out.end(), *a) == out.end()) {
        out.push_back(*a);
      }
    }
  }
  if (out.empty()) {
    out.push_back(HttpAlgorithm::Md5Sess);
  }
  return out;
}

// read_cipher_policy applies digestmd5_ciphers (an allow-list) and digestmd5_aes_cbc.
CipherSet read_cipher_policy(const sasl_utils_t* utils) {
  CipherSet allowed = CipherSet::all();
  if (const auto list = read_option(utils, "digestmd5_ciphers")) {
    allowed = CipherSet{};
    for (const auto& name : split_words(*list)) {
      if (const auto id = parse_cipher(name)) {
        allowed.add(*id);
      } else {
        log_to(utils, LogLevel::Warn, "digestmd5_ciphers names an unknown cipher; ignored");
      }
    }
  }
  if (option_is_false(read_option(utils, "digestmd5_aes_cbc"))) {
    allowed.remove(CipherId::AesCbc);
  }
  return allowed;
}

// ---- Connections ----------------------------------------------------------------------------

// A connection runs SASL mode or, when the application set SASL_NEED_HTTP, HTTP mode. The two
// sessions share one storage (a variant), so a connection costs only the one it runs (HTTP
// mode's inline beside SASL mode's grew every SASL connection by ~600 octets per pair).
template <typename SaslSession, typename HttpSession>
struct ConnectionOf {
  explicit ConnectionOf(const sasl_utils_t* u) : utils(u) {}
  std::variant<std::monostate, SaslSession, HttpSession> session;
  const sasl_utils_t* utils;
  SaslSession* sasl() noexcept { return std::get_if<SaslSession>(&session); }
  HttpSession* http() noexcept { return std::get_if<HttpSession>(&session); }
  SecurityLayer* layer() noexcept { return sasl() != nullptr ? sasl()->layer() : nullptr; }
  [[nodiscard]] const Outcome& outcome() noexcept {
    if (const auto* s = sasl()) {
      return s->outcome();
    }
    if (const auto* h = http()) {
      return h->outcome();
    }
    static const Outcome kNone{};  // no session (never reached: mech_new always makes one)
    return kNone;
  }
};

using ServerConnection = ConnectionOf<ServerSession, HttpServerSession>;

struct ClientConnection : ConnectionOf<ClientSession, HttpClientSession> {
  using ConnectionOf::ConnectionOf;
  PromptState prompts;
};

template <typename Connection>
SecurityLayer* layer_of(void* context) noexcept {
  return static_cast<Connection*>(context)->layer();
}

// http_request_of copies libsasl2's HTTP request into the core's view; null when the
// application has not set one (or left its method or URI out).
std::optional<HttpRequest> http_request_of(const sasl_http_request_t* r) noexcept {
  if (r == nullptr || r->method == nullptr || r->uri == nullptr) {
    return std::nullopt;
  }
  return HttpRequest{r->method, r->uri, ByteView(r->entity, r->entity == nullptr ? 0 : r->elen),
                     r->entity != nullptr};
}

// encode_with / decode_with are the security-layer trampolines for oparams->encode/decode.
template <typename Connection>
int encode_with(void* context, const struct iovec* invec, unsigned numiov, const char** output,
                unsigned* outputlen) noexcept {
  if (context == nullptr || output == nullptr || outputlen == nullptr ||
      (invec == nullptr && numiov != 0)) {
    return SASL_BADPARAM;
  }
  auto* conn = static_cast<Connection*>(context);
  return guard(conn->utils, "encode_with", [&] {
    SecurityLayer* layer = layer_of<Connection>(context);
    if (layer == nullptr) {
      return SASL_FAIL;
    }
    std::vector<ByteView> parts;
    parts.reserve(numiov);
    for (unsigned i = 0; i < numiov; ++i) {
      parts.emplace_back(static_cast<const std::uint8_t*>(invec[i].iov_base), invec[i].iov_len);
    }
    const auto out = layer->encode(parts);
    if (!out) {
      return report(conn->utils, out.error());
    }
    *output = reinterpret_cast<const char*>(out->data());
    *outputlen = static_cast<unsigned>(out->size());
    return SASL_OK;
  });
}

template <typename Connection>
int decode_with(void* context, const char* input, unsigned inputlen, const char** output,
                unsigned* outputlen) noexcept {
  if (context == nullptr || output == nullptr || outputlen == nullptr ||
      (input == nullptr && inputlen != 0)) {
    return SASL_BADPARAM;
  }
  auto* conn = static_cast<Connection*>(context);
  return guard(conn->utils, "decode_with", [&] {
    SecurityLayer* layer = layer_of<Connection>(context);
    if (layer == nullptr) {
      return SASL_FAIL;
    }
    const auto out = layer->decode({reinterpret_cast<const std::uint8_t*>(input), inputlen});
    if (!out) {
      return report(conn->utils, out.error());
    }
    *output = reinterpret_cast<const char*>(out->data());
    *outputlen = static_cast<unsigned>(out->size());
    return SASL_OK;
  });
}

// finish fills libsasl2's out-params after a successful exchange.
template <typename Connection>
void finish(Connection& conn, sasl_out_params_t& oparams) noexcept {
  const Outcome& o = conn.outcome();
  oparams.doneflag = 1;
  oparams.mech_ssf = o.ssf;
  oparams.maxoutbuf = o.max_out;
  oparams.param_version = 0;
  if (conn.layer() != nullptr) {
    oparams.encode_context = &conn;
    oparams.encode = &encode_with<Connection>;
    oparams.decode_context = &conn;
    oparams.decode = &decode_with<Connection>;
  } else {
    oparams.encode_context = nullptr;
    oparams.encode = nullptr;
    oparams.decode_context = nullptr;
    oparams.decode = nullptr;
  }
}

// ---- Server trampolines ---------------------------------------------------------------------

int server_mech_new(void* glob_context, sasl_server_params_t* sparams, const char* /*challenge*/,
                    unsigned /*challen*/, void** conn_context) noexcept {
  if (glob_context == nullptr || sparams == nullptr || sparams->utils == nullptr ||
      conn_context == nullptr) {
    return SASL_BADPARAM;
  }
  return guard(sparams->utils, "server_mech_new", [&] {
    const sasl_utils_t* utils = sparams->utils;
    auto& global = *static_cast<GlobalState*>(glob_context);
    auto conn = std::make_unique<ServerConnection>(utils);
    if ((sparams->flags & SASL_NEED_HTTP) != 0) {
      auto nonces = http_nonce_store(utils, global);
      if (!nonces) {
        return report(utils, nonces.error());
      }
      HttpServerOptions options;
      options.algorithms = read_http_algorithms(utils, *global.crypto);
      if (const auto realms = read_option(utils, "digestmd5_realms")) {
        if (auto words = split_words(*realms); !words.empty()) {
          options.realm = words.front();
        }
      }
      options.nonces = std::move(*nonces);
      conn->session.emplace<HttpServerSession>(global.crypto, std::move(options));
      *conn_context = conn.release();
      return SASL_OK;
    }
    ServerOptions options;
    if (const auto realms = read_option(utils, "digestmd5_realms")) {
      options.realms = split_words(*realms);
    }
    if (const auto hosts = read_option(utils, "digestmd5_hosts")) {
      options.hosts = split_words(*hosts);
    }
    options.ciphers = read_cipher_policy(utils);
    read_reauth_options(utils, global, options);
    report_missing_legacy(utils, *global.crypto);
    conn->session.emplace<ServerSession>(global.crypto, std::move(options));
    *conn_context = conn.release();
    return SASL_OK;
  });
}

int server_mech_step(void* conn_context, sasl_server_params_t* sparams, const char* clientin,
                     unsigned clientinlen, const char** serverout, unsigned* serveroutlen,
                     sasl_out_params_t* oparams) noexcept {
  if (conn_context == nullptr || sparams == nullptr || sparams->utils == nullptr ||
      serverout == nullptr || serveroutlen == nullptr || oparams == nullptr ||
      (clientin == nullptr && clientinlen != 0)) {
    return SASL_BADPARAM;
  }
  *serverout = nullptr;
  *serveroutlen = 0;
  return guard(sparams->utils, "server_mech_step", [&] {
    auto& conn = *static_cast<ServerConnection*>(conn_context);
    SaslServerHost host(*sparams, *oparams);
    const std::string_view input{clientin == nullptr ? "" : clientin, clientinlen};
    Result<StepOutput> step = fail(Errc::Internal, "no session");
    if (auto* http = conn.http()) {
      const auto request = http_request_of(sparams->http_request);
      step = http->step(host, request ? &*request : nullptr, input);
    } else {
      step = conn.sasl()->step(host, input);
    }
    if (!step) {
      return to_sasl_code(step.error().code);
    }
    *serverout = step->data.data();
    *serveroutlen = static_cast<unsigned>(step->data.size());
    if (!step->done) {
      return SASL_CONTINUE;
    }
    finish(conn, *oparams);
    return SASL_OK;
  });
}

// server_setpass: sasl_setpass and saslpasswd2 store SS for the account (SASL_SET_DISABLE, or no
// password, removes it).
int server_setpass(void* glob_context, sasl_server_params_t* sparams, const char* user,
                   const char* pass, unsigned passlen, const char* /*oldpass*/,
                   unsigned /*oldpasslen*/, unsigned flags) noexcept {
  if (glob_context == nullptr || sparams == nullptr || sparams->utils == nullptr ||
      user == nullptr || (pass == nullptr && passlen != 0)) {
    return SASL_BADPARAM;
  }
  return guard(sparams->utils, "server_setpass", [&] {
    std::optional<ByteView> password;
    if ((flags & SASL_SET_DISABLE) == 0 && pass != nullptr) {
      password = ByteView(reinterpret_cast<const std::uint8_t*>(pass),
                          passlen != 0 ? passlen : std::strlen(pass));
    }
    return store_secret(*static_cast<GlobalState*>(glob_context)->crypto, *sparams, user, password);
  });
}

void server_mech_dispose(void* conn_context, const sasl_utils_t* /*utils*/) noexcept {
  delete static_cast<ServerConnection*>(conn_context);
}

void mech_free(void* glob_context, const sasl_utils_t* /*utils*/) noexcept {
  // Only a table that plug_init filled holds a reference on the shared crypto.
  if (glob_context == nullptr) {
    return;
  }
  delete static_cast<GlobalState*>(glob_context);
  release_crypto();
}

// ---- Client trampolines ---------------------------------------------------------------------

int client_mech_new(void* glob_context, sasl_client_params_t* cparams,
                    void** conn_context) noexcept {
  if (glob_context == nullptr || cparams == nullptr || cparams->utils == nullptr ||
      conn_context == nullptr) {
    return SASL_BADPARAM;
  }
  return guard(cparams->utils, "client_mech_new", [&] {
    auto& global = *static_cast<GlobalState*>(glob_context);
    auto conn = std::make_unique<ClientConnection>(cparams->utils);
    if ((cparams->flags & SASL_NEED_HTTP) != 0) {
      if (!http_request_of(cparams->http_request)) {
        return report(cparams->utils,
                      fail(Errc::BadParam, "HTTP mode without the request (SASL_HTTP_REQUEST)"));
      }
      conn->session.emplace<HttpClientSession>(
          global.crypto, process_cache(cparams->utils, global, global.http_client_nonces));
      *conn_context = conn.release();
      return SASL_OK;
    }
    ClientOptions options;
    options.ciphers = read_cipher_policy(cparams->utils);
    read_client_reauth(cparams->utils, global, options);
    report_missing_legacy(cparams->utils, *global.crypto);
    conn->session.emplace<ClientSession>(global.crypto, options);
    *conn_context = conn.release();
    return SASL_OK;
  });
}

int client_mech_step(void* conn_context, sasl_client_params_t* cparams, const char* serverin,
                     unsigned serverinlen, sasl_interact_t** prompt_need, const char** clientout,
                     unsigned* clientoutlen, sasl_out_params_t* oparams) noexcept {
  if (conn_context == nullptr || cparams == nullptr || cparams->utils == nullptr ||
      clientout == nullptr || clientoutlen == nullptr || oparams == nullptr ||
      (serverin == nullptr && serverinlen != 0)) {
    return SASL_BADPARAM;
  }
  *clientout = nullptr;
  *clientoutlen = 0;
  return guard(cparams->utils, "client_mech_step", [&] {
    auto& conn = *static_cast<ClientConnection*>(conn_context);
    SaslClientHost host(*cparams, prompt_need, *oparams, conn.prompts);
    const std::string_view input{serverin == nullptr ? "" : serverin, serverinlen};
    Result<StepOutput> step = fail(Errc::Internal, "no session");
    if (auto* http = conn.http()) {
      const auto request = http_request_of(cparams->http_request);
      if (!request) {
        return report(cparams->utils,
                      fail(Errc::BadParam, "HTTP mode without the request (SASL_HTTP_REQUEST)"));
      }
      step = http->step(host, *request, input);
    } else {
      step = conn.sasl()->step(host, input);
    }
    if (!step) {
      return to_sasl_code(step.error().code);
    }
    *clientout = step->data.empty() ? nullptr : step->data.data();
    *clientoutlen = static_cast<unsigned>(step->data.size());
    if (!step->done) {
      return SASL_CONTINUE;
    }
    finish(conn, *oparams);
    return SASL_OK;
  });
}

void client_mech_dispose(void* conn_context, const sasl_utils_t* /*utils*/) noexcept {
  delete static_cast<ClientConnection*>(conn_context);
}

// ---- Plug tables (as the stock plugin's descriptor, docs/protocol.md §1) ------------------------

constexpr sasl_ssf_t kMaxSsf = 128;
constexpr unsigned kSecurityFlags =
    SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS | SASL_SEC_MUTUAL_AUTH;

sasl_server_plug_t g_server_plugins[] = {{
    .mech_name = "DIGEST-MD5",
    .max_ssf = kMaxSsf,
    .security_flags = kSecurityFlags,
    .features = SASL_FEAT_ALLOWS_PROXY | SASL_FEAT_SUPPORTS_HTTP,
    .glob_context = nullptr,
    .mech_new = &server_mech_new,
    .mech_step = &server_mech_step,
    .mech_dispose = &server_mech_dispose,
    .mech_free = &mech_free,
    .setpass = &server_setpass,
    .user_query = nullptr,
    .idle = nullptr,
    .mech_avail = nullptr,
    .spare_fptr2 = nullptr,
}};

sasl_client_plug_t g_client_plugins[] = {{
    .mech_name = "DIGEST-MD5",
    .max_ssf = kMaxSsf,
    .security_flags = kSecurityFlags,
    .features = SASL_FEAT_NEEDSERVERFQDN | SASL_FEAT_ALLOWS_PROXY | SASL_FEAT_SUPPORTS_HTTP,
    .required_prompts = nullptr,
    .glob_context = nullptr,
    .mech_new = &client_mech_new,
    .mech_step = &client_mech_step,
    .mech_dispose = &client_mech_dispose,
    .mech_free = &mech_free,
    .idle = nullptr,
    .spare_fptr1 = nullptr,
    .spare_fptr2 = nullptr,
}};

// make_global acquires the shared crypto for one plug table.
Result<GlobalState*> make_global(const sasl_utils_t* utils) {
  auto crypto = acquire_crypto();
  if (!crypto) {
    log_to(utils, LogLevel::Error, crypto.error().message);
    return crypto.error();
  }
  return new GlobalState(std::move(*crypto));
}

}  // namespace
}  // namespace digestmd5::plugin

using digestmd5::plugin::g_client_plugins;
using digestmd5::plugin::g_server_plugins;

DMD5_EXPORT int sasl_server_plug_init(const sasl_utils_t* utils, int max_version, int* out_version,
                                      sasl_server_plug_t** pluglist, int* plugcount) noexcept {
  if (utils == nullptr || out_version == nullptr || pluglist == nullptr || plugcount == nullptr) {
    return SASL_BADPARAM;
  }
  if (max_version < SASL_SERVER_PLUG_VERSION) {
    return SASL_BADVERS;
  }
  return digestmd5::plugin::guard(utils, "sasl_server_plug_init", [&] {
    auto global = digestmd5::plugin::make_global(utils);
    if (!global) {
      return digestmd5::plugin::to_sasl_code(global.error().code);
    }
    g_server_plugins[0].glob_context = *global;
    *out_version = SASL_SERVER_PLUG_VERSION;
    *pluglist = g_server_plugins;
    *plugcount = 1;
    return SASL_OK;
  });
}

DMD5_EXPORT int sasl_client_plug_init(const sasl_utils_t* utils, int max_version, int* out_version,
                                      sasl_client_plug_t** pluglist, int* plugcount) noexcept {
  if (utils == nullptr || out_version == nullptr || pluglist == nullptr || plugcount == nullptr) {
    return SASL_BADPARAM;
  }
  if (max_version < SASL_CLIENT_PLUG_VERSION) {
    return SASL_BADVERS;
  }
  return digestmd5::plugin::guard(utils, "sasl_client_plug_init", [&] {
    auto global = digestmd5::plugin::make_global(utils);
    if (!global) {
      return digestmd5::plugin::to_sasl_code(global.error().code);
    }
    g_client_plugins[0].glob_context = *global;
    *out_version = SASL_CLIENT_PLUG_VERSION;
    *pluglist = g_client_plugins;
    *plugcount = 1;
    return SASL_OK;
  });
}

// Compile-time checks that the entry points match libsasl2's typedefs.
[[maybe_unused]] constexpr sasl_server_plug_init_t* kServerInitSignature = &sasl_server_plug_init;
[[maybe_unused]] constexpr sasl_client_plug_init_t* kClientInitSignature = &sasl_client_plug_init;
