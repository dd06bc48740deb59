// SPDX-License-Identifier: BSD-3-Clause
// test_plugin_abi.cpp: the built plugin's two exported entry points called directly, without
// libsasl2 (the pattern of sasl-xoauth2's tests). The module is dlopen()ed from the build tree
// and handed a zeroed sasl_utils_t and params whose fakes record every call, so the tests see
// exactly what the plugin does at the C boundary: argument checks, the plug tables, a whole
// exchange driven step by step (including how long each step's output stays valid, which
// libsasl2 never exercises), the user store read through prop_getnames, and the log and
// seterror calls on a failure.
//
// The fakes never assert: a failed assert_* longjmp()s, and from inside a fake it would jump
// over the plugin's C++ frames. They record; the test bodies assert afterwards.
#include <dlfcn.h>
#include <sasl/prop.h>
#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include <algorithm>
#include <array>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/cmocka.hpp"

namespace {

constexpr const char* kModulePath = DMD5_BUILD_PLUGINDIR "/libdigestmd5.so";
constexpr const char* kStoredSsProp = "*cmusaslsecretDIGEST-MD5";

// ---- The module (loaded once for the whole group) ----------------------------------------------

struct Module {
  void* handle;
  sasl_server_plug_init_t* server_init;
  sasl_client_plug_init_t* client_init;
};
Module g_module{};  // trivially destructible

int load_module(void** /*state*/) {
  g_module.handle = dlopen(kModulePath, RTLD_NOW | RTLD_LOCAL);
  if (g_module.handle == nullptr) {
    std::fprintf(stderr, "dlopen %s: %s\n", kModulePath, dlerror());
    return -1;
  }
  // POSIX guarantees that dlsym's void* converts to the function pointer it names.
  g_module.server_init =
      reinterpret_cast<sasl_server_plug_init_t*>(dlsym(g_module.handle, "sasl_server_plug_init"));
  g_module.client_init =
      reinterpret_cast<sasl_client_plug_init_t*>(dlsym(g_module.handle, "sasl_client_plug_init"));
  if (g_module.server_init == nullptr || g_module.client_init == nullptr) {
    std::fprintf(stderr, "dlsym: the plug_init entry points are missing\n");
    return -1;
  }
  return 0;
}

int unload_module(void** /*state*/) {
  if (g_module.handle != nullptr) {
    dlclose(g_module.handle);
  }
  g_module = Module{};
  return 0;
}

// ---- Allocator fakes (utils->malloc and friends take no context) -------------------------------

long g_live_blocks = 0;  // blocks from the fake allocator not yet given back

void* fake_malloc(std::size_t n) noexcept {
  void* p = std::malloc(n);
  if (p != nullptr) {
    ++g_live_blocks;
  }
  return p;
}

void* fake_calloc(std::size_t n, std::size_t size) noexcept {
  void* p = std::calloc(n, size);
  if (p != nullptr) {
    ++g_live_blocks;
  }
  return p;
}

void* fake_realloc(void* p, std::size_t n) noexcept {
  void* q = std::realloc(p, n);
  if (p == nullptr && q != nullptr) {
    ++g_live_blocks;
  }
  return q;
}

void fake_free(void* p) noexcept {
  if (p != nullptr) {
    --g_live_blocks;
  }
  std::free(p);
}

// ---- One side's fake libsasl2 ------------------------------------------------------------------

// Side holds one end's utils (whose conn, getopt_context and, on the server, propctx point back
// at the Side) and the record of every call the plugin made through them.
struct Side {
  Side();
  Side(const Side&) = delete;
  Side& operator=(const Side&) = delete;
  ~Side() = default;

  sasl_utils_t utils{};

  // utils->log and utils->seterror
  std::vector<int> log_levels;
  std::vector<std::string> log_lines;
  unsigned seterror_calls = 0;
  unsigned seterror_flags = 0;
  std::string last_error;

  // utils->getopt: DIGEST-MD5 options by name (none unless a test adds some)
  std::vector<std::pair<std::string, std::string>> options;

  // utils->getcallback and the client's credential callbacks
  bool answer_callbacks = true;  // false: each credential callback is listed without a proc
  std::vector<unsigned long> callbacks_asked;
  std::string authname = "alice";
  std::string password = "wonderland";
  std::vector<unsigned char> secret_storage;  // the sasl_secret_t handed out
  std::vector<std::string> realms_offered;

  // params->canon_user
  unsigned canon_calls = 0;
  unsigned canon_flags = 0;  // union over all calls
  std::string canon_in;      // the last name given
  std::string authid;        // what oparams->authid points at
  std::string user;          // what oparams->user points at

  // The user store behind prop_request / prop_getnames / prop_erase: one account whose
  // "*userPassword" the lookup in canon_user makes visible, as libsasl2's auxprop does.
  std::string store_user = "alice";
  std::array<char, 32> store_password{};
  std::array<const char*, 2> store_values{};
  std::vector<std::string> requested;
  bool looked_up = false;
  unsigned getnames_calls = 0;
  std::vector<std::string> erased;

