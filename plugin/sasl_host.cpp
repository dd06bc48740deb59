// SPDX-License-Identifier: BSD-3-Clause
// sasl_host.cpp: logging, options, user store, callbacks and prompts through libsasl2.
#include "plugin/sasl_host.hpp"

#include <openssl/crypto.h>
#include <sasl/prop.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "common/account.hpp"
#include "common/digest.hpp"
#include "common/encoding.hpp"

namespace digestmd5::plugin {
namespace {

constexpr int sasl_level(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::Error:
      return SASL_LOG_ERR;
    case LogLevel::Fail:
      return SASL_LOG_FAIL;
    case LogLevel::Warn:
      return SASL_LOG_WARN;
    case LogLevel::Note:
      return SASL_LOG_NOTE;
    case LogLevel::Debug:
      return SASL_LOG_DEBUG;
  }
  return SASL_LOG_ERR;
}

// find_prompt returns the application's answer to a prompt we created, or nullptr.
const sasl_interact_t* find_prompt(sasl_interact_t** list, unsigned long id) noexcept {
  if (list == nullptr || *list == nullptr) {
    return nullptr;
  }
  for (const sasl_interact_t* p = *list; p->id != SASL_CB_LIST_END; ++p) {
    if (p->id == id) {
      return p;
    }
  }
  return nullptr;
}

// Answer is one piece of client identity: known, to be prompted for, or unavailable.
struct Answer {
  enum class State { Known, NeedPrompt, Unavailable } state = State::Unavailable;
  SecureBytes value;
};

Answer from_prompt(const sasl_interact_t& p) {
  Answer a;
  a.state = Answer::State::Known;
  if (p.result != nullptr) {
    const auto* bytes = static_cast<const std::uint8_t*>(p.result);
    a.value.assign(bytes, bytes + p.len);
  }
  return a;
}

Answer from_cstring(const char* s, unsigned len) {
  Answer a;
  a.state = Answer::State::Known;
  if (s != nullptr) {
    const std::size_t n = len != 0 ? len : std::strlen(s);
    a.value.assign(s, s + n);
  }
  return a;
}

Result<Answer> get_simple(const sasl_utils_t* utils, sasl_interact_t** prompts, int id) {
  if (const auto* p = find_prompt(prompts, static_cast<unsigned long>(id))) {
    return from_prompt(*p);
  }
  if (utils->getcallback == nullptr) {
    return Answer{};
  }
  sasl_getsimple_t* proc = nullptr;
  void* context = nullptr;
  const int rc = utils->getcallback(utils->conn, static_cast<unsigned long>(id),
                                    reinterpret_cast<sasl_callback_ft*>(&proc), &context);
  if (rc == SASL_INTERACT) {
    return Answer{Answer::State::NeedPrompt, {}};
  }
  if (rc != SASL_OK || proc == nullptr) {
    return Answer{};
  }
  const char* result = nullptr;
  unsigned len = 0;
  if (proc(context, id, &result, &len) != SASL_OK) {
    return fail(Errc::BadParam, "the application's callback failed");
  }
  return from_cstring(result, len);
}

Result<Answer> get_password(const sasl_utils_t* utils, sasl_interact_t** prompts) {
  if (const auto* p = find_prompt(prompts, SASL_CB_PASS)) {
    return from_prompt(*p);
  }
  if (utils->getcallback == nullptr) {
    return Answer{};
  }
  sasl_getsecret_t* proc = nullptr;
  void* context = nullptr;
  const int rc = utils->getcallback(utils->conn, SASL_CB_PASS,
                                    reinterpret_cast<sasl_callback_ft*>(&proc), &context);
  if (rc == SASL_INTERACT) {
    return Answer{Answer::State::NeedPrompt, {}};
  }
  if (rc != SASL_OK || proc == nullptr) {
    return Answer{};
  }
  sasl_secret_t* secret = nullptr;
  if (proc(utils->conn, context, SASL_CB_PASS, &secret) != SASL_OK || secret == nullptr) {
    return fail(Errc::BadParam, "the application's password callback failed");
  }
  Answer a;
  a.state = Answer::State::Known;
  a.value.assign(secret->data, secret->data + secret->len);
  return a;
}

// get_realm asks the application for the realm: its callback (given the offered list), a filled
// prompt, or, when `ask` (the core wants a choice among several), a prompt to create. Without
// any of these the answer is Unavailable and the core chooses (docs/protocol.md §5).
Result<Answer> get_realm(const sasl_utils_t* utils, sasl_interact_t** prompts,
                         const std::vector<std::string>& offered, bool ask) {
  if (const auto* p = find_prompt(prompts, SASL_CB_GETREALM)) {
    return from_prompt(*p);
  }
  if (utils->getcallback == nullptr) {
    return Answer{};
  }
  sasl_getrealm_t* proc = nullptr;
  void* context = nullptr;
  const int rc = utils->getcallback(utils->conn, SASL_CB_GETREALM,
                                    reinterpret_cast<sasl_callback_ft*>(&proc), &context);
  if (rc == SASL_OK && proc != nullptr) {
    std::vector<const char*> list;
    for (const auto& r : offered) {
      list.push_back(r.c_str());
    }
    list.push_back(nullptr);
    const char* result = nullptr;
    if (proc(context, SASL_CB_GETREALM, list.data(), &result) != SASL_OK) {
      return fail(Errc::BadParam, "the application's realm callback failed");
    }
    if (result != nullptr) {
      return from_cstring(result, 0);
    }
  }
  if (ask && rc == SASL_INTERACT) {
    return Answer{Answer::State::NeedPrompt, {}};
  }
  return Answer{};
}

// Missing is one prompt the application must answer before we can go on.
struct Missing {
  unsigned long id;
  const char* challenge;
  const char* prompt;
  const char* defresult;
};

// publish_prompts hands the application a SASL_CB_LIST_END-terminated array of `missing`.
Status publish_prompts(const sasl_utils_t* utils, sasl_interact_t** prompt_need,
                       const std::vector<Missing>& missing) {
  if (prompt_need == nullptr) {
    return fail(Errc::BadParam, "credentials needed but the application allows no prompts");
  }
  const std::size_t bytes = sizeof(sasl_interact_t) * (missing.size() + 1);
  auto* prompts = static_cast<sasl_interact_t*>(utils->malloc(bytes));
  if (prompts == nullptr) {
    return fail(Errc::NoMemory, "cannot allocate prompts");
  }
  std::memset(prompts, 0, bytes);
  for (std::size_t i = 0; i < missing.size(); ++i) {
    prompts[i].id = missing[i].id;
    prompts[i].challenge = missing[i].challenge;
    prompts[i].prompt = missing[i].prompt;
    prompts[i].defresult = missing[i].defresult;
  }
  prompts[missing.size()].id = SASL_CB_LIST_END;
  *prompt_need = prompts;
  return fail(Errc::Interact, "interaction needed");
}

// add_name_prompts asks for the authentication and the authorization name where their answers
// need a prompt.
void add_name_prompts(const Answer& authid, const Answer& authzid, std::vector<Missing>& missing) {
  if (authid.state == Answer::State::NeedPrompt) {
    missing.push_back({SASL_CB_AUTHNAME, "Authentication Name",
                       "Please enter your authentication name", nullptr});
  }
  if (authzid.state == Answer::State::NeedPrompt) {
    missing.push_back(
        {SASL_CB_USER, "Authorization Name", "Please enter your authorization name", nullptr});
  }
}

// replace_prompts releases the application's filled prompt array (its answers have been copied)
// and, when anything is still missing, publishes new prompts and fails with Interact.
Status replace_prompts(const sasl_utils_t* utils, sasl_interact_t** prompt_need,
                       const std::vector<Missing>& missing) {
  if (prompt_need != nullptr && *prompt_need != nullptr) {
    utils->free(*prompt_need);
    *prompt_need = nullptr;
  }
  if (missing.empty()) {
    return {};
  }
  return publish_prompts(utils, prompt_need, missing);
}

std::string to_string(const SecureBytes& b) { return std::string(b.begin(), b.end()); }

}  // namespace

