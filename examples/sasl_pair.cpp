// SPDX-License-Identifier: BSD-3-Clause
// sasl_pair.cpp: in-process libsasl2 client/server pair with an embedded auxprop store.
#include "examples/sasl_pair.hpp"

#include <sasl/prop.h>
#include <sasl/saslplug.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace saslpair {
namespace {

std::mutex g_mutex;
std::string g_plugin_dir;
std::vector<User> g_users;
std::vector<std::string> g_log;
std::vector<std::string> g_lookups;
std::map<std::string, std::string> g_global_options;
constexpr std::size_t kMaxLookups = 64;
bool g_keep_log = true;
bool g_initialised = false;
char g_store_name[] = "saslpair";

int get_path(void* /*context*/, const char** path) {
  *path = g_plugin_dir.c_str();
  return SASL_OK;
}

int log_line(void* /*context*/, int level, const char* message) {
  const std::lock_guard lock(g_mutex);
  if (!g_keep_log) {
    return SASL_OK;
  }
  g_log.push_back(std::to_string(level) + " " + (message != nullptr ? message : ""));
  return SASL_OK;
}

// Global options: only our mechanism, only our store, and what set_global_options added (a
// plugin that reads options at plug_init sees only these).
int global_getopt(void* /*context*/, const char* /*plugin*/, const char* option,
                  const char** result, unsigned* len) {
  if (const auto it = g_global_options.find(option); it != g_global_options.end()) {
    *result = it->second.c_str();
  } else if (std::strcmp(option, "mech_list") == 0) {
    *result = "DIGEST-MD5";
  } else if (std::strcmp(option, "auxprop_plugin") == 0) {
    *result = g_store_name;
  } else {
    return SASL_FAIL;
  }
  if (len != nullptr) {
    *len = static_cast<unsigned>(std::strlen(*result));
  }
  return SASL_OK;
}

// Per-connection options come from Side::options.
int side_getopt(void* context, const char* plugin, const char* option, const char** result,
                unsigned* len) {
  const auto* side = static_cast<const Side*>(context);
  if (const auto it = side->options.find(option); it != side->options.end()) {
    *result = it->second.c_str();
    if (len != nullptr) {
      *len = static_cast<unsigned>(it->second.size());
    }
    return SASL_OK;
  }
  return global_getopt(nullptr, plugin, option, result, len);
}

// split_account parses a looked-up name the way sasldb does (_plug_parseuser): at the first '@',
// else the user_realm, else the server FQDN.
std::pair<std::string, std::string> split_account(const sasl_server_params_t& sp,
                                                  const std::string& name) {
  if (const auto at = name.find('@'); at != std::string::npos) {
    return {name.substr(0, at), name.substr(at + 1)};
  }
  const char* realm = sp.user_realm != nullptr && sp.user_realm[0] != '\0' ? sp.user_realm
                                                                            : sp.serverFQDN;
  return {name, realm != nullptr ? realm : ""};
}

bool matches(const User& u, const std::string& name, const std::string& user,
             const std::string& realm) {
  if (!u.realm.empty()) {
    return u.name == user && u.realm == realm;
  }
  return u.name == name || u.name == user;
}

// set_values adds `first` (when non-empty) and `more` as the values of `prop`: prop_set with the
// name starts the property, with NULL it appends a value to the same one.
void set_values(const sasl_utils_t* utils, propctx* ctx, const char* prop, const std::string* first,
                const std::vector<std::string>& more) {
  const char* name = prop;
  if (first != nullptr && !first->empty()) {
    utils->prop_set(ctx, name, first->data(), static_cast<int>(first->size()));
    name = nullptr;
  }
  for (const auto& v : more) {
    utils->prop_set(ctx, name, v.data(), static_cast<int>(v.size()));
    name = nullptr;
  }
}

int store_lookup(void* /*glob*/, sasl_server_params_t* sparams, unsigned flags, const char* user,
                 unsigned ulen) {
  if ((flags & SASL_AUXPROP_AUTHZID) != 0) {
    return SASL_OK;
  }
  const std::string name(user, ulen);
  const auto [bare, realm] = split_account(*sparams, name);
  // The values go from the store into the property context without a copy of ours in between
  // (tests/test_secrets scans freed memory for them), so the lock is held throughout.
  const std::lock_guard lock(g_mutex);
  // Bounded, so that long runs that never take them (benchmark, RSS loop) do not grow.
  if (g_lookups.size() < kMaxLookups) {
    g_lookups.push_back(bare + "|" + realm);
  }
  const User* found = nullptr;
  for (const auto& u : g_users) {
    if (matches(u, name, bare, realm)) {
      found = &u;
    }
  }
  if (found == nullptr) {
    return SASL_NOUSER;
  }
  const propval* to_fetch = sparams->utils->prop_get(sparams->propctx);
  for (const propval* p = to_fetch; p != nullptr && p->name != nullptr; ++p) {
    const bool is_password = std::strcmp(p->name, SASL_AUX_PASSWORD) == 0;
    const bool is_ss = std::strcmp(p->name, "*cmusaslsecretDIGEST-MD5") == 0;
    if (!is_password && !is_ss) {
      continue;
    }
    if (p->values != nullptr) {
      sparams->utils->prop_erase(sparams->propctx, p->name);
    }
    if (is_password) {
      set_values(sparams->utils, sparams->propctx, p->name, &found->password,
                 found->more_passwords);
    } else {
      set_values(sparams->utils, sparams->propctx, p->name, nullptr, found->stored_ss);
    }
  }
  return SASL_OK;
}

int store_init(const sasl_utils_t* /*utils*/, int max_version, int* out_version,
               sasl_auxprop_plug_t** plug, const char* /*name*/) {
  static sasl_auxprop_plug_t store{};
  if (max_version < SASL_AUXPROP_PLUG_VERSION) {
    return SASL_BADVERS;
  }
  store.auxprop_lookup = &store_lookup;
  store.name = g_store_name;
  *out_version = SASL_AUXPROP_PLUG_VERSION;
  *plug = &store;
  return SASL_OK;
}

using Proc = int (*)();
template <typename F>
Proc as_proc(F f) {
  // void(*)() is GCC's sanctioned generic function pointer type for such casts.
  return reinterpret_cast<Proc>(reinterpret_cast<void (*)()>(f));
}

// Client callbacks answer from Options unless prompts were asked for.
int client_simple(void* context, int id, const char** result, unsigned* len) {
  const auto* o = static_cast<const Options*>(context);
  const std::string& v = id == SASL_CB_USER ? o->authzid : o->authid;
  *result = v.c_str();
  if (len != nullptr) {
    *len = static_cast<unsigned>(v.size());
  }
  return SASL_OK;
}

int client_secret(sasl_conn_t* /*conn*/, void* context, int /*id*/, sasl_secret_t** psecret) {
  // The secret must outlive the step; keep one per thread of the demo/test (never freed early).
  thread_local std::vector<unsigned char> storage;
  const auto* o = static_cast<const Options*>(context);
  storage.assign(sizeof(sasl_secret_t) + o->password.size(), 0);
  auto* secret = reinterpret_cast<sasl_secret_t*>(storage.data());
  secret->len = o->password.size();
  std::memcpy(secret->data, o->password.data(), o->password.size());
  *psecret = secret;
  return SASL_OK;
}

int client_realm(void* context, int /*id*/, const char** availrealms, const char** result) {
  const auto* o = static_cast<const Options*>(context);
  if (!o->realm.empty()) {
    *result = o->realm.c_str();
  } else {
    *result = availrealms != nullptr ? availrealms[0] : nullptr;
  }
  return SASL_OK;
}

int proxy_policy(sasl_conn_t* conn, void* context, const char* requested, unsigned rlen,
                 const char* auth_identity, unsigned alen, const char* /*def_realm*/,
                 unsigned /*urlen*/, propctx* /*propctx*/) {
  const auto* o = static_cast<const Options*>(context);
  const std::string authzid(requested, rlen);
  const std::string authid(auth_identity, alen);
  if (authzid == authid) {
    return SASL_OK;
  }
  for (const auto& [from, to] : o->proxies) {
    if (from == authid && to == authzid) {
      return SASL_OK;
    }
  }
  sasl_seterror(conn, 0, "proxy authorization refused");
  return SASL_NOAUTHZ;
}

// server_canon refuses Options::refuse_authzid as an authorization id (as an application's
// canonicalisation callback may) and passes every other name through unchanged.
int server_canon(sasl_conn_t* conn, void* context, const char* in, unsigned inlen, unsigned flags,
                 const char* /*user_realm*/, char* out, unsigned out_max, unsigned* out_len) {
  const auto* o = static_cast<const Options*>(context);
  const std::string name(in, inlen);
  if ((flags & SASL_CU_AUTHID) == 0 && !o->refuse_authzid.empty() && name == o->refuse_authzid) {
    sasl_seterror(conn, 0, "authorization id refused by the application");
    return SASL_NOAUTHZ;
  }
  if (inlen > out_max) {
    return SASL_BUFOVER;
  }
  std::memcpy(out, in, inlen);
  *out_len = inlen;
  return SASL_OK;
}

sasl_security_properties_t props_of(const Side& s) {
  sasl_security_properties_t p{};
  p.min_ssf = s.min_ssf;
  p.max_ssf = s.max_ssf;
  p.maxbufsize = s.maxbufsize;
  return p;
}

}  // namespace

