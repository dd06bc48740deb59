// SPDX-License-Identifier: BSD-3-Clause
// plugin_init.cpp: libsasl2 entry points, plug tables and the per-connection trampolines.
#include <sasl/sasl.h>
#include <sasl/saslplug.h>
#include <sys/uio.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/client_session.hpp"
#include "common/crypto.hpp"
#include "common/directive_list.hpp"
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

struct ServerConnection {
  ServerSession session;
  const sasl_utils_t* utils;
};

struct ClientConnection {
  ClientSession session;
  const sasl_utils_t* utils;
  PromptState prompts;
};

template <typename Connection>
SecurityLayer* layer_of(void* context) noexcept {
  return static_cast<Connection*>(context)->session.layer();
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
  const Outcome& o = conn.session.outcome();
  oparams.doneflag = 1;
  oparams.mech_ssf = o.ssf;
  oparams.maxoutbuf = o.max_out;
  oparams.param_version = 0;
  if (conn.session.layer() != nullptr) {
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
    ServerOptions options;
    if (const auto realms = read_option(utils, "digestmd5_realms")) {
      options.realms = split_words(*realms);
    }
    if (const auto hosts = read_option(utils, "digestmd5_hosts")) {
      options.hosts = split_words(*hosts);
    }
    options.ciphers = read_cipher_policy(utils);
    read_reauth_options(utils, *static_cast<GlobalState*>(glob_context), options);
    report_missing_legacy(utils, *static_cast<GlobalState*>(glob_context)->crypto);
    auto conn = std::unique_ptr<ServerConnection>(new ServerConnection{
        ServerSession(static_cast<GlobalState*>(glob_context)->crypto, std::move(options)), utils});
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
    const auto step = conn.session.step(host, {clientin == nullptr ? "" : clientin, clientinlen});
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
    ClientOptions options;
    options.ciphers = read_cipher_policy(cparams->utils);
    read_client_reauth(cparams->utils, *static_cast<GlobalState*>(glob_context), options);
    report_missing_legacy(cparams->utils, *static_cast<GlobalState*>(glob_context)->crypto);
    auto conn = std::unique_ptr<ClientConnection>(new ClientConnection{
        ClientSession(static_cast<GlobalState*>(glob_context)->crypto, options), cparams->utils,
        PromptState{}});
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
    const auto step = conn.session.step(host, {serverin == nullptr ? "" : serverin, serverinlen});
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
    .features = SASL_FEAT_ALLOWS_PROXY,
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
    .features = SASL_FEAT_NEEDSERVERFQDN | SASL_FEAT_ALLOWS_PROXY,
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