void log_to(const sasl_utils_t* utils, LogLevel level, std::string_view message) {
  // libsasl2's formatter knows only %s, %m, %z and %d, so pass a NUL-terminated copy.
  if (utils != nullptr && utils->log != nullptr) {
    const std::string text(message);
    utils->log(utils->conn, sasl_level(level), "DIGEST-MD5: %s", text.c_str());
  }
}

void error_to(const sasl_utils_t* utils, std::string_view message) {
  if (utils != nullptr && utils->seterror != nullptr) {
    const std::string text(message);
    utils->seterror(utils->conn, SASL_NOLOG, "DIGEST-MD5: %s", text.c_str());
  }
}

std::optional<std::string> read_option(const sasl_utils_t* utils, const char* name) {
  if (utils == nullptr || utils->getopt == nullptr) {
    return std::nullopt;
  }
  const char* value = nullptr;
  unsigned len = 0;
  if (utils->getopt(utils->getopt_context, "DIGEST-MD5", name, &value, &len) != SASL_OK ||
      value == nullptr) {
    return std::nullopt;
  }
  return std::string(value, len != 0 ? len : std::strlen(value));
}

void SaslServerHost::log(LogLevel level, std::string_view message) {
  log_to(m_params.utils, level, message);
}
void SaslServerHost::set_error(std::string_view message) { error_to(m_params.utils, message); }
std::string_view SaslServerHost::service() const {
  return m_params.service != nullptr ? m_params.service : "";
}
std::string_view SaslServerHost::server_fqdn() const {
  return m_params.serverFQDN != nullptr ? m_params.serverFQDN : "";
}
std::string_view SaslServerHost::user_realm() const {
  return m_params.user_realm != nullptr ? m_params.user_realm : "";
}
SecurityProps SaslServerHost::props() const {
  return SecurityProps{m_params.props.min_ssf, m_params.props.max_ssf, m_params.external_ssf,
                       m_params.props.maxbufsize};
}