void set_global_options(std::map<std::string, std::string> options) {
  g_global_options = std::move(options);
}

int init(const std::string& plugin_dir, const std::string& client_plugin_dir) {
  if (g_initialised) {
    return SASL_OK;
  }
  g_plugin_dir = plugin_dir;
  static sasl_callback_t global[] = {
      {SASL_CB_GETPATH, as_proc(&get_path), nullptr},
      {SASL_CB_LOG, as_proc(&log_line), nullptr},
      {SASL_CB_GETOPT, as_proc(&global_getopt), nullptr},
      {SASL_CB_LIST_END, nullptr, nullptr},
  };
  int rc = sasl_server_init(global, "saslpair");
  if (rc != SASL_OK) {
    return rc;
  }
  rc = sasl_auxprop_add_plugin(g_store_name, &store_init);
  if (rc != SASL_OK) {
    return rc;
  }
  // libsasl2 asks for the path again when the client side loads its plugins.
  if (!client_plugin_dir.empty()) {
    g_plugin_dir = client_plugin_dir;
  }
  rc = sasl_client_init(global);
  g_initialised = rc == SASL_OK;
  return rc;
}

void set_users(std::vector<User> users) {
  const std::lock_guard lock(g_mutex);
  g_users = std::move(users);
}

std::vector<std::string> take_lookups() {
  const std::lock_guard lock(g_mutex);
  return std::exchange(g_lookups, {});
}