  [[nodiscard]] bool was_requested(const char* name) const {
    return std::find(requested.begin(), requested.end(), name) != requested.end();
  }
  [[nodiscard]] bool was_erased(const char* name) const {
    return std::find(erased.begin(), erased.end(), name) != erased.end();
  }
  [[nodiscard]] bool asked_for(unsigned long id) const {
    return std::find(callbacks_asked.begin(), callbacks_asked.end(), id) != callbacks_asked.end();
  }
};

Side& side_of(sasl_conn_t* conn) noexcept { return *reinterpret_cast<Side*>(conn); }
Side& side_of(propctx* ctx) noexcept { return *reinterpret_cast<Side*>(ctx); }

[[gnu::format(printf, 3, 4)]] void fake_log(sasl_conn_t* conn, int level, const char* fmt,
                                            ...) noexcept {
  std::array<char, 1024> line{};
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(line.data(), line.size(), fmt, ap);
  va_end(ap);
  Side& s = side_of(conn);
  s.log_levels.push_back(level);
  s.log_lines.emplace_back(line.data());
}

[[gnu::format(printf, 3, 4)]] void fake_seterror(sasl_conn_t* conn, unsigned flags, const char* fmt,
                                                 ...) noexcept {
  std::array<char, 1024> text{};
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(text.data(), text.size(), fmt, ap);
  va_end(ap);
  Side& s = side_of(conn);
  ++s.seterror_calls;
  s.seterror_flags = flags;
  s.last_error = text.data();
}

int fake_getopt(void* context, const char* plugin_name, const char* option, const char** result,
                unsigned* len) noexcept {
  const Side& s = *static_cast<const Side*>(context);
  if (plugin_name == nullptr || option == nullptr || result == nullptr ||
      std::strcmp(plugin_name, "DIGEST-MD5") != 0) {
    return SASL_FAIL;
  }
  for (const auto& [name, value] : s.options) {
    if (name == option) {
      *result = value.c_str();
      if (len != nullptr) {
        *len = static_cast<unsigned>(value.size());
      }
      return SASL_OK;
    }
  }
  return SASL_FAIL;
}

int fake_getsimple(void* context, int id, const char** result, unsigned* len) noexcept {
  const Side& s = *static_cast<const Side*>(context);
  if (id != SASL_CB_AUTHNAME || result == nullptr) {
    return SASL_FAIL;
  }
  *result = s.authname.c_str();
  if (len != nullptr) {
    *len = static_cast<unsigned>(s.authname.size());
  }
  return SASL_OK;
}

int fake_getsecret(sasl_conn_t* /*conn*/, void* context, int id, sasl_secret_t** psecret) noexcept {
  Side& s = *static_cast<Side*>(context);
  if (id != SASL_CB_PASS || psecret == nullptr) {
    return SASL_FAIL;
  }
  // The secret lives in the Side until the next call, as an application's would.
  s.secret_storage.assign(sizeof(sasl_secret_t) + s.password.size(), 0);
  auto* secret = reinterpret_cast<sasl_secret_t*>(s.secret_storage.data());
  secret->len = s.password.size();
  std::memcpy(secret->data, s.password.data(), s.password.size());
  *psecret = secret;
  return SASL_OK;
}

int fake_getrealm(void* context, int id, const char** availrealms, const char** result) noexcept {
  Side& s = *static_cast<Side*>(context);
  if (id != SASL_CB_GETREALM || result == nullptr) {
    return SASL_FAIL;
  }
  s.realms_offered.clear();
  for (const char** r = availrealms; r != nullptr && *r != nullptr; ++r) {
    s.realms_offered.emplace_back(*r);
  }
  *result = availrealms != nullptr ? availrealms[0] : nullptr;
  return SASL_OK;
}

using Proc = sasl_callback_ft;
template <typename F>
Proc as_proc(F f) noexcept {
  // void(*)() is GCC's sanctioned generic function pointer type for such casts.
  return reinterpret_cast<Proc>(reinterpret_cast<void (*)()>(f));
}

int fake_getcallback(sasl_conn_t* conn, unsigned long id, sasl_callback_ft* pproc,
                     void** pcontext) noexcept {
  Side& s = side_of(conn);
  s.callbacks_asked.push_back(id);
  if (pproc == nullptr || pcontext == nullptr) {
    return SASL_BADPARAM;
  }
  *pproc = nullptr;
  *pcontext = nullptr;
  if (id != SASL_CB_AUTHNAME && id != SASL_CB_PASS && id != SASL_CB_GETREALM) {
    return SASL_FAIL;  // libsasl2's answer for a callback the application did not give
  }
  if (!s.answer_callbacks) {
    return SASL_INTERACT;  // libsasl2's answer for a callback listed with a NULL proc
  }
  *pcontext = &s;
  switch (id) {
    case SASL_CB_AUTHNAME:
      *pproc = as_proc(&fake_getsimple);
      break;
    case SASL_CB_PASS:
      *pproc = as_proc(&fake_getsecret);
      break;
    default:
      *pproc = as_proc(&fake_getrealm);
      break;
  }
  return SASL_OK;
}

// fake_canon_user stands for libsasl2's canon_user: it copies the name into the "connection"
// and points oparams at the copy; for an authid it also runs the "auxprop lookup" that makes
// the requested properties of a known user visible to prop_getnames.
int fake_canon_user(sasl_conn_t* conn, const char* in, unsigned inlen, unsigned flags,
                    sasl_out_params_t* oparams) noexcept {
  Side& s = side_of(conn);
  ++s.canon_calls;
  s.canon_flags |= flags;
  if (in == nullptr || oparams == nullptr) {
    return SASL_BADPARAM;
  }
  s.canon_in.assign(in, inlen != 0 ? inlen : std::strlen(in));
  if ((flags & SASL_CU_AUTHID) != 0) {
    s.authid = s.canon_in;
    oparams->authid = s.authid.c_str();
    oparams->alen = static_cast<unsigned>(s.authid.size());
    s.looked_up = s.authid == s.store_user;
  }
  if ((flags & SASL_CU_AUTHZID) != 0) {
    s.user = s.canon_in;
    oparams->user = s.user.c_str();
    oparams->ulen = static_cast<unsigned>(s.user.size());
  }
  return SASL_OK;
}

int fake_prop_request(propctx* ctx, const char** names) noexcept {
  Side& s = side_of(ctx);
  for (const char** n = names; n != nullptr && *n != nullptr; ++n) {
    s.requested.emplace_back(*n);
  }
  return SASL_OK;
}

// fake_prop_getnames fills one propval per name, zeroed when the store has no value (as
// libsasl2's does), and returns how many were found.
int fake_prop_getnames(propctx* ctx, const char** names, propval* vals) noexcept {
  Side& s = side_of(ctx);
  ++s.getnames_calls;
  if (names == nullptr || vals == nullptr) {
    return SASL_BADPARAM;
  }
  int found = 0;
  for (; *names != nullptr; ++names, ++vals) {
    *vals = propval{};
    if (s.looked_up && s.was_requested(*names) && std::strcmp(*names, SASL_AUX_PASSWORD) == 0 &&
        s.store_values[0] != nullptr) {
      vals->name = *names;
      vals->values = s.store_values.data();
      vals->nvalues = 1;
      vals->valsize = static_cast<unsigned>(std::strlen(s.store_values[0]));
      ++found;
    }
  }
  return found;
}

// fake_prop_erase wipes a value as libsasl2's prop_erase does.
void fake_prop_erase(propctx* ctx, const char* name) noexcept {
  Side& s = side_of(ctx);
  if (name == nullptr) {
    return;
  }
  s.erased.emplace_back(name);
  if (std::strcmp(name, SASL_AUX_PASSWORD) == 0 && s.store_values[0] != nullptr) {
    std::memset(s.store_password.data(), 0, std::strlen(s.store_password.data()));
    s.store_values[0] = nullptr;
  }
}

Side::Side() {
  utils.conn = reinterpret_cast<sasl_conn_t*>(this);
  utils.getopt_context = this;
  utils.getopt = &fake_getopt;
  utils.malloc = &fake_malloc;
  utils.calloc = &fake_calloc;
  utils.realloc = &fake_realloc;
  utils.free = &fake_free;
  utils.getcallback = &fake_getcallback;
  utils.log = &fake_log;
  utils.seterror = &fake_seterror;
  utils.prop_request = &fake_prop_request;
  utils.prop_getnames = &fake_prop_getnames;
  utils.prop_erase = &fake_prop_erase;
  constexpr std::string_view kPassword = "wonderland";
  kPassword.copy(store_password.data(), kPassword.size());
  store_values[0] = store_password.data();
}

// ---- The fixture: both sides, their params and what the plugin handed out ----------------------

struct Fixture {
  Fixture();
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;
  ~Fixture();

