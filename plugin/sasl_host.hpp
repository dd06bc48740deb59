// SPDX-License-Identifier: BSD-3-Clause
// sasl_host.hpp: the core's Host ports implemented over libsasl2's utils and params.
#pragma once

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto.hpp"
#include "common/host.hpp"

namespace digestmd5::plugin {

// log_to writes one line "DIGEST-MD5: <message>" through utils->log.
void log_to(const sasl_utils_t* utils, LogLevel level, std::string_view message);
// error_to records `message` for sasl_errdetail() without logging it again.
void error_to(const sasl_utils_t* utils, std::string_view message);
// read_option returns the value of a DIGEST-MD5 option from the application's getopt.
std::optional<std::string> read_option(const sasl_utils_t* utils, const char* name);

// store_secret is the server plug's setpass: it stores (or, with no password, removes) the
// account's cmusaslsecretDIGEST-MD5 = SS, so that no plaintext password need be kept
// (docs/protocol.md §4.6). It returns a SASL code; SASL_NOCHANGE when no store is writable.
int store_secret(const Crypto& crypto, sasl_server_params_t& params, std::string_view user,
                 const std::optional<ByteView>& password);

class SaslServerHost final : public ServerHost {
 public:
  SaslServerHost(sasl_server_params_t& params, sasl_out_params_t& oparams) noexcept
      : m_params(params), m_oparams(oparams) {}
  void log(LogLevel level, std::string_view message) override;
  void set_error(std::string_view message) override;
  [[nodiscard]] std::string_view service() const override;
  [[nodiscard]] std::string_view server_fqdn() const override;
  [[nodiscard]] std::string_view user_realm() const override;
  [[nodiscard]] SecurityProps props() const override;
  Result<StoredSecret> canonicalise_and_fetch(std::string_view user,
                                              std::string_view authzid) override;

 private:
  sasl_server_params_t& m_params;
  sasl_out_params_t& m_oparams;
};

// PromptState keeps the strings our prompts point at alive until the application answers.
struct PromptState {
  std::string realm_challenge;
  std::string realm_default;
  // The authid and authzid as names() read them (from callbacks or answered prompts), reused by
  // identity() so that the application is not asked twice.
  std::optional<std::string> authid;
  std::string authzid;
};

class SaslClientHost final : public ClientHost {
 public:
  SaslClientHost(sasl_client_params_t& params, sasl_interact_t** prompt_need,
                 sasl_out_params_t& oparams, PromptState& prompts) noexcept
      : m_params(params), m_prompt_need(prompt_need), m_oparams(oparams), m_prompts(prompts) {}
  void log(LogLevel level, std::string_view message) override;
  void set_error(std::string_view message) override;
  [[nodiscard]] std::string_view service() const override;
  [[nodiscard]] std::string_view server_fqdn() const override;
  [[nodiscard]] SecurityProps props() const override;
  Result<ClientIdentity> identity(const std::vector<std::string>& offered_realms,
                                  bool ask_realm) override;
  std::optional<ClientNames> known_names() override;
  Result<ClientNames> names() override;

 private:
  struct Answers;
  // gather collects each answer from a filled prompt or a callback, or notes a prompt to make.
  Result<Answers> gather(const std::vector<std::string>& offered, bool ask_realm);
  // ask_for_missing frees the application's filled prompts and, if an answer is still needed,
  // publishes new ones and fails with Interact.
  Status ask_for_missing(const Answers& a, const std::vector<std::string>& offered);
  // canonicalise runs canon_user for the authid and the authzid (both at once when equal).
  Status canonicalise(const std::string& authid, const std::string& authzid);

  sasl_client_params_t& m_params;
  sasl_interact_t** m_prompt_need;
  sasl_out_params_t& m_oparams;
  PromptState& m_prompts;
};

}  // namespace digestmd5::plugin