std::vector<std::string> take_log() {
  const std::lock_guard lock(g_mutex);
  return std::exchange(g_log, {});
}

void set_log_capture(bool keep) {
  const std::lock_guard lock(g_mutex);
  g_keep_log = keep;
}

Pair::Pair(Options options) : m_options(std::move(options)) {
  void* ctx = &m_options;
  m_client_callbacks.push_back({SASL_CB_GETOPT, as_proc(&side_getopt), &m_options.client});
  if (m_options.use_prompts) {
    for (const int id : {SASL_CB_AUTHNAME, SASL_CB_USER, SASL_CB_PASS, SASL_CB_GETREALM}) {
      m_client_callbacks.push_back({static_cast<unsigned long>(id), nullptr, nullptr});
    }
  } else {
    m_client_callbacks.push_back({SASL_CB_AUTHNAME, as_proc(&client_simple), ctx});
    m_client_callbacks.push_back({SASL_CB_USER, as_proc(&client_simple), ctx});
    m_client_callbacks.push_back({SASL_CB_PASS, as_proc(&client_secret), ctx});
    m_client_callbacks.push_back({SASL_CB_GETREALM, as_proc(&client_realm), ctx});
  }
  m_client_callbacks.push_back({SASL_CB_LIST_END, nullptr, nullptr});
  m_server_callbacks.push_back({SASL_CB_GETOPT, as_proc(&side_getopt), &m_options.server});
  m_server_callbacks.push_back({SASL_CB_PROXY_POLICY, as_proc(&proxy_policy), ctx});
  if (!m_options.refuse_authzid.empty()) {
    m_server_callbacks.push_back({SASL_CB_CANON_USER, as_proc(&server_canon), ctx});
  }
  m_server_callbacks.push_back({SASL_CB_LIST_END, nullptr, nullptr});

  const char* realm = m_options.user_realm.empty() ? nullptr : m_options.user_realm.c_str();
  const unsigned http_flag = m_options.http ? SASL_NEED_HTTP : 0;
  if (sasl_client_new(m_options.service.c_str(), m_options.fqdn.c_str(), nullptr, nullptr,
                      m_client_callbacks.data(), http_flag, &m_client) != SASL_OK) {
    m_client = nullptr;
  }
  if (sasl_server_new(m_options.service.c_str(), m_options.fqdn.c_str(), realm, nullptr, nullptr,
                      m_server_callbacks.data(),
                      (m_options.success_data ? SASL_SUCCESS_DATA : 0) | http_flag,
                      &m_server) != SASL_OK) {
    m_server = nullptr;
  }
  if (m_options.http && m_options.http_set_request) {
    // libsasl2 stores the pointer, not a copy: the request lives as long as the Pair.
    m_http_request.method = m_options.http_method.c_str();
    m_http_request.uri = m_options.http_uri.c_str();
    m_http_request.entity = reinterpret_cast<const unsigned char*>(m_options.http_body.data());
    m_http_request.elen = m_options.http_body.size();
    m_http_request.non_persist = 0;
    for (sasl_conn_t* conn : {m_client, m_server}) {
      if (conn != nullptr) {
        sasl_setprop(conn, SASL_HTTP_REQUEST, &m_http_request);
      }
    }
  }
  if (m_client != nullptr) {
    const auto p = props_of(m_options.client);
    sasl_setprop(m_client, SASL_SEC_PROPS, &p);
  }
  if (m_server != nullptr) {
    const auto p = props_of(m_options.server);
    sasl_setprop(m_server, SASL_SEC_PROPS, &p);
  }
}

