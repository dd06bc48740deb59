// SPDX-License-Identifier: BSD-3-Clause
// fake_host.hpp: in-memory Host ports for driving the core sessions without libsasl2.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/host.hpp"

namespace digestmd5::testing {

class FakeLog {
 public:
  std::vector<std::string> lines;
  std::vector<std::string> errors;
  [[nodiscard]] bool mentions(std::string_view text) const {
    for (const auto& l : lines) {
      if (l.find(text) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
};

class FakeServerHost final : public ServerHost {
 public:
  std::string service_name = "imap";
  std::string fqdn = "elwood.innosoft.com";
  std::string realm;
  SecurityProps security{0, 256, 0, 65536};
  // Keyed by "user" (any realm) or "user@realm"; a lookup name finds its exact entry first, then
  // the entry of its part before the first '@' (a single-realm store).
  std::map<std::string, StoredSecret> store;
  std::string last_lookup;
  std::string last_authzid;
  FakeLog log_record;

  void log(LogLevel /*level*/, std::string_view message) override {
    log_record.lines.emplace_back(message);
  }
  void set_error(std::string_view message) override { log_record.errors.emplace_back(message); }
  [[nodiscard]] std::string_view service() const override { return service_name; }
  [[nodiscard]] std::string_view server_fqdn() const override { return fqdn; }
  [[nodiscard]] std::string_view user_realm() const override { return realm; }
  [[nodiscard]] SecurityProps props() const override { return security; }
  Result<StoredSecret> canonicalise_and_fetch(std::string_view user,
                                              std::string_view authzid) override {
    last_lookup = std::string(user);
    last_authzid = std::string(authzid);
    auto it = store.find(last_lookup);
    if (it == store.end()) {
      it = store.find(last_lookup.substr(0, last_lookup.find('@')));
    }
    if (it == store.end()) {
      return Error{Errc::NoUser, "user not found"};
    }
    StoredSecret copy;
    copy.kind = it->second.kind;
    copy.bytes = it->second.bytes;
    return copy;
  }

  void add_password(const std::string& user, std::string_view password) {
    StoredSecret s;
    s.bytes.assign(password.begin(), password.end());
    store[user] = std::move(s);
  }
};

class FakeClientHost final : public ClientHost {
 public:
  std::string service_name = "imap";
  std::string fqdn = "elwood.innosoft.com";
  SecurityProps security{0, 256, 0, 65536};
  ClientIdentity id;
  bool interact_once = false;  // first identity() call asks for prompts
  std::vector<std::string> offered;
  FakeLog log_record;

  void log(LogLevel /*level*/, std::string_view message) override {
    log_record.lines.emplace_back(message);
  }
  void set_error(std::string_view message) override { log_record.errors.emplace_back(message); }
  [[nodiscard]] std::string_view service() const override { return service_name; }
  [[nodiscard]] std::string_view server_fqdn() const override { return fqdn; }
  [[nodiscard]] SecurityProps props() const override { return security; }
  bool asked_realm = false;  // whether the session asked for a choice among the offered realms
  bool names_known = true;   // known_names() answers (callbacks, not prompts)
  bool names_by_prompt = false;  // names() asks for prompts once before it answers
  int identity_calls = 0;
  int names_prompts = 0;  // how often names() asked for prompts
  Result<ClientNames> names() override {
    if (names_by_prompt) {
      names_by_prompt = false;
      ++names_prompts;
      return Error{Errc::Interact, "interaction needed"};
    }
    if (!names_known && names_prompts == 0) {
      return Error{Errc::Unavailable, "no authentication name"};
    }
    return ClientNames{id.authid, id.authzid.empty() ? id.authid : id.authzid};
  }
  std::optional<ClientNames> known_names() override {
    if (!names_known) {
      return std::nullopt;
    }
    return ClientNames{id.authid, id.authzid.empty() ? id.authid : id.authzid};
  }
  Result<ClientIdentity> identity(const std::vector<std::string>& offered_realms,
                                  bool ask_realm) override {
    offered = offered_realms;
    asked_realm = ask_realm;
    ++identity_calls;
    if (interact_once) {
      interact_once = false;
      return Error{Errc::Interact, "interaction needed"};
    }
    // The raw answers, as the application gave them: the session applies the realm rule.
    ClientIdentity copy;
    copy.authid = id.authid;
    copy.authzid = id.authzid;
    copy.password = id.password;
    copy.realm = id.realm;
    return copy;
  }
};

}  // namespace digestmd5::testing