namespace {

constexpr const char* kPasswordProp = SASL_AUX_PASSWORD;  // "*userPassword"
// SS is read under two names: the one our setpass writes, and the SASL v1 name that other tools
// may have filled. saslpasswd2 deletes the v1 name after every sasl_setpass (whatever the
// mechanisms stored), so setpass cannot use it (docs/protocol.md §4.6).
constexpr const char* kSetpassSsProp = "*cmusaslsecretDIGEST-MD5-SS";
constexpr const char* kLegacySsProp = "*cmusaslsecretDIGEST-MD5";
constexpr std::size_t kStoredSsOctets = 16;
// Our setpass writes SS as 32 lower-case hex digits: sasldb (and other stores that treat values
// as strings) keeps a value only up to its first NUL octet, and about one SS in sixteen has one.
constexpr std::size_t kStoredSsHexDigits = 2 * kStoredSsOctets;
constexpr std::size_t kSecretProps = 3;
const char* const kSecretNames[kSecretProps + 1] = {kPasswordProp, kSetpassSsProp, kLegacySsProp,
                                                    nullptr};
// sasldb opens its database once for every property asked for, so the v1 name is asked for only
// when the first two give nothing usable: one database open per lookup fewer for every user that
// has a password or setpass's SS (about 40 us of a slapd bind; README, "Performance in
// servers"), one lookup more for the rare account that has only the v1 secret.
const char* const kFirstRound[] = {kPasswordProp, kSetpassSsProp, nullptr};
const char* const kLegacyRound[] = {kLegacySsProp, nullptr};

bool has_value(const propval& p) noexcept {
  return p.name != nullptr && p.values != nullptr && p.values[0] != nullptr;
}

// SecretRequest asks the auxprop layer for the user's secrets and, when it goes out of scope,
// erases whatever the store returned: on success, for an unknown user and when canon_user
// refuses the authzid after the store has already answered for the authid.
class SecretRequest {
 public:
  using Values = std::array<propval, kSecretProps>;

