// SPDX-License-Identifier: BSD-3-Clause
// test_libsasl2.cpp: the built plugin driven through the real libsasl2 (client and server in
// one process, plugin loaded from the build tree with SASL_CB_GETPATH).
#include <sasl/sasl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "../examples/sasl_pair.hpp"
#include "cmocka.hpp"

namespace {

using saslpair::Options;
using saslpair::Pair;

struct Fixture {
  std::unique_ptr<Pair> pair;
};

int setup(void** state) {
  *state = new Fixture();
  saslpair::set_users({{"alice", "wonderland"}, {"bob", "builder"}, {"carol", "s\xc3\xa9" "cret"}});
  saslpair::take_log();
  return 0;
}

int teardown(void** state) {
  delete static_cast<Fixture*>(*state);
  return 0;
}

Options base_options() {
  Options o;
  o.service = "imap";
  o.fqdn = "mail.example.com";
  o.user_realm = "example.com";
  o.client.max_ssf = 0;  // qop=auth unless a test asks for a layer
  return o;
}

Pair& run(void** state, const Options& o) {
  auto& fx = *static_cast<Fixture*>(*state);
  fx.pair = std::make_unique<Pair>(o);
  fx.pair->run();
  return *fx.pair;
}

// plugin_failures counts the plugin's log lines at SASL_LOG_FAIL.
std::size_t plugin_failures(const std::vector<std::string>& log) {
  return static_cast<std::size_t>(std::count_if(log.begin(), log.end(), [](const std::string& l) {
    return l.rfind(std::to_string(SASL_LOG_FAIL) + " DIGEST-MD5: ", 0) == 0;
  }));
}

bool log_mentions(const std::vector<std::string>& log, const std::string& text) {
  return std::any_of(log.begin(), log.end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

// ---- authentication --------------------------------------------------------------------

void auth_succeeds(void** state) {
  Pair& p = run(state, base_options());
  assert_int_equal(p.client_rc(), SASL_OK);
  assert_int_equal(p.server_rc(), SASL_OK);
  assert_string_equal(p.server_authid().c_str(), "alice@example.com");
  assert_int_equal(p.ssf(true), 0);
  assert_int_equal(p.ssf(false), 0);
  const auto& t = p.transcript();
  assert_true(t.size() >= 3);
  assert_true(t[0].text.find("charset=utf-8") != std::string::npos);
  assert_true(t[0].text.find("algorithm=md5-sess") != std::string::npos);
  assert_true(t[0].text.find("realm=\"example.com\"") != std::string::npos);
  assert_true(t[1].text.find("qop=auth,") != std::string::npos);
  assert_true(t[1].text.find("authzid") == std::string::npos);
  assert_true(t[1].text.find("digest-uri=\"imap/mail.example.com\"") != std::string::npos);
  assert_true(t[2].text.rfind("rspauth=", 0) == 0);
}

void auth_nonce_is_fresh_32_octets(void** state) {
  Pair& p1 = run(state, base_options());
  const std::string c1 = p1.transcript().at(0).text;
  Pair& p2 = run(state, base_options());
  const std::string c2 = p2.transcript().at(0).text;
  const auto nonce = [](const std::string& c) {
    const auto b = c.find("nonce=\"") + 7;
    return c.substr(b, c.find('"', b) - b);
  };
  assert_int_equal(nonce(c1).size(), 44);  // 32 octets in base64
  assert_string_not_equal(nonce(c1).c_str(), nonce(c2).c_str());
}

void auth_without_success_data_needs_extra_step(void** state) {
  Options o = base_options();
  o.success_data = false;
  Pair& p = run(state, o);
  assert_int_equal(p.client_rc(), SASL_OK);
  assert_int_equal(p.server_rc(), SASL_OK);
  assert_true(p.transcript().size() >= 4);
  assert_true(p.transcript()[3].text.empty());
}

void auth_with_prompts_succeeds(void** state) {
  Options o = base_options();
  o.use_prompts = true;
  Pair& p = run(state, o);
  assert_int_equal(p.client_rc(), SASL_OK);
  assert_int_equal(p.server_rc(), SASL_OK);
}

void auth_wrong_password_is_badauth(void** state) {
  Options o = base_options();
  o.password = "not-the-password";
  Pair& p = run(state, o);
  assert_int_equal(p.server_rc(), SASL_BADAUTH);
  const auto log = saslpair::take_log();
  assert_int_equal(plugin_failures(log), 1);
  assert_false(log_mentions(log, "not-the-password"));
  assert_false(log_mentions(log, "wonderland"));
  assert_true(p.server_error().find("DIGEST-MD5") != std::string::npos);
}

void auth_unknown_user_is_nouser(void** state) {
  Options o = base_options();
  o.authid = "mallory";
  Pair& p = run(state, o);
  assert_int_equal(p.server_rc(), SASL_NOUSER);
  assert_int_equal(plugin_failures(saslpair::take_log()), 1);
}

void auth_utf8_password_is_down_converted(void** state) {
  Options o = base_options();
  o.authid = "carol";
  o.password = "s\xc3\xa9" "cret";
  Pair& p = run(state, o);
  assert_int_equal(p.server_rc(), SASL_OK);
}

void authzid_allowed_by_policy(void** state) {
  Options o = base_options();
  o.authzid = "bob";
  o.proxies = {{"alice@example.com", "bob@example.com"}};
  Pair& p = run(state, o);
  assert_int_equal(p.server_rc(), SASL_OK);
  assert_string_equal(p.server_username().c_str(), "bob@example.com");
  assert_string_equal(p.server_authid().c_str(), "alice@example.com");
  assert_true(p.transcript().at(1).text.find("authzid=\"bob\"") != std::string::npos);
}

void authzid_denied_by_policy(void** state) {
  Options o = base_options();
  o.authzid = "bob";
  Pair& p = run(state, o);
  assert_int_equal(p.server_rc(), SASL_NOAUTHZ);
}

void authzid_equal_to_authid_is_not_sent(void** state) {
  Options o = base_options();
  o.authzid = "alice";
  Pair& p = run(state, o);
  assert_int_equal(p.server_rc(), SASL_OK);
  assert_true(p.transcript().at(1).text.find("authzid") == std::string::npos);
}

void realms_several_offered_and_chosen(void** state) {
  Options o = base_options();
  o.server.options["digestmd5_realms"] = "first.example second.example";
  o.realm = "second.example";
  Pair& p = run(state, o);
  assert_int_equal(p.server_rc(), SASL_OK);
  const auto& c = p.transcript().at(0).text;
  assert_true(c.find("realm=\"first.example\",realm=\"second.example\"") != std::string::npos);
  assert_true(p.transcript().at(1).text.find("realm=\"second.example\"") != std::string::npos);
  assert_string_equal(p.server_authid().c_str(), "alice@second.example");
}

void realms_several_prompt_defaults_to_first(void** state) {
  Options o = base_options();
  o.server.options["digestmd5_realms"] = "first.example second.example";
  o.use_prompts = true;
  Pair& p = run(state, o);
  assert_int_equal(p.server_rc(), SASL_OK);
  assert_true(p.transcript().at(1).text.find("realm=\"first.example\"") != std::string::npos);
}

void realm_defaults_to_server_fqdn(void** state) {
  Options o = base_options();
  o.user_realm.clear();
  Pair& p = run(state, o);
  assert_int_equal(p.server_rc(), SASL_OK);
  assert_true(p.transcript().at(0).text.find("realm=\"mail.example.com\"") != std::string::npos);
}

void digest_uri_host_check(void** state) {
  Options o = base_options();
  o.server.options["digestmd5_hosts"] = "other.example.com";
  Pair& p = run(state, o);
  assert_int_equal(p.server_rc(), SASL_BADPROT);
  Options ok = base_options();
  ok.server.options["digestmd5_hosts"] = "other.example.com MAIL.example.com";
  Pair& q = run(state, ok);
  assert_int_equal(q.server_rc(), SASL_OK);
}

// ---- malformed messages ----------------------------------------------------------------

struct Tampered {
  const char* what;
  std::string message;
  int expected;
};

void edited_client_responses_fail_cleanly(void** state) {
  // Each edit rewrites the live response (so the nonce is this run's) before the server sees it.
  const std::vector<std::tuple<std::string, std::string, int>> edits = {
      {"nc=00000001", "nc=00000002", SASL_BADPROT},
      {"nc=00000001", "nc=0000000G", SASL_BADPROT},
      {"nc=00000001", "nc=00000001,nc=00000001", SASL_BADPROT},
      {"username=\"alice\"", "username=\"alice\",username=\"bob\"", SASL_BADPROT},
      {"username=\"alice\",", "", SASL_BADPROT},
      {"qop=auth", "qop=auth-bogus", SASL_BADPROT},
      {"qop=auth", "qop=auth-conf", SASL_BADPROT},
      {"response=", "response=X", SASL_BADPROT},
      {"digest-uri=\"imap/", "digest-uri=\"smtp/", SASL_BADPROT},
      {"nonce=\"", "nonce=\"x", SASL_BADPROT},
      {"realm=\"example.com\",", "", SASL_BADPROT},
      {"charset=utf-8", "charset=latin1", SASL_BADPROT},
      {"cnonce=\"", "cnonce=\"\\\\", SASL_BADAUTH},
      {"cnonce=\"", "cnonce=\"\\", SASL_OK},  // \X unescapes to X: same value, still valid
      {"cnonce=\"", "cnonce=\"z", SASL_BADAUTH},
      {"username=\"alice\"", "username=\"ALICE\"", SASL_NOUSER},
      {"response=", "response= ", SASL_OK},  // LWS after "=" is legal
  };
  for (const auto& [from, to, expected] : edits) {
    auto& fx = *static_cast<Fixture*>(*state);
    fx.pair = std::make_unique<Pair>(base_options());
    bool edited = false;
    fx.pair->transform(1, [&, f = from, t = to](const std::string& in) {
      std::string out = in;
      const auto at = out.find(f);
      if (at != std::string::npos) {
        out.replace(at, f.size(), t);
        edited = true;
      }
      return out;
    });
    fx.pair->run();
    const auto log = saslpair::take_log();
    if (fx.pair->server_rc() != expected) {
      print_error("edit '%s' -> '%s': rc %d, %zu failure lines\n", from.c_str(), to.c_str(),
                  fx.pair->server_rc(), plugin_failures(log));
    }
    assert_true(edited);
    assert_int_equal(fx.pair->server_rc(), expected);
    assert_int_equal(plugin_failures(log), expected == SASL_OK ? 0 : 1);
  }
}

void response_injections_give_badprot_with_one_log_line(void** state) {
  const std::vector<Tampered> cases = {
      {"empty", "", SASL_BADPROT},
      {"garbage", "this is not a directive list", SASL_BADPROT},
      {"NUL", std::string("username=\"a\0b\"", 14), SASL_BADPROT},
      {"unterminated quote", "username=\"alice", SASL_BADPROT},
      {"oversized", "username=\"" + std::string(5000, 'a') + "\"", SASL_BADPROT},
      {"missing response", "username=\"alice\",realm=\"example.com\",nonce=\"x\",cnonce=\"y\","
                           "nc=00000001,qop=auth,digest-uri=\"imap/mail.example.com\"",
       SASL_BADPROT},
      {"wrong nonce", "username=\"alice\",realm=\"example.com\",nonce=\"x\",cnonce=\"y\","
                      "nc=00000001,qop=auth,digest-uri=\"imap/mail.example.com\","
                      "response=00000000000000000000000000000000",
       SASL_BADPROT},
      {"upper-case response", "username=\"alice\",nonce=\"x\",cnonce=\"y\",nc=00000001,"
                              "digest-uri=\"imap/h\",response=0000000000000000000000000000000A",
       SASL_BADPROT},
  };
  for (const auto& c : cases) {
    auto& fx = *static_cast<Fixture*>(*state);
    fx.pair = std::make_unique<Pair>(base_options());
    fx.pair->inject(1, c.message);
    fx.pair->run();
    const auto log = saslpair::take_log();
    if (fx.pair->server_rc() != c.expected || plugin_failures(log) != 1) {
      print_error("case '%s': rc %d, %zu failure lines\n", c.what, fx.pair->server_rc(),
                  plugin_failures(log));
    }
    assert_int_equal(fx.pair->server_rc(), c.expected);
    assert_int_equal(plugin_failures(log), 1);
    assert_true(fx.pair->server_error().find("DIGEST-MD5:") != std::string::npos);
  }
}

void challenge_injections_give_client_errors(void** state) {
  const std::vector<Tampered> cases = {
      {"no nonce", "realm=\"r\",qop=\"auth\",algorithm=md5-sess", SASL_BADPROT},
      {"two nonces", "nonce=\"a\",nonce=\"b\",qop=\"auth\",algorithm=md5-sess", SASL_BADPROT},
      {"no algorithm", "nonce=\"a\",qop=\"auth\"", SASL_BADPROT},
      {"unknown qop only", "nonce=\"a\",qop=\"x-y\",algorithm=md5-sess", SASL_BADPROT},
      {"bad maxbuf", "nonce=\"a\",maxbuf=16,algorithm=md5-sess", SASL_BADPROT},
      {"bad charset", "nonce=\"a\",charset=latin1,algorithm=md5-sess", SASL_BADPROT},
      {"oversized", "nonce=\"" + std::string(3000, 'a') + "\",algorithm=md5-sess", SASL_BADPROT},
      {"NUL", std::string("nonce=\"a\0\",algorithm=md5-sess", 29), SASL_BADPROT},
      {"only auth-conf with unknown ciphers",
       "nonce=\"a\",qop=\"auth-conf\",cipher=\"x\",algorithm=md5-sess", SASL_TOOWEAK},
  };
  for (const auto& c : cases) {
    auto& fx = *static_cast<Fixture*>(*state);
    fx.pair = std::make_unique<Pair>(base_options());
    fx.pair->inject(0, c.message);
    const int rc = fx.pair->run();
    const auto log = saslpair::take_log();
    if (rc != c.expected) {
      print_error("case '%s': rc %d\n", c.what, rc);
    }
    assert_int_equal(fx.pair->client_rc(), c.expected);
    assert_int_equal(plugin_failures(log), 1);
  }
}

void rspauth_tampered_is_badserv(void** state) {
  auto& fx = *static_cast<Fixture*>(*state);
  fx.pair = std::make_unique<Pair>(base_options());
  fx.pair->inject(2, "rspauth=00000000000000000000000000000000");
  fx.pair->run();
  assert_int_equal(fx.pair->client_rc(), SASL_BADSERV);
  fx.pair = std::make_unique<Pair>(base_options());
  fx.pair->inject(2, "qop=auth");
  fx.pair->run();
  assert_int_equal(fx.pair->client_rc(), SASL_BADPROT);
}

}  // namespace

int main() {
  if (saslpair::init(DMD5_BUILD_PLUGINDIR) != SASL_OK) {
    return 1;
  }
  const CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(auth_succeeds, setup, teardown),
      cmocka_unit_test_setup_teardown(auth_nonce_is_fresh_32_octets, setup, teardown),
      cmocka_unit_test_setup_teardown(auth_without_success_data_needs_extra_step, setup, teardown),
      cmocka_unit_test_setup_teardown(auth_with_prompts_succeeds, setup, teardown),
      cmocka_unit_test_setup_teardown(auth_wrong_password_is_badauth, setup, teardown),
      cmocka_unit_test_setup_teardown(auth_unknown_user_is_nouser, setup, teardown),
      cmocka_unit_test_setup_teardown(auth_utf8_password_is_down_converted, setup, teardown),
      cmocka_unit_test_setup_teardown(authzid_allowed_by_policy, setup, teardown),
      cmocka_unit_test_setup_teardown(authzid_denied_by_policy, setup, teardown),
      cmocka_unit_test_setup_teardown(authzid_equal_to_authid_is_not_sent, setup, teardown),
      cmocka_unit_test_setup_teardown(realms_several_offered_and_chosen, setup, teardown),
      cmocka_unit_test_setup_teardown(realms_several_prompt_defaults_to_first, setup, teardown),
      cmocka_unit_test_setup_teardown(realm_defaults_to_server_fqdn, setup, teardown),
      cmocka_unit_test_setup_teardown(digest_uri_host_check, setup, teardown),
      cmocka_unit_test_setup_teardown(edited_client_responses_fail_cleanly, setup, teardown),
      cmocka_unit_test_setup_teardown(response_injections_give_badprot_with_one_log_line, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(challenge_injections_give_client_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(rspauth_tampered_is_badserv, setup, teardown),
  };
  const int failed = cmocka_run_group_tests_name("libsasl2", tests, nullptr, nullptr);
  sasl_done();
  return failed;
}