  Side server;
  Side client;
  sasl_server_params_t sparams{};
  sasl_client_params_t cparams{};
  sasl_out_params_t server_out{};
  sasl_out_params_t client_out{};
  sasl_server_plug_t* server_plug = nullptr;  // set by a successful plug_init
  sasl_client_plug_t* client_plug = nullptr;
  void* server_conn = nullptr;  // set by a successful mech_new
  void* client_conn = nullptr;
  sasl_interact_t* prompts = nullptr;
  // Copies of the step outputs, to compare the plugin's buffers with later.
  std::string challenge;
  std::string response;
  std::string rspauth;
};

Fixture::Fixture() {
  g_live_blocks = 0;
  sparams.service = "imap";
  sparams.servicelen = 4;
  sparams.serverFQDN = "mail.example.com";
  sparams.slen = 16;
  sparams.user_realm = "example.com";
  sparams.urlen = 11;
  sparams.utils = &server.utils;
  sparams.props.min_ssf = 0;
  sparams.props.max_ssf = 256;
  sparams.props.maxbufsize = 65536;
  sparams.canon_user = &fake_canon_user;
  sparams.propctx = reinterpret_cast<propctx*>(&server);

  cparams.service = "imap";
  cparams.servicelen = 4;
  cparams.serverFQDN = "mail.example.com";
  cparams.slen = 16;
  cparams.utils = &client.utils;
  cparams.props.min_ssf = 0;
  cparams.props.max_ssf = 0;  // qop=auth: no layer
  cparams.props.maxbufsize = 65536;
  cparams.canon_user = &fake_canon_user;
}

// The destructor releases, in libsasl2's order, whatever a (possibly failed) test left behind.
Fixture::~Fixture() {
  if (server_conn != nullptr) {
    server_plug->mech_dispose(server_conn, &server.utils);
  }
  if (client_conn != nullptr) {
    client_plug->mech_dispose(client_conn, &client.utils);
  }
  if (server_plug != nullptr) {
    server_plug->mech_free(server_plug->glob_context, &server.utils);
  }
  if (client_plug != nullptr) {
    client_plug->mech_free(client_plug->glob_context, &client.utils);
  }
  fake_free(prompts);
}

bool contains(std::string_view s, std::string_view what) {
  return s.find(what) != std::string_view::npos;
}

bool starts_with(std::string_view s, std::string_view what) {
  return s.substr(0, what.size()) == what;
}

// ---- Helpers (they assert, so their locals stay trivially destructible) ------------------------

void init_server(Fixture& fx) {
  int version = 0;
  int count = 0;
  assert_int_equal(g_module.server_init(&fx.server.utils, SASL_SERVER_PLUG_VERSION, &version,
                                        &fx.server_plug, &count),
                   SASL_OK);
  assert_non_null(fx.server_plug);
  assert_int_equal(count, 1);
}

void init_client(Fixture& fx) {
  int version = 0;
  int count = 0;
  assert_int_equal(g_module.client_init(&fx.client.utils, SASL_CLIENT_PLUG_VERSION, &version,
                                        &fx.client_plug, &count),
                   SASL_OK);
  assert_non_null(fx.client_plug);
  assert_int_equal(count, 1);
}

void start_both(Fixture& fx) {
  init_server(fx);
  init_client(fx);
  assert_int_equal(fx.server_plug->mech_new(fx.server_plug->glob_context, &fx.sparams, nullptr, 0,
                                            &fx.server_conn),
                   SASL_OK);
  assert_non_null(fx.server_conn);
  assert_int_equal(
      fx.client_plug->mech_new(fx.client_plug->glob_context, &fx.cparams, &fx.client_conn),
      SASL_OK);
  assert_non_null(fx.client_conn);
}

int server_step(Fixture& fx, const char* in, unsigned inlen, const char** out, unsigned* outlen) {
  return fx.server_plug->mech_step(fx.server_conn, &fx.sparams, in, inlen, out, outlen,
                                   &fx.server_out);
}

int client_step(Fixture& fx, const char* in, unsigned inlen, const char** out, unsigned* outlen) {
  return fx.client_plug->mech_step(fx.client_conn, &fx.cparams, in, inlen, &fx.prompts, out, outlen,
                                   &fx.client_out);
}

// issue_challenge runs server step 1 (no initial response, as sasl_server_start passes it) and
// keeps a copy of the challenge.
void issue_challenge(Fixture& fx, const char** out, unsigned* outlen) {
  assert_int_equal(server_step(fx, nullptr, 0, out, outlen), SASL_CONTINUE);
  assert_non_null(*out);
  assert_true(*outlen > 0);
  fx.challenge.assign(*out, *outlen);
  assert_true(contains(fx.challenge, "nonce=\""));
  assert_true(contains(fx.challenge, "realm=\"example.com\""));
  assert_int_equal(fx.server_out.doneflag, 0);
}

// ---- plug_init ---------------------------------------------------------------------------------

void plug_init_refuses_an_older_framework(void** state) {
  Fixture& fx = test_support::fixture<Fixture>(state);
  int version = -1;
  int count = -1;
  sasl_server_plug_t* splug = nullptr;
  sasl_client_plug_t* cplug = nullptr;
  assert_int_equal(g_module.server_init(&fx.server.utils, SASL_SERVER_PLUG_VERSION - 1, &version,
                                        &splug, &count),
                   SASL_BADVERS);
  assert_int_equal(g_module.server_init(&fx.server.utils, 0, &version, &splug, &count),
                   SASL_BADVERS);
  assert_int_equal(g_module.client_init(&fx.client.utils, SASL_CLIENT_PLUG_VERSION - 1, &version,
                                        &cplug, &count),
                   SASL_BADVERS);
  assert_int_equal(g_module.client_init(&fx.client.utils, 0, &version, &cplug, &count),
                   SASL_BADVERS);
  // Nothing was handed out.
  assert_int_equal(version, -1);
  assert_int_equal(count, -1);
  assert_null(splug);
  assert_null(cplug);

  // A newer framework gets the version the plugin implements.
  assert_int_equal(g_module.server_init(&fx.server.utils, SASL_SERVER_PLUG_VERSION + 1, &version,
                                        &fx.server_plug, &count),
                   SASL_OK);
  assert_int_equal(version, SASL_SERVER_PLUG_VERSION);
  version = -1;
  assert_int_equal(g_module.client_init(&fx.client.utils, SASL_CLIENT_PLUG_VERSION + 1, &version,
                                        &fx.client_plug, &count),
                   SASL_OK);
  assert_int_equal(version, SASL_CLIENT_PLUG_VERSION);
}

void plug_init_refuses_null_pointers(void** state) {
  Fixture& fx = test_support::fixture<Fixture>(state);
  int version = -1;
  int count = -1;
  sasl_server_plug_t* splug = nullptr;
  sasl_client_plug_t* cplug = nullptr;
  const int sv = SASL_SERVER_PLUG_VERSION;
  const int cv = SASL_CLIENT_PLUG_VERSION;
  const sasl_utils_t* su = &fx.server.utils;
  const sasl_utils_t* cu = &fx.client.utils;

  assert_int_equal(g_module.server_init(nullptr, sv, &version, &splug, &count), SASL_BADPARAM);
  assert_int_equal(g_module.server_init(su, sv, nullptr, &splug, &count), SASL_BADPARAM);
  assert_int_equal(g_module.server_init(su, sv, &version, nullptr, &count), SASL_BADPARAM);
  assert_int_equal(g_module.server_init(su, sv, &version, &splug, nullptr), SASL_BADPARAM);
  // NULL pointers are refused before the version is looked at.
  assert_int_equal(g_module.server_init(su, 0, &version, nullptr, &count), SASL_BADPARAM);

  assert_int_equal(g_module.client_init(nullptr, cv, &version, &cplug, &count), SASL_BADPARAM);
  assert_int_equal(g_module.client_init(cu, cv, nullptr, &cplug, &count), SASL_BADPARAM);
  assert_int_equal(g_module.client_init(cu, cv, &version, nullptr, &count), SASL_BADPARAM);
  assert_int_equal(g_module.client_init(cu, cv, &version, &cplug, nullptr), SASL_BADPARAM);
  assert_int_equal(g_module.client_init(cu, 0, &version, nullptr, &count), SASL_BADPARAM);

  assert_int_equal(version, -1);
  assert_int_equal(count, -1);
  assert_null(splug);
  assert_null(cplug);
  // Refused quietly: no connection exists to log to at plug_init time.
  assert_int_equal(fx.server.log_lines.size(), 0);
  assert_int_equal(fx.client.log_lines.size(), 0);
}

void plug_tables_describe_one_digest_md5_mechanism(void** state) {
  Fixture& fx = test_support::fixture<Fixture>(state);
  int version = 0;
  int count = 0;
  assert_int_equal(g_module.server_init(&fx.server.utils, SASL_SERVER_PLUG_VERSION, &version,
                                        &fx.server_plug, &count),
                   SASL_OK);
  assert_int_equal(version, SASL_SERVER_PLUG_VERSION);
  assert_int_equal(count, 1);
  assert_non_null(fx.server_plug);
  const sasl_server_plug_t& s = fx.server_plug[0];
  assert_string_equal(s.mech_name, "DIGEST-MD5");
  assert_int_equal(s.max_ssf, 128);
  assert_int_equal(s.security_flags,
                   SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS | SASL_SEC_MUTUAL_AUTH);
  assert_int_equal(s.features, SASL_FEAT_ALLOWS_PROXY | SASL_FEAT_SUPPORTS_HTTP);
  assert_non_null(s.glob_context);
  assert_non_null(s.mech_new);
  assert_non_null(s.mech_step);
  assert_non_null(s.mech_dispose);
  assert_non_null(s.mech_free);
  assert_non_null(s.setpass);
  assert_null(s.user_query);
  assert_null(s.idle);
  assert_null(s.mech_avail);

  version = 0;
  count = 0;
  assert_int_equal(g_module.client_init(&fx.client.utils, SASL_CLIENT_PLUG_VERSION, &version,
                                        &fx.client_plug, &count),
                   SASL_OK);
  assert_int_equal(version, SASL_CLIENT_PLUG_VERSION);
  assert_int_equal(count, 1);
  assert_non_null(fx.client_plug);
  const sasl_client_plug_t& c = fx.client_plug[0];
  assert_string_equal(c.mech_name, "DIGEST-MD5");
  assert_int_equal(c.max_ssf, 128);
  assert_int_equal(c.security_flags,
                   SASL_SEC_NOPLAINTEXT | SASL_SEC_NOANONYMOUS | SASL_SEC_MUTUAL_AUTH);
  assert_int_equal(c.features,
                   SASL_FEAT_NEEDSERVERFQDN | SASL_FEAT_ALLOWS_PROXY | SASL_FEAT_SUPPORTS_HTTP);
  assert_null(c.required_prompts);
  assert_non_null(c.glob_context);
  assert_non_null(c.mech_new);
  assert_non_null(c.mech_step);
  assert_non_null(c.mech_dispose);
  assert_non_null(c.mech_free);
  assert_null(c.idle);

  // plug_init needs nothing from the host beyond the pointers themselves.
  assert_int_equal(fx.server.log_lines.size(), 0);
  assert_int_equal(fx.server.callbacks_asked.size(), 0);
  assert_int_equal(fx.client.log_lines.size(), 0);
  assert_int_equal(g_live_blocks, 0);
}

// ---- mech_new and mech_step argument checks ----------------------------------------------------

void mech_new_refuses_null_pointers(void** state) {
  Fixture& fx = test_support::fixture<Fixture>(state);
  init_server(fx);
  init_client(fx);
  void* glob_s = fx.server_plug->glob_context;
  void* glob_c = fx.client_plug->glob_context;
  void* conn = nullptr;

  assert_int_equal(fx.server_plug->mech_new(glob_s, &fx.sparams, nullptr, 0, nullptr),
                   SASL_BADPARAM);
  assert_int_equal(fx.server_plug->mech_new(nullptr, &fx.sparams, nullptr, 0, &conn),
                   SASL_BADPARAM);
  assert_int_equal(fx.server_plug->mech_new(glob_s, nullptr, nullptr, 0, &conn), SASL_BADPARAM);
  sasl_server_params_t no_utils = fx.sparams;
  no_utils.utils = nullptr;
  assert_int_equal(fx.server_plug->mech_new(glob_s, &no_utils, nullptr, 0, &conn), SASL_BADPARAM);
  assert_null(conn);

  assert_int_equal(fx.client_plug->mech_new(glob_c, &fx.cparams, nullptr), SASL_BADPARAM);
  assert_int_equal(fx.client_plug->mech_new(nullptr, &fx.cparams, &conn), SASL_BADPARAM);
  assert_int_equal(fx.client_plug->mech_new(glob_c, nullptr, &conn), SASL_BADPARAM);
  sasl_client_params_t no_client_utils = fx.cparams;
  no_client_utils.utils = nullptr;
  assert_int_equal(fx.client_plug->mech_new(glob_c, &no_client_utils, &conn), SASL_BADPARAM);
  assert_null(conn);
  assert_int_equal(g_live_blocks, 0);
}

void mech_step_refuses_null_pointers(void** state) {
  Fixture& fx = test_support::fixture<Fixture>(state);
  start_both(fx);
  static constexpr char kUntouched[] = "untouched";
  const char* out = kUntouched;
  unsigned outlen = 7;
  void* sc = fx.server_conn;
  sasl_server_params_t* sp = &fx.sparams;
  sasl_out_params_t* so = &fx.server_out;
  const auto sstep = fx.server_plug->mech_step;

  assert_int_equal(sstep(sc, sp, nullptr, 0, nullptr, &outlen, so), SASL_BADPARAM);
  assert_int_equal(sstep(sc, sp, nullptr, 0, &out, nullptr, so), SASL_BADPARAM);
  assert_int_equal(sstep(sc, sp, nullptr, 0, &out, &outlen, nullptr), SASL_BADPARAM);
  assert_int_equal(sstep(nullptr, sp, nullptr, 0, &out, &outlen, so), SASL_BADPARAM);
  assert_int_equal(sstep(sc, nullptr, nullptr, 0, &out, &outlen, so), SASL_BADPARAM);
  assert_int_equal(sstep(sc, sp, nullptr, 5, &out, &outlen, so), SASL_BADPARAM);
  // Refused before anything is written.
  assert_ptr_equal(out, kUntouched);
  assert_int_equal(outlen, 7);

  void* cc = fx.client_conn;
  sasl_client_params_t* cp = &fx.cparams;
  sasl_out_params_t* co = &fx.client_out;
  const auto cstep = fx.client_plug->mech_step;
  assert_int_equal(cstep(cc, cp, nullptr, 0, &fx.prompts, nullptr, &outlen, co), SASL_BADPARAM);
  assert_int_equal(cstep(cc, cp, nullptr, 0, &fx.prompts, &out, nullptr, co), SASL_BADPARAM);
  assert_int_equal(cstep(cc, cp, nullptr, 0, &fx.prompts, &out, &outlen, nullptr), SASL_BADPARAM);
  assert_int_equal(cstep(nullptr, cp, nullptr, 0, &fx.prompts, &out, &outlen, co), SASL_BADPARAM);
  assert_int_equal(cstep(cc, nullptr, nullptr, 0, &fx.prompts, &out, &outlen, co), SASL_BADPARAM);
  assert_int_equal(cstep(cc, cp, nullptr, 5, &fx.prompts, &out, &outlen, co), SASL_BADPARAM);
  assert_ptr_equal(out, kUntouched);
  assert_int_equal(outlen, 7);

  // None of the refused calls moved either exchange on: it still runs from the start.
  issue_challenge(fx, &out, &outlen);
  const char* cout = nullptr;
  unsigned coutlen = 0;
  assert_int_equal(client_step(fx, out, outlen, &cout, &coutlen), SASL_CONTINUE);
  assert_non_null(cout);
  assert_true(contains({cout, coutlen}, "username=\"alice\""));
  assert_int_equal(server_step(fx, cout, coutlen, &out, &outlen), SASL_OK);
  assert_int_equal(fx.server_out.doneflag, 1);
}

// ---- A whole exchange by hand ------------------------------------------------------------------

void exchange_by_hand_succeeds_and_outputs_outlive_the_step(void** state) {
  Fixture& fx = test_support::fixture<Fixture>(state);
  start_both(fx);

  // Server step 1: no initial response; the challenge.
  const char* challenge = nullptr;
  unsigned challenge_len = 0;
  issue_challenge(fx, &challenge, &challenge_len);
  // The buffer stays valid and unchanged with nothing called...
  assert_memory_equal(challenge, fx.challenge.data(), challenge_len);

  // Client step 1 as sasl_client_start makes it (no server data yet): nothing to send.
  const char* cout = "x";
  unsigned coutlen = 9;
  assert_int_equal(client_step(fx, nullptr, 0, &cout, &coutlen), SASL_CONTINUE);
  assert_null(cout);
  assert_int_equal(coutlen, 0);

  // Client step 2: the response, from the challenge buffer itself.
  assert_int_equal(client_step(fx, challenge, challenge_len, &cout, &coutlen), SASL_CONTINUE);
  assert_non_null(cout);
  assert_true(coutlen > 0);
  fx.response.assign(cout, coutlen);
  assert_true(contains(fx.response, "username=\"alice\""));
  assert_true(contains(fx.response, "realm=\"example.com\""));
  assert_true(contains(fx.response, "digest-uri=\"imap/mail.example.com\""));
  assert_true(contains(fx.response, "qop=auth,"));
  assert_true(contains(fx.response, "nc=00000001"));
  assert_false(contains(fx.response, "authzid"));
  assert_false(contains(fx.response, "wonderland"));
  assert_null(fx.prompts);
  // The client got its identity from the callbacks and canonicalised it.
  assert_true(fx.client.asked_for(SASL_CB_AUTHNAME));
  assert_true(fx.client.asked_for(SASL_CB_PASS));
  assert_true(fx.client.asked_for(SASL_CB_GETREALM));
  assert_int_equal(fx.client.realms_offered.size(), 1);
  assert_string_equal(fx.client.realms_offered[0].c_str(), "example.com");
  assert_int_equal(fx.client.canon_calls, 1);
  assert_int_equal(fx.client.canon_flags, SASL_CU_AUTHID | SASL_CU_AUTHZID);
  assert_int_equal(fx.client_out.doneflag, 0);
  // ... and after a step of another connection of the same module.
  assert_memory_equal(challenge, fx.challenge.data(), challenge_len);

  // Server step 2: the response is accepted and answered with rspauth.
  const char* sout = nullptr;
  unsigned soutlen = 0;
  assert_int_equal(server_step(fx, cout, coutlen, &sout, &soutlen), SASL_OK);
  assert_non_null(sout);
  assert_int_equal(soutlen, 8 + 32);
  fx.rspauth.assign(sout, soutlen);
  assert_true(starts_with(fx.rspauth, "rspauth="));
  assert_int_equal(fx.server_out.doneflag, 1);
  assert_non_null(fx.server_out.authid);
  assert_string_equal(fx.server_out.authid, "alice");
  assert_int_equal(fx.server_out.alen, 5);
  assert_non_null(fx.server_out.user);
  assert_string_equal(fx.server_out.user, "alice");
  assert_int_equal(fx.server_out.ulen, 5);
  assert_int_equal(fx.server_out.mech_ssf, 0);
  assert_int_equal(fx.server_out.maxoutbuf, 0);
  assert_null(fx.server_out.encode);
  assert_null(fx.server_out.decode);
  // The name given to canon_user is the bare username: the realm is the user_realm.
  assert_int_equal(fx.server.canon_calls, 1);
  assert_string_equal(fx.server.canon_in.c_str(), "alice");
  assert_int_equal(fx.server.canon_flags, SASL_CU_AUTHID | SASL_CU_AUTHZID);
  // The client's response buffer was not disturbed by the server reading it.
  assert_memory_equal(cout, fx.response.data(), coutlen);

  // The client verifies rspauth from the server's buffer; nothing more to send.
  const char* cfinal = "x";
  unsigned cfinal_len = 9;
  assert_int_equal(client_step(fx, sout, soutlen, &cfinal, &cfinal_len), SASL_OK);
  assert_null(cfinal);
  assert_int_equal(cfinal_len, 0);
  assert_int_equal(fx.client_out.doneflag, 1);
  assert_string_equal(fx.client_out.authid, "alice");
  assert_string_equal(fx.client_out.user, "alice");
  assert_int_equal(fx.client_out.mech_ssf, 0);
  assert_null(fx.client_out.encode);
  // rspauth was still intact while the client read it.
  assert_memory_equal(sout, fx.rspauth.data(), soutlen);

  // A further step on either side is an error, not a crash, and reports once.
  const std::size_t server_logs = fx.server.log_lines.size();
  const std::size_t client_logs = fx.client.log_lines.size();
  const char* more = "x";
  unsigned more_len = 9;
  assert_int_equal(server_step(fx, fx.response.data(), static_cast<unsigned>(fx.response.size()),
                               &more, &more_len),
                   SASL_BADPROT);
  assert_null(more);
  assert_int_equal(more_len, 0);
  assert_int_equal(fx.server.log_lines.size(), server_logs + 1);
  more = "x";
  more_len = 9;
  assert_int_equal(client_step(fx, fx.rspauth.data(), static_cast<unsigned>(fx.rspauth.size()),
                               &more, &more_len),
                   SASL_BADPROT);
  assert_null(more);
  assert_int_equal(more_len, 0);
  assert_int_equal(fx.client.log_lines.size(), client_logs + 1);
  assert_int_equal(fx.server_out.doneflag, 1);
  assert_int_equal(fx.client_out.doneflag, 1);

  // mech_dispose releases each connection (valgrind and ASan check that nothing is left).
  fx.server_plug->mech_dispose(fx.server_conn, &fx.server.utils);
  fx.server_conn = nullptr;
  fx.client_plug->mech_dispose(fx.client_conn, &fx.client.utils);
  fx.client_conn = nullptr;
  assert_int_equal(g_live_blocks, 0);
}

// ---- HTTP mode (SASL_NEED_HTTP)
// ------------------------------------------------------------------

void http_mode_exchange_through_the_abi(void** state) {
  Fixture& fx = test_support::fixture<Fixture>(state);
  init_server(fx);
  init_client(fx);
  fx.sparams.flags = SASL_NEED_HTTP;
  fx.cparams.flags = SASL_NEED_HTTP;
  // A client in HTTP mode needs the request, as the stock plugin says.
  void* conn = nullptr;
  assert_int_equal(fx.client_plug->mech_new(fx.client_plug->glob_context, &fx.cparams, &conn),
                   SASL_BADPARAM);
  assert_null(conn);
  const sasl_http_request_t request{"GET", "/cal/", reinterpret_cast<const unsigned char*>(""), 0,
                                    0};
  fx.cparams.http_request = &request;
  assert_int_equal(fx.server_plug->mech_new(fx.server_plug->glob_context, &fx.sparams, nullptr, 0,
                                            &fx.server_conn),
                   SASL_OK);
  assert_int_equal(
      fx.client_plug->mech_new(fx.client_plug->glob_context, &fx.cparams, &fx.client_conn),
      SASL_OK);
  const char* out = nullptr;
  unsigned outlen = 0;
  assert_int_equal(server_step(fx, nullptr, 0, &out, &outlen), SASL_CONTINUE);
  fx.challenge.assign(out, outlen);
  assert_true(contains(fx.challenge, "realm=\"example.com\""));
  assert_true(contains(fx.challenge, "algorithm=MD5-sess"));
  assert_false(contains(fx.challenge, "cipher"));
  const char* cout = "x";
  unsigned coutlen = 9;
  assert_int_equal(client_step(fx, nullptr, 0, &cout, &coutlen), SASL_CONTINUE);
  assert_null(cout);
  assert_int_equal(client_step(fx, out, outlen, &cout, &coutlen), SASL_CONTINUE);
  fx.response.assign(cout, coutlen);
  assert_true(contains(fx.response, "uri=\"/cal/\""));
  assert_false(contains(fx.response, "digest-uri"));
  // Credentials without the request: a clear error, not a crash.
  void* other = nullptr;
  assert_int_equal(
      fx.server_plug->mech_new(fx.server_plug->glob_context, &fx.sparams, nullptr, 0, &other),
      SASL_OK);
  const char* o2 = nullptr;
  unsigned o2len = 0;
  assert_int_equal(
      fx.server_plug->mech_step(other, &fx.sparams, cout, coutlen, &o2, &o2len, &fx.server_out),
      SASL_BADPARAM);
  fx.server_plug->mech_dispose(other, &fx.server.utils);
  std::memset(&fx.server_out, 0, sizeof fx.server_out);
  fx.sparams.http_request = &request;
  const char* sout = nullptr;
  unsigned soutlen = 0;
  assert_int_equal(server_step(fx, cout, coutlen, &sout, &soutlen), SASL_OK);
  fx.rspauth.assign(sout, soutlen);
  assert_true(starts_with(fx.rspauth, "rspauth=\""));
  assert_true(contains(fx.rspauth, "nc=00000001"));
  assert_int_equal(fx.server_out.doneflag, 1);
  assert_int_equal(fx.server_out.mech_ssf, 0);
  assert_null(fx.server_out.encode);
  assert_string_equal(fx.server_out.authid, "alice");
  const char* cfinal = "x";
  unsigned cfinal_len = 9;
  assert_int_equal(client_step(fx, sout, soutlen, &cfinal, &cfinal_len), SASL_OK);
  assert_int_equal(fx.client_out.doneflag, 1);
  assert_int_equal(fx.client_out.mech_ssf, 0);
}

// ---- The server's user store -------------------------------------------------------------------

void server_reads_user_password_through_prop_getnames_and_erases_it(void** state) {
  Fixture& fx = test_support::fixture<Fixture>(state);
  start_both(fx);
  const char* out = nullptr;
  unsigned outlen = 0;
  issue_challenge(fx, &out, &outlen);
  // Step 1 does not touch the store.
  assert_int_equal(fx.server.requested.size(), 0);
  assert_int_equal(fx.server.getnames_calls, 0);

  const char* cout = nullptr;
  unsigned coutlen = 0;
  assert_int_equal(client_step(fx, out, outlen, &cout, &coutlen), SASL_CONTINUE);
  assert_int_equal(server_step(fx, cout, coutlen, &out, &outlen), SASL_OK);

  // Asked for the password and setpass's SS of the authid, and, since the password was there,
  // not for the SASL v1 name (a store such as sasldb opens its database once per property)...
  assert_true(fx.server.was_requested(SASL_AUX_PASSWORD));
  assert_true(fx.server.was_requested("*cmusaslsecretDIGEST-MD5-SS"));
  assert_false(fx.server.was_requested(kStoredSsProp));
  assert_true(fx.server.looked_up);
  assert_true(fx.server.getnames_calls >= 1);
  // ... and erased them once read: the store's copy of the password is wiped.
  assert_true(fx.server.was_erased(SASL_AUX_PASSWORD));
  assert_true(fx.server.was_erased(kStoredSsProp));
  assert_null(fx.server.store_values[0]);
  for (const char c : fx.server.store_password) {
    assert_int_equal(c, 0);
  }
  assert_int_equal(fx.server_out.doneflag, 1);
}

void server_unknown_user_is_nouser(void** state) {
  Fixture& fx = test_support::fixture<Fixture>(state);
  fx.server.store_user = "bob";  // the store knows no alice
  start_both(fx);
  const char* out = nullptr;
  unsigned outlen = 0;
  issue_challenge(fx, &out, &outlen);
  const char* cout = nullptr;
  unsigned coutlen = 0;
  assert_int_equal(client_step(fx, out, outlen, &cout, &coutlen), SASL_CONTINUE);
  const std::size_t logs = fx.server.log_lines.size();
  assert_int_equal(server_step(fx, cout, coutlen, &out, &outlen), SASL_NOUSER);
  assert_null(out);
  assert_int_equal(outlen, 0);
  assert_int_equal(fx.server.log_lines.size(), logs + 1);
  assert_int_equal(fx.server_out.doneflag, 0);
  assert_true(fx.server.was_erased(SASL_AUX_PASSWORD));
}

// ---- Failures are reported through utils -------------------------------------------------------

void server_garbage_response_is_badprot_with_one_log_and_seterror(void** state) {
  Fixture& fx = test_support::fixture<Fixture>(state);
  start_both(fx);
  const char* out = nullptr;
  unsigned outlen = 0;
  issue_challenge(fx, &out, &outlen);

  // Counted from here: mech_new may have logged the once-per-process note on legacy ciphers.
  const std::size_t logs = fx.server.log_lines.size();
  const unsigned errors = fx.server.seterror_calls;
  static constexpr char kGarbage[] = "\x01\xfe\x7f garbage=\"unterminated, \0 ===,,,=";
  assert_int_equal(server_step(fx, kGarbage, sizeof kGarbage - 1, &out, &outlen), SASL_BADPROT);
  assert_null(out);
  assert_int_equal(outlen, 0);
  assert_int_equal(fx.server.log_lines.size(), logs + 1);
  assert_int_equal(fx.server.log_levels.back(), SASL_LOG_FAIL);
  assert_true(starts_with(fx.server.log_lines.back(), "DIGEST-MD5: "));
  assert_int_equal(fx.server.seterror_calls, errors + 1);
  assert_int_equal(fx.server.seterror_flags, SASL_NOLOG);
  assert_true(starts_with(fx.server.last_error, "DIGEST-MD5: "));
  // Refused before any user lookup.
  assert_int_equal(fx.server.canon_calls, 0);
  assert_int_equal(fx.server.requested.size(), 0);
  assert_int_equal(fx.server_out.doneflag, 0);
  // The client connection logged nothing about it.
  assert_int_equal(fx.client.seterror_calls, 0);
}

// ---- Prompts are allocated with utils->malloc and released with utils->free --------------------

void client_prompts_use_the_hosts_allocator(void** state) {
  Fixture& fx = test_support::fixture<Fixture>(state);
  fx.client.answer_callbacks = false;
  start_both(fx);
  const char* out = nullptr;
  unsigned outlen = 0;
  issue_challenge(fx, &out, &outlen);

  const char* cout = "x";
  unsigned coutlen = 9;
  assert_int_equal(client_step(fx, out, outlen, &cout, &coutlen), SASL_INTERACT);
  assert_null(cout);
  assert_int_equal(coutlen, 0);
  assert_non_null(fx.prompts);
  assert_int_equal(g_live_blocks, 1);
  // Authentication name and password; the single offered realm needs no prompt.
  assert_int_equal(fx.prompts[0].id, SASL_CB_AUTHNAME);
  assert_int_equal(fx.prompts[1].id, SASL_CB_PASS);
  assert_int_equal(fx.prompts[2].id, SASL_CB_LIST_END);
  fx.prompts[0].result = "alice";
  fx.prompts[0].len = 5;
  fx.prompts[1].result = "wonderland";
  fx.prompts[1].len = 10;

  assert_int_equal(client_step(fx, out, outlen, &cout, &coutlen), SASL_CONTINUE);
  // The answered prompts went back through utils->free.
  assert_null(fx.prompts);
  assert_int_equal(g_live_blocks, 0);
  assert_non_null(cout);
  assert_int_equal(server_step(fx, cout, coutlen, &out, &outlen), SASL_OK);
  assert_string_equal(fx.server_out.authid, "alice");
}

// ---- A framework that leaves the optional host functions out --------------------------------

// saslplug.h says a plugin calls canon_user only when it is set, and the property functions are
// the framework's to give; without them the exchange fails cleanly instead of crashing.
void missing_host_functions_fail_cleanly(void** state) {
  Fixture& fx = test_support::fixture<Fixture>(state);
  start_both(fx);
  const char* out = nullptr;
  unsigned outlen = 0;
  issue_challenge(fx, &out, &outlen);
  const char* cout = nullptr;
  unsigned coutlen = 0;
  fx.cparams.canon_user = nullptr;
  assert_int_equal(client_step(fx, out, outlen, &cout, &coutlen), SASL_BADPARAM);
  fx.cparams.canon_user = &fake_canon_user;
  fx.server.utils.prop_getnames = nullptr;
  // A fresh client answers the same challenge; the server cannot look the user up.
  fx.client_plug->mech_dispose(fx.client_conn, &fx.client.utils);
  fx.client_conn = nullptr;
  assert_int_equal(
      fx.client_plug->mech_new(fx.client_plug->glob_context, &fx.cparams, &fx.client_conn),
      SASL_OK);
  assert_int_equal(client_step(fx, out, outlen, &cout, &coutlen), SASL_CONTINUE);
  assert_int_equal(server_step(fx, cout, coutlen, &out, &outlen), SASL_FAIL);
  assert_int_equal(fx.server_out.doneflag, 0);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      DMD5_TEST(plug_init_refuses_an_older_framework, Fixture),
      DMD5_TEST(plug_init_refuses_null_pointers, Fixture),
      DMD5_TEST(plug_tables_describe_one_digest_md5_mechanism, Fixture),
      DMD5_TEST(mech_new_refuses_null_pointers, Fixture),
      DMD5_TEST(http_mode_exchange_through_the_abi, Fixture),
      DMD5_TEST(mech_step_refuses_null_pointers, Fixture),
      DMD5_TEST(exchange_by_hand_succeeds_and_outputs_outlive_the_step, Fixture),
      DMD5_TEST(server_reads_user_password_through_prop_getnames_and_erases_it, Fixture),
      DMD5_TEST(server_unknown_user_is_nouser, Fixture),
      DMD5_TEST(server_garbage_response_is_badprot_with_one_log_and_seterror, Fixture),
      DMD5_TEST(client_prompts_use_the_hosts_allocator, Fixture),
      DMD5_TEST(missing_host_functions_fail_cleanly, Fixture),
  };
  return cmocka_run_group_tests_name("plugin_abi", tests, load_module, unload_module);
}