  SecretRequest(const sasl_utils_t* utils, propctx* ctx) noexcept : m_utils(utils), m_ctx(ctx) {}
  SecretRequest(const SecretRequest&) = delete;
  SecretRequest& operator=(const SecretRequest&) = delete;
  ~SecretRequest() {
    wipe_single_binary_values();
    for (std::size_t i = 0; i < kSecretProps; ++i) {
      m_utils->prop_erase(m_ctx, kSecretNames[i]);
    }
  }

  // send asks for the first round of names; send_legacy for the v1 name as well.
  [[nodiscard]] bool send() noexcept {
    return m_utils->prop_request(m_ctx, const_cast<const char**>(kFirstRound)) == SASL_OK;
  }
  [[nodiscard]] bool send_legacy() noexcept {
    return m_utils->prop_request(m_ctx, const_cast<const char**>(kLegacyRound)) == SASL_OK;
  }

  // values returns the properties in kSecretNames order; false when none was asked for.
  [[nodiscard]] bool values(Values& out) const noexcept {
    return m_utils->prop_getnames(m_ctx, const_cast<const char**>(kSecretNames), out.data()) >= 0;
  }

 private:
  // prop_erase clears a value up to its first NUL octet only; a binary SS may hold 0x00, so a
  // single stored value is cleared over its whole recorded size first.
  void wipe_single_binary_values() const noexcept {
    Values v{};
    if (!values(v)) {
      return;
    }
    for (std::size_t i = 1; i < kSecretProps; ++i) {
      if (has_value(v[i]) && v[i].values[1] == nullptr) {
        // The value lives in libsasl2's property pool, which prop_erase writes through too.
        OPENSSL_cleanse(const_cast<char*>(v[i].values[0]), v[i].valsize);
      }
    }
  }

  const sasl_utils_t* m_utils;
  propctx* m_ctx;
};

// decode_stored_ss reads a stored SS: exactly one value, of 16 octets, or (setpass's own name
// only) of 32 lower-case hex digits. Anything else (an LDAP or SQL store can return several
// values, or a value of another length) is not read.
std::optional<Digest16> decode_stored_ss(const propval& p, bool hex_allowed) noexcept {
  if (!has_value(p) || p.values[1] != nullptr) {
    return std::nullopt;
  }
  Digest16 ss;
  if (p.valsize == kStoredSsOctets) {
    std::memcpy(ss.data(), p.values[0], kStoredSsOctets);
    return ss;
  }
  if (hex_allowed && p.valsize == kStoredSsHexDigits &&
      from_hex({p.values[0], kStoredSsHexDigits}, ss.bytes())) {
    return ss;
  }
  return std::nullopt;
}

}  // namespace

int store_secret(const Crypto& crypto, sasl_server_params_t& params, std::string_view user,
                 const std::optional<ByteView>& password) {
  const sasl_utils_t* utils = params.utils;
  if (utils->auxprop_store == nullptr ||
      utils->auxprop_store(nullptr, nullptr, nullptr) != SASL_OK || utils->prop_new == nullptr) {
    log_to(utils, LogLevel::Note, "no writable user store: cmusaslsecretDIGEST-MD5-SS not stored");
    return SASL_NOCHANGE;
  }
  const AccountContext where{params.user_realm != nullptr ? params.user_realm : "",
                             params.serverFQDN != nullptr ? params.serverFQDN : ""};
  const Account account = split_account_name(user, where);
  SecureBytes ss_hex;
  if (password) {
    // The ISO-8859-1 fold of docs/protocol.md §4.2, as the server tries first; a client whose
    // strings verify only as raw UTF-8 needs the plaintext password.
    const Digest16 ss = compute_ss(crypto, {account.user, account.realm, *password}, true);
    ss_hex = to_secure_hex(ss.bytes());
  }
  propctx* ctx = utils->prop_new(0);
  if (ctx == nullptr) {
    return SASL_NOMEM;
  }
  static const char* const kNames[] = {kSetpassSsProp + 1, nullptr};  // without the '*'
  int rc = utils->prop_request(ctx, const_cast<const char**>(kNames));
  if (rc == SASL_OK) {
    rc = utils->prop_set(ctx, kNames[0],
                         password ? reinterpret_cast<const char*>(ss_hex.data()) : nullptr,
                         password ? static_cast<int>(ss_hex.size()) : 0);
  }
  const std::string full = account.user + "@" + account.realm;
  if (rc == SASL_OK) {
    rc = utils->auxprop_store(utils->conn, ctx, full.c_str());
  }
  // The property context's copy of SS is wiped before it is freed.
  std::array<propval, 1> values{};
  if (utils->prop_getnames(ctx, const_cast<const char**>(kNames), values.data()) >= 0 &&
      values[0].values != nullptr && values[0].values[0] != nullptr) {
    OPENSSL_cleanse(const_cast<char*>(values[0].values[0]), values[0].valsize);
  }
  utils->prop_dispose(&ctx);
  if (rc != SASL_OK) {
    log_to(utils, LogLevel::Error, "cannot store cmusaslsecretDIGEST-MD5-SS in the user store");
    return rc;
  }
  return SASL_OK;
}