Pair::~Pair() {
  sasl_dispose(&m_client);
  sasl_dispose(&m_server);
}

void Pair::inject(std::size_t index, std::string replacement) {
  m_injections[index] = [r = std::move(replacement)](const std::string&) { return r; };
}

void Pair::transform(std::size_t index, std::function<std::string(const std::string&)> edit) {
  m_injections[index] = std::move(edit);
}

std::string Pair::deliver(std::size_t index, const char* data, unsigned len) {
  std::string text = data != nullptr ? std::string(data, len) : std::string();
  if (const auto it = m_injections.find(index); it != m_injections.end()) {
    text = it->second(text);
  }
  if (m_options.keep_transcript) {
    m_transcript.push_back({index % 2 == 0 ? "S" : "C", text});
  }
  return text;
}

void Pair::answer(sasl_interact_t* prompts) {
  for (sasl_interact_t* p = prompts; p != nullptr && p->id != SASL_CB_LIST_END; ++p) {
    const std::string* v = nullptr;
    switch (p->id) {
      case SASL_CB_AUTHNAME:
        v = &m_options.authid;
        break;
      case SASL_CB_USER:
        v = &m_options.authzid;
        break;
      case SASL_CB_PASS:
        v = &m_options.password;
        break;
      case SASL_CB_GETREALM:
        v = &m_options.realm;
        break;
      default:
        break;
    }
    if (p->id == SASL_CB_GETREALM && p->challenge != nullptr) {
      m_realm_prompt = p->challenge;
    }
    if (p->id == SASL_CB_GETREALM && m_options.realm.empty() && p->defresult != nullptr) {
      p->result = p->defresult;
      p->len = static_cast<unsigned>(std::strlen(p->defresult));
    } else if (v != nullptr) {
      p->result = v->c_str();
      p->len = static_cast<unsigned>(v->size());
    }
  }
}

int Pair::client_start(const char** out, unsigned* outlen) {
  sasl_interact_t* prompts = nullptr;
  const char* mech = nullptr;
  for (int round = 0; round < 4; ++round) {
    const int rc = sasl_client_start(m_client, "DIGEST-MD5", &prompts, out, outlen, &mech);
    if (rc != SASL_INTERACT) {
      return rc;
    }
    answer(prompts);  // libsasl2 continues the same exchange when called again with them
  }
  return SASL_INTERACT;
}

