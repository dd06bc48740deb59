// SPDX-License-Identifier: BSD-3-Clause
// demo.cpp: one real DIGEST-MD5 authentication through libsasl2 with the freshly built plugin,
// followed by a message sent both ways through the negotiated security layer.
#include <sasl/sasl.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "examples/sasl_pair.hpp"

namespace {

const char* side_name(const std::string& from) { return from == "S" ? "server" : "client"; }

const char* step_name(std::size_t i) {
  switch (i) {
    case 0:
      return "challenge";
    case 1:
      return "response";
    case 2:
      return "response-auth";
    default:
      return "final";
  }
}

// echo sends `text` through one side's layer and decodes it on the other.
bool echo(sasl_conn_t* from, sasl_conn_t* to, const std::string& text, const char* label) {
  const char* wire = nullptr;
  unsigned wire_len = 0;
  if (sasl_encode(from, text.data(), static_cast<unsigned>(text.size()), &wire, &wire_len) !=
      SASL_OK) {
    std::printf("  %s: encode failed: %s\n", label, sasl_errdetail(from));
    return false;
  }
  const std::string packet(wire, wire_len);
  const char* plain = nullptr;
  unsigned plain_len = 0;
  if (sasl_decode(to, packet.data(), static_cast<unsigned>(packet.size()), &plain, &plain_len) !=
      SASL_OK) {
    std::printf("  %s: decode failed: %s\n", label, sasl_errdetail(to));
    return false;
  }
  const bool same = std::string(plain, plain_len) == text;
  std::printf("  %s: %zu octets -> %u on the wire -> \"%.*s\" %s\n", label, text.size(), wire_len,
              static_cast<int>(plain_len), plain, same ? "(intact)" : "(CORRUPTED)");
  return same;
}

}  // namespace

int main(int argc, char** argv) {
  const char* dir = argc > 1 ? argv[1] : std::getenv("DMD5_PLUGIN_DIR");
  const std::string plugin_dir = dir != nullptr ? dir : DMD5_BUILD_PLUGINDIR;
  std::printf("DIGEST-MD5 demo: plugin directory %s\n", plugin_dir.c_str());
  if (const int rc = saslpair::init(plugin_dir); rc != SASL_OK) {
    std::printf("libsasl2 initialisation failed: %s\n", sasl_errstring(rc, nullptr, nullptr));
    return 1;
  }
  saslpair::set_users({{"alice", "wonderland"}});

  saslpair::Options o;
  o.service = "imap";
  o.fqdn = "mail.example.com";
  o.user_realm = "example.com";
  o.authid = "alice";
  o.password = "wonderland";
  o.client.min_ssf = 1;  // ask for a security layer; the client takes the strongest offered
  o.client.max_ssf = 256;
  saslpair::Pair pair(o);
  const int rc = pair.run();
  for (std::size_t i = 0; i < pair.transcript().size(); ++i) {
    const auto& m = pair.transcript()[i];
    std::printf("%s -> %-13s %s\n", side_name(m.from), step_name(i),
                m.text.empty() ? "(empty)" : m.text.c_str());
  }
  for (const auto& line : saslpair::take_log()) {
    std::printf("log: %s\n", line.c_str());
  }
  if (rc != SASL_OK) {
    std::printf("outcome: FAILED (%s; client: %s; server: %s)\n",
                sasl_errstring(rc, nullptr, nullptr), pair.client_error().c_str(),
                pair.server_error().c_str());
    return 1;
  }
  std::printf("outcome: authenticated as %s, SSF %u, max message %u octets\n",
              pair.server_username().c_str(), pair.ssf(true), pair.maxoutbuf(false));
  bool ok = true;
  if (pair.ssf(true) > 0) {
    std::printf("security layer:\n");
    ok = echo(pair.client(), pair.server(), "hello from the client", "client -> server") && ok;
    ok = echo(pair.server(), pair.client(), "hello from the server", "server -> client") && ok;
  }
  return ok ? 0 : 1;
}