namespace {

// pick_secret chooses what to verify with: the password, else the first usable stored SS
// (setpass's name before the v1 one); an SS of any other shape is logged and never read.
Result<StoredSecret> pick_secret(const SecretRequest::Values& values, Host& host) {
  const propval& password = values[0];
  std::optional<Digest16> stored_ss;
  bool ss_present = false;
  for (std::size_t i = 1; i < kSecretProps; ++i) {
    ss_present = ss_present || has_value(values[i]);
    auto ss = decode_stored_ss(values[i], kSecretNames[i] == kSetpassSsProp);
    if (!stored_ss && ss) {
      stored_ss = std::move(ss);
    } else if (has_value(values[i]) && !ss) {
      host.log(LogLevel::Warn,
               kSecretNames[i] == kSetpassSsProp
                   ? "ignoring cmusaslsecretDIGEST-MD5-SS: it is not one value of 32 hex digits "
                     "(or 16 octets)"
                   : "ignoring cmusaslsecretDIGEST-MD5: it is not one value of 16 octets");
    }
  }
  StoredSecret secret;
  if (has_value(password)) {
    const char* p = password.values[0];
    secret.bytes.assign(p, p + std::strlen(p));
  } else if (stored_ss) {
    secret.kind = StoredSecret::Kind::Ss;
    secret.bytes.assign(stored_ss->bytes().begin(), stored_ss->bytes().end());
  } else if (ss_present) {
    return fail(Errc::NoUser, "the user's stored DIGEST-MD5 secret is unusable");
  } else {
    return fail(Errc::NoUser, "no secret in the user store");
  }
  return secret;
}

}  // namespace

Result<StoredSecret> SaslServerHost::canonicalise_and_fetch(std::string_view user,
                                                            std::string_view authzid) {
  const sasl_utils_t* utils = m_params.utils;
  // saslplug.h lets a framework leave canon_user (and so the lookup) out; libsasl2 never does.
  if (m_params.canon_user == nullptr || utils->prop_request == nullptr ||
      utils->prop_getnames == nullptr || utils->prop_erase == nullptr) {
    return fail(Errc::Internal, "the framework provides no canon_user or property functions");
  }
  SecretRequest request(utils, m_params.propctx);
  if (!request.send()) {
    return fail(Errc::Internal, "cannot request the user's secret");
  }
  const std::string user_z(user);
  const std::string authzid_z(authzid);
  unsigned flags = SASL_CU_AUTHID;
  if (authzid.empty()) {
    flags |= SASL_CU_AUTHZID;
  }
  // canon_user also runs the auxprop lookup that fills in the secret.
  int rc = m_params.canon_user(utils->conn, user_z.c_str(), 0, flags, &m_oparams);
  if (rc != SASL_OK) {
    if (rc == SASL_NOUSER) {
      return fail(Errc::NoUser, "user not found");
    }
    return fail(Errc::BadParam, "cannot canonicalise the authentication id");
  }
  if (!authzid.empty()) {
    rc = m_params.canon_user(utils->conn, authzid_z.c_str(), 0, SASL_CU_AUTHZID, &m_oparams);
    if (rc != SASL_OK) {
      return fail(Errc::NoAuthz, "cannot canonicalise the authorization id");
    }
  }
  SecretRequest::Values values{};
  if (!request.values(values)) {
    return fail(Errc::NoUser, "no secret in the user store");
  }
  if (!has_value(values[0]) && !decode_stored_ss(values[1], true)) {
    // Neither a password nor setpass's SS: look the v1 name up too (canon_user runs the lookup).
    if (!request.send_legacy() ||
        m_params.canon_user(utils->conn, user_z.c_str(), 0, SASL_CU_AUTHID, &m_oparams) !=
            SASL_OK ||
        !request.values(values)) {
      return fail(Errc::NoUser, "no secret in the user store");
    }
  }
  auto secret = pick_secret(values, *this);
  if (!secret) {
    return secret.error();
  }
  if (secret->bytes.empty()) {
    return fail(Errc::NoUser, "the user's stored secret is empty");
  }
  return secret;
}

