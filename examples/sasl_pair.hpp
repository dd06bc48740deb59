// SPDX-License-Identifier: BSD-3-Clause
// sasl_pair.hpp: a libsasl2 client and server in one process, talking DIGEST-MD5 through the
// plugin found in a given directory, with an embedded user store (used by the demo and tests).
#pragma once

#include <sasl/sasl.h>

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace saslpair {

// User is one account of the embedded store. With `realm` set the store is realm-aware, as
// sasldb is: a looked-up name is split at its first '@' into user and realm, and a name without
// '@' is looked up in the server's user_realm, else in its FQDN. Without `realm` the entry
// matches `name` itself or that name in any realm (a single-realm store).
struct User {
  User(std::string name_, std::string password_, std::string realm_ = {})
      : name(std::move(name_)), password(std::move(password_)), realm(std::move(realm_)) {}
  std::string name;      // "alice" (or, without realm, "alice@REALM")
  std::string password;  // the first userPassword value; empty = none
  std::string realm;     // empty = any realm
  std::vector<std::string> more_passwords;  // further userPassword values (multi-valued)
  std::vector<std::string> stored_ss;       // cmusaslsecretDIGEST-MD5 values (binary allowed)
};

// init starts libsasl2 (client and server) once per process, loading plugins only from
// `plugin_dir`, and registers the embedded auxprop store. It returns a SASL code. With
// `client_plugin_dir`, the client side loads its mechanisms from there instead (so that one
// process can pair the stock server plugin with ours as client).
int init(const std::string& plugin_dir, const std::string& client_plugin_dir = {});
// set_global_options adds answers to the process-wide getopt (call before init).
void set_global_options(std::map<std::string, std::string> options);
// set_users replaces the embedded store.
void set_users(std::vector<User> users);
// take_lookups returns and clears the accounts the store was asked for, as "user|realm".
std::vector<std::string> take_lookups();
// take_log returns and clears the log lines libsasl2 and the plugin wrote.
std::vector<std::string> take_log();
// set_log_capture(false) drops log lines instead of keeping them for take_log(), so that a long
// run (the benchmark's thousands of handshakes) does not grow the process. On by default.
void set_log_capture(bool keep);

struct Side {
  sasl_ssf_t min_ssf = 0;
  sasl_ssf_t max_ssf = 256;
  unsigned maxbufsize = 65536;
  std::map<std::string, std::string> options;  // getopt answers (e.g. digestmd5_ciphers)
};

struct Options {
  std::string service = "imap";
  std::string fqdn = "mail.example.com";
  std::string user_realm;  // server's user_realm; empty = none
  std::string authid = "alice";
  std::string authzid;     // empty = none
  std::string password = "wonderland";
  std::string realm;       // client's realm answer; empty = let the plugin choose
  bool use_prompts = false;  // answer through SASL_INTERACT prompts instead of callbacks
  bool success_data = true;  // server may send rspauth with the outcome
  bool keep_transcript = true;  // false: run() records no messages (pairs kept alive in bulk)
  std::vector<std::pair<std::string, std::string>> proxies;  // allowed authid -> authzid
  std::string refuse_authzid;  // non-empty: the server's canon_user callback refuses this authzid
  // HTTP Digest mode (SASL_NEED_HTTP; set service to "HTTP" as Cyrus httpd does): both
  // connections get the request below as SASL_HTTP_REQUEST. The transcript is then the
  // challenge (WWW-Authenticate), the credentials (Authorization) and Authentication-Info.
  bool http = false;
  bool http_set_request = true;  // false: leave SASL_HTTP_REQUEST unset (tests the refusal)
  std::string http_method = "GET";
  std::string http_uri = "/cal/";
  std::string http_body;  // the entity body, hashed for qop=auth-int
  Side client;
  Side server;
};

struct Message {
  std::string from;  // "S" or "C"
  std::string text;
};

// Pair owns one client and one server connection.
class Pair {
 public:
  explicit Pair(Options options);
  ~Pair();
  Pair(const Pair&) = delete;
  Pair& operator=(const Pair&) = delete;

  // run performs the exchange; it returns SASL_OK when both sides finished successfully.
  int run();
  // start_client_only runs sasl_client_start alone and returns the initial response the client
  // would send (empty when none); the server is never stepped.
  std::string start_client_only();
  // inject, when set, replaces the message of step `index` (0 = challenge, 1 = response,
  // 2 = response-auth) before delivery.
  void inject(std::size_t index, std::string replacement);
  // transform, when set, rewrites the message of step `index` in flight.
  void transform(std::size_t index, std::function<std::string(const std::string&)> edit);

  [[nodiscard]] const std::vector<Message>& transcript() const { return m_transcript; }
  // initial_response is what sasl_client_start returned (kept outside the transcript, whose
  // index 0 stays the server's first message).
  [[nodiscard]] const std::string& initial_response() const { return m_initial_response; }
  // server_results are the codes of sasl_server_start and each sasl_server_step, in order.
  [[nodiscard]] const std::vector<int>& server_results() const { return m_server_results; }
  [[nodiscard]] int client_rc() const { return m_client_rc; }
  [[nodiscard]] int server_rc() const { return m_server_rc; }
  [[nodiscard]] std::string client_error() const;
  [[nodiscard]] std::string server_error() const;
  [[nodiscard]] sasl_conn_t* client() const { return m_client; }
  [[nodiscard]] sasl_conn_t* server() const { return m_server; }
  [[nodiscard]] unsigned ssf(bool server_side) const;
  [[nodiscard]] unsigned maxoutbuf(bool server_side) const;
  [[nodiscard]] std::string server_username() const;  // SASL_USERNAME on the server
  [[nodiscard]] std::string server_authid() const;    // SASL_AUTHUSER on the server
  // realm_prompt is the challenge text of the last SASL_CB_GETREALM prompt, if any.
  [[nodiscard]] const std::string& realm_prompt() const { return m_realm_prompt; }

 private:
  // client_start and client_step answer SASL_INTERACT prompts from the options and call again.
  int client_start(const char** out, unsigned* outlen);
  int client_step(const char* in, unsigned inlen, const char** out, unsigned* outlen);
  void answer(sasl_interact_t* prompts);
  std::string deliver(std::size_t index, const char* data, unsigned len);

  Options m_options;
  std::vector<sasl_callback_t> m_client_callbacks;
  std::vector<sasl_callback_t> m_server_callbacks;
  sasl_conn_t* m_client = nullptr;
  sasl_conn_t* m_server = nullptr;
  std::vector<Message> m_transcript;
  std::string m_initial_response;
  std::vector<int> m_server_results;
  sasl_http_request_t m_http_request{};  // points into m_options; libsasl2 keeps the pointer
  std::map<std::size_t, std::function<std::string(const std::string&)>> m_injections;
  std::string m_realm_prompt;
  int m_client_rc = SASL_CONTINUE;
  int m_server_rc = SASL_CONTINUE;
};

}  // namespace saslpair