int Pair::client_step(const char* in, unsigned inlen, const char** out, unsigned* outlen) {
  sasl_interact_t* prompts = nullptr;
  for (int round = 0; round < 4; ++round) {
    const int rc = sasl_client_step(m_client, in, inlen, &prompts, out, outlen);
    if (rc != SASL_INTERACT) {
      return rc;
    }
    answer(prompts);
  }
  return SASL_INTERACT;
}

int Pair::run() {
  if (m_client == nullptr || m_server == nullptr) {
    return SASL_FAIL;
  }
  const char* out = nullptr;
  unsigned outlen = 0;
  m_client_rc = client_start(&out, &outlen);
  if (m_client_rc != SASL_CONTINUE && m_client_rc != SASL_OK) {
    return m_client_rc;
  }
  if (m_options.keep_transcript && out != nullptr) {
    m_initial_response.assign(out, outlen);
  }
  const char* sout = nullptr;
  unsigned soutlen = 0;
  m_server_rc = sasl_server_start(m_server, "DIGEST-MD5", out, outlen, &sout, &soutlen);
  m_server_results.push_back(m_server_rc);
  std::size_t index = 0;
  while (m_server_rc == SASL_CONTINUE || m_server_rc == SASL_OK) {
    // Both done: any bytes left in the server's output were already delivered.
    if (m_server_rc == SASL_OK && m_client_rc == SASL_OK) {
      break;
    }
    const std::string to_client = deliver(index++, sout, soutlen);
    m_client_rc = client_step(to_client.data(), static_cast<unsigned>(to_client.size()), &out,
                              &outlen);
    if (m_client_rc != SASL_OK && m_client_rc != SASL_CONTINUE) {
      return m_client_rc;
    }
    if (m_server_rc == SASL_OK) {
      break;
    }
    const std::string to_server = deliver(index++, out, outlen);
    m_server_rc = sasl_server_step(m_server, to_server.data(),
                                   static_cast<unsigned>(to_server.size()), &sout, &soutlen);
    m_server_results.push_back(m_server_rc);
    if (index > 8) {
      return SASL_FAIL;
    }
  }
  if (m_server_rc != SASL_OK) {
    return m_server_rc;
  }
  return m_client_rc;
}

std::string Pair::start_client_only() {
  if (m_client == nullptr) {
    return {};
  }
  const char* out = nullptr;
  unsigned outlen = 0;
  m_client_rc = client_start(&out, &outlen);
  return out != nullptr ? std::string(out, outlen) : std::string();
}

std::string Pair::client_error() const {
  const char* e = m_client != nullptr ? sasl_errdetail(m_client) : nullptr;
  return e != nullptr ? e : "";
}
std::string Pair::server_error() const {
  const char* e = m_server != nullptr ? sasl_errdetail(m_server) : nullptr;
  return e != nullptr ? e : "";
}

unsigned Pair::ssf(bool server_side) const {
  const void* v = nullptr;
  if (sasl_getprop(server_side ? m_server : m_client, SASL_SSF, &v) != SASL_OK || v == nullptr) {
    return 0;
  }
  return *static_cast<const sasl_ssf_t*>(v);
}

unsigned Pair::maxoutbuf(bool server_side) const {
  const void* v = nullptr;
  if (sasl_getprop(server_side ? m_server : m_client, SASL_MAXOUTBUF, &v) != SASL_OK ||
      v == nullptr) {
    return 0;
  }
  return *static_cast<const unsigned*>(v);
}

std::string Pair::server_username() const {
  const void* v = nullptr;
  if (sasl_getprop(m_server, SASL_USERNAME, &v) != SASL_OK || v == nullptr) {
    return "";
  }
  return static_cast<const char*>(v);
}

std::string Pair::server_authid() const {
  const void* v = nullptr;
  if (sasl_getprop(m_server, SASL_AUTHUSER, &v) != SASL_OK || v == nullptr) {
    return "";
  }
  return static_cast<const char*>(v);
}

}  // namespace saslpair