void SaslClientHost::log(LogLevel level, std::string_view message) {
  log_to(m_params.utils, level, message);
}
void SaslClientHost::set_error(std::string_view message) { error_to(m_params.utils, message); }
std::string_view SaslClientHost::service() const {
  return m_params.service != nullptr ? m_params.service : "";
}
std::string_view SaslClientHost::server_fqdn() const {
  return m_params.serverFQDN != nullptr ? m_params.serverFQDN : "";
}
SecurityProps SaslClientHost::props() const {
  return SecurityProps{m_params.props.min_ssf, m_params.props.max_ssf, m_params.external_ssf,
                       m_params.props.maxbufsize};
}

// Answers are the application's raw answers for one identity() call.
struct SaslClientHost::Answers {
  Answer authid;
  Answer authzid;
  Answer password;
  Answer realm;
};

Result<SaslClientHost::Answers> SaslClientHost::gather(const std::vector<std::string>& offered,
                                                       bool ask_realm) {
  const sasl_utils_t* utils = m_params.utils;
  const auto kept = [](const std::string& v) {
    return Answer{Answer::State::Known, SecureBytes(v.begin(), v.end())};
  };
  auto authid = m_prompts.authid ? Result<Answer>(kept(*m_prompts.authid))
                                 : get_simple(utils, m_prompt_need, SASL_CB_AUTHNAME);
  if (!authid) {
    return authid.error();
  }
  auto authzid = m_prompts.authid ? Result<Answer>(kept(m_prompts.authzid))
                                  : get_simple(utils, m_prompt_need, SASL_CB_USER);
  if (!authzid) {
    return authzid.error();
  }
  auto password = get_password(utils, m_prompt_need);
  if (!password) {
    return password.error();
  }
  auto realm = get_realm(utils, m_prompt_need, offered, ask_realm);
  if (!realm) {
    return realm.error();
  }
  return Answers{std::move(*authid), std::move(*authzid), std::move(*password), std::move(*realm)};
}

Status SaslClientHost::ask_for_missing(const Answers& a, const std::vector<std::string>& offered) {
  std::vector<Missing> missing;
  add_name_prompts(a.authid, a.authzid, missing);
  if (a.password.state == Answer::State::NeedPrompt) {
    missing.push_back({SASL_CB_PASS, "Password", "Please enter your password", nullptr});
  }
  if (a.realm.state == Answer::State::NeedPrompt) {
    m_prompts.realm_challenge = "Available realms: ";
    for (std::size_t i = 0; i < offered.size(); ++i) {
      m_prompts.realm_challenge += (i == 0 ? "{" : ", {") + offered[i] + "}";
    }
    // The application reads these after we return, so they live in the connection.
    m_prompts.realm_default = offered.front();
    missing.push_back({SASL_CB_GETREALM, m_prompts.realm_challenge.c_str(),
                       "Please enter your realm", m_prompts.realm_default.c_str()});
  }
  return replace_prompts(m_params.utils, m_prompt_need, missing);
}

Status SaslClientHost::canonicalise(const std::string& authid, const std::string& authzid) {
  // A name libsasl2 cannot canonicalise fails inside it and leaks its copy: refuse it here.
  if (authid.size() > kCanonNameLimit || authzid.size() > kCanonNameLimit) {
    return fail(Errc::BadParam, "authentication or authorization name over 1024 octets");
  }
  const sasl_utils_t* utils = m_params.utils;
  if (m_params.canon_user == nullptr) {
    return fail(Errc::BadParam, "the framework provides no canon_user");
  }
  int rc = SASL_OK;
  if (!authzid.empty() && authzid != authid) {
    rc = m_params.canon_user(utils->conn, authid.c_str(), 0, SASL_CU_AUTHID, &m_oparams);
    if (rc == SASL_OK) {
      rc = m_params.canon_user(utils->conn, authzid.c_str(), 0, SASL_CU_AUTHZID, &m_oparams);
    }
  } else {
    rc = m_params.canon_user(utils->conn, authid.c_str(), 0, SASL_CU_AUTHID | SASL_CU_AUTHZID,
                             &m_oparams);
  }
  if (rc != SASL_OK || m_oparams.authid == nullptr || m_oparams.user == nullptr) {
    return fail(Errc::BadParam, "cannot canonicalise the user names");
  }
  return {};
}

std::optional<ClientNames> SaslClientHost::known_names() {
  const sasl_utils_t* utils = m_params.utils;
  auto authid = get_simple(utils, nullptr, SASL_CB_AUTHNAME);
  auto authzid = get_simple(utils, nullptr, SASL_CB_USER);
  if (!authid || !authzid || authid->state != Answer::State::Known || authid->value.empty() ||
      authzid->state == Answer::State::NeedPrompt) {
    return std::nullopt;
  }
  if (!canonicalise(to_string(authid->value), to_string(authzid->value))) {
    return std::nullopt;
  }
  return ClientNames{m_oparams.authid, m_oparams.user};
}

Result<ClientNames> SaslClientHost::names() {
  if (!m_prompts.authid) {
    const sasl_utils_t* utils = m_params.utils;
    auto authid = get_simple(utils, m_prompt_need, SASL_CB_AUTHNAME);
    if (!authid) {
      return authid.error();
    }
    auto authzid = get_simple(utils, m_prompt_need, SASL_CB_USER);
    if (!authzid) {
      return authzid.error();
    }
    std::vector<Missing> missing;
    add_name_prompts(*authid, *authzid, missing);
    if (const auto st = replace_prompts(utils, m_prompt_need, missing); !st) {
      return st.error();
    }
    if (authid->state != Answer::State::Known || authid->value.empty()) {
      return fail(Errc::Unavailable, "no authentication name");
    }
    m_prompts.authid = to_string(authid->value);
    m_prompts.authzid = to_string(authzid->value);
  }
  if (const auto st = canonicalise(*m_prompts.authid, m_prompts.authzid); !st) {
    return st.error();
  }
  return ClientNames{m_oparams.authid, m_oparams.user};
}

Result<ClientIdentity> SaslClientHost::identity(const std::vector<std::string>& offered_realms,
                                                bool ask_realm) {
  auto answers = gather(offered_realms, ask_realm);
  if (!answers) {
    return answers.error();
  }
  if (const auto st = ask_for_missing(*answers, offered_realms); !st) {
    return st.error();
  }
  if (answers->authid.state != Answer::State::Known || answers->authid.value.empty()) {
    return fail(Errc::BadParam, "no authentication name available");
  }
  if (answers->password.state != Answer::State::Known || answers->password.value.empty()) {
    return fail(Errc::BadParam, "no password available");
  }
  if (const auto st =
          canonicalise(to_string(answers->authid.value), to_string(answers->authzid.value));
      !st) {
    return st.error();
  }
  ClientIdentity id;
  id.authid = m_oparams.authid;
  id.authzid = m_oparams.user;
  id.password = std::move(answers->password.value);
  if (answers->realm.state == Answer::State::Known) {
    id.realm = to_string(answers->realm.value);
  }
  return id;
}

}  // namespace digestmd5::plugin
