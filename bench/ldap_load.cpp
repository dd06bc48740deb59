// SPDX-License-Identifier: BSD-3-Clause
// ldap_load.cpp: the load client of `make bench-servers` (bench/servers.py): DIGEST-MD5 binds and
// searches against an LDAP server through libldap and libsasl2, with whatever client plugin
// SASL_PATH selects.
//
//   ldap_load binds  URI REALM USER PASSWORD SECPROPS DN CONNS SECONDS [--client-reauth]
//             [--opt NAME=VALUE]...
//       CONNS threads, each in a loop: connect, bind with DIGEST-MD5 (SECPROPS), read DN's entry
//       (a base search), unbind, for SECONDS of wall time. Prints "binds" (completed loops per
//       second), "count" (completed loops), "cpu_us" (this process's CPU microseconds per loop)
//       and "errors".
//   ldap_load search URI REALM USER PASSWORD SECPROPS BASE 1 SECONDS
//       one connection bound once; subtree searches of BASE repeated for SECONDS. Prints "mbps"
//       (10^6 octets of attribute values and DNs received per wall second, over all searches),
//       "octets" (per search), "entries" (per search) and "ssf".
//
// --opt answers a plugin option through a process-wide getopt callback registered before libldap
// initialises libsasl2 (libldap passes no getopt callback of its own); --client-reauth is
// --opt digestmd5_client_reauth=yes, so that our client plugin may continue earlier
// authentications as the stock client always does. The stock plugin ignores options it does
// not know.
#include <ldap.h>
#include <sasl/sasl.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

struct Config {
  std::string mode;
  std::string uri;
  std::string realm;
  std::string user;
  std::string password;
  std::string secprops;
  std::string dn;  // the entry read after each bind, or the search base
  int conns = 1;
  double seconds = 1;
  std::vector<std::pair<std::string, std::string>> options;  // answered by getopt
};

const Config* g_config = nullptr;  // for getopt, which libsasl2 calls without a context

// interact answers libldap's SASL prompts (it passes no name or password callbacks of its own).
int interact(LDAP* /*ld*/, unsigned /*flags*/, void* defaults, void* prompts) {
  const auto& cfg = *static_cast<const Config*>(defaults);
  for (auto* p = static_cast<sasl_interact_t*>(prompts); p->id != SASL_CB_LIST_END; ++p) {
    const std::string* answer = nullptr;
    static const std::string empty;
    switch (p->id) {
      case SASL_CB_AUTHNAME:
        answer = &cfg.user;
        break;
      case SASL_CB_PASS:
        answer = &cfg.password;
        break;
      case SASL_CB_GETREALM:
        answer = &cfg.realm;
        break;
      default:
        answer = &empty;  // SASL_CB_USER: no authzid
        break;
    }
    p->result = answer->c_str();
    p->len = static_cast<unsigned>(answer->size());
  }
  return LDAP_SUCCESS;
}

int answer_option(void* /*context*/, const char* /*plugin*/, const char* option,
                  const char** result, unsigned* len) {
  for (const auto& [name, value] : g_config->options) {
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

// Connection is one bound LDAP connection; ok() is false when connecting or binding failed.
class Connection {
 public:
  explicit Connection(const Config& cfg) {
    if (ldap_initialize(&m_ld, cfg.uri.c_str()) != LDAP_SUCCESS) {
      m_ld = nullptr;
      return;
    }
    const int version = LDAP_VERSION3;
    ldap_set_option(m_ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(m_ld, LDAP_OPT_X_SASL_NOCANON, LDAP_OPT_ON);  // digest-uri ldap/127.0.0.1
    ldap_set_option(m_ld, LDAP_OPT_X_SASL_SECPROPS, cfg.secprops.c_str());
    m_rc = ldap_sasl_interactive_bind_s(m_ld, nullptr, "DIGEST-MD5", nullptr, nullptr,
                                        LDAP_SASL_QUIET, interact, const_cast<Config*>(&cfg));
  }
  ~Connection() {
    if (m_ld != nullptr) {
      ldap_unbind_ext_s(m_ld, nullptr, nullptr);
    }
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  [[nodiscard]] bool ok() const { return m_ld != nullptr && m_rc == LDAP_SUCCESS; }
  [[nodiscard]] LDAP* ld() const { return m_ld; }
  [[nodiscard]] int rc() const { return m_rc; }

 private:
  LDAP* m_ld = nullptr;
  int m_rc = LDAP_OTHER;
};

// Received counts what one search returned.
struct Received {
  bool ok = false;
  std::size_t entries = 0;
  std::size_t octets = 0;
};

Received search(LDAP* ld, const std::string& base, int scope) {
  Received got;
  LDAPMessage* res = nullptr;
  const int rc = ldap_search_ext_s(ld, base.c_str(), scope, "(objectClass=*)", nullptr, 0, nullptr,
                                   nullptr, nullptr, LDAP_NO_LIMIT, &res);
  if (rc != LDAP_SUCCESS) {
    ldap_msgfree(res);
    return got;
  }
  for (LDAPMessage* e = ldap_first_entry(ld, res); e != nullptr; e = ldap_next_entry(ld, e)) {
    ++got.entries;
    if (char* dn = ldap_get_dn(ld, e); dn != nullptr) {
      got.octets += std::strlen(dn);
      ldap_memfree(dn);
    }
    BerElement* ber = nullptr;
    for (char* a = ldap_first_attribute(ld, e, &ber); a != nullptr;
         a = ldap_next_attribute(ld, e, ber)) {
      if (berval** vals = ldap_get_values_len(ld, e, a); vals != nullptr) {
        for (berval** v = vals; *v != nullptr; ++v) {
          got.octets += (*v)->bv_len;
        }
        ldap_value_free_len(vals);
      }
      ldap_memfree(a);
    }
    ber_free(ber, 0);
  }
  ldap_msgfree(res);
  got.ok = got.entries > 0;
  return got;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

using Wall = std::chrono::steady_clock;

int run_binds(const Config& cfg) {
  std::atomic<long> done{0};
  std::atomic<long> errors{0};
  std::atomic<int> first_error{LDAP_SUCCESS};
  std::atomic<bool> go{false};
  const auto duration = std::chrono::duration<double>(cfg.seconds);
  std::vector<std::thread> threads;
  Wall::time_point start;
  for (int t = 0; t < cfg.conns; ++t) {
    threads.emplace_back([&] {
      while (!go.load()) {
        std::this_thread::yield();
      }
      while (Wall::now() - start < duration) {
        const Connection c(cfg);
        if (c.ok() && search(c.ld(), cfg.dn, LDAP_SCOPE_BASE).entries == 1) {
          done.fetch_add(1);
        } else {
          errors.fetch_add(1);
          int none = LDAP_SUCCESS;
          first_error.compare_exchange_strong(none, c.ok() ? LDAP_OTHER : c.rc());
        }
      }
    });
  }
  const double cpu0 = cpu_seconds();
  start = Wall::now();
  go.store(true);
  for (auto& t : threads) {
    t.join();
  }
  const double wall = std::chrono::duration<double>(Wall::now() - start).count();
  const double cpu = cpu_seconds() - cpu0;
  const long n = done.load();
  std::printf("binds\t%.1f\n", static_cast<double>(n) / wall);
  std::printf("count\t%ld\n", n);
  std::printf("cpu_us\t%.1f\n", n > 0 ? cpu / static_cast<double>(n) * 1e6 : 0.0);
  std::printf("errors\t%ld\n", errors.load());
  if (errors.load() > 0) {
    std::fprintf(stderr, "ldap_load: %ld failed binds, first: %s\n", errors.load(),
                 ldap_err2string(first_error.load()));
  }
  return n > 0 && errors.load() == 0 ? 0 : 1;
}

int run_search(const Config& cfg) {
  const Connection c(cfg);
  if (!c.ok()) {
    std::fprintf(stderr, "ldap_load: bind failed: %s\n", ldap_err2string(c.rc()));
    return 1;
  }
  ber_len_t ssf = 0;  // libldap writes the SSF as a ber_len_t
  ldap_get_option(c.ld(), LDAP_OPT_X_SASL_SSF, &ssf);
  std::size_t octets = 0;
  std::size_t searches = 0;
  Received last;
  const auto start = Wall::now();
  const auto duration = std::chrono::duration<double>(cfg.seconds);
  while (searches == 0 || Wall::now() - start < duration) {
    last = search(c.ld(), cfg.dn, LDAP_SCOPE_SUBTREE);
    if (!last.ok) {
      std::fprintf(stderr, "ldap_load: search %zu failed\n", searches + 1);
      return 1;
    }
    octets += last.octets;
    ++searches;
  }
  const double wall = std::chrono::duration<double>(Wall::now() - start).count();
  std::printf("mbps\t%.2f\n", static_cast<double>(octets) / 1e6 / wall);
  std::printf("octets\t%zu\n", last.octets);
  std::printf("entries\t%zu\n", last.entries);
  std::printf("ssf\t%lu\n", static_cast<unsigned long>(ssf));
  return 0;
}

void usage() {
  std::fprintf(stderr,
               "usage: ldap_load binds|search URI REALM USER PASSWORD SECPROPS DN CONNS SECONDS "
               "[--client-reauth] [--opt NAME=VALUE]...\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 10) {
    usage();
    return 2;
  }
  Config cfg;
  cfg.mode = argv[1];
  cfg.uri = argv[2];
  cfg.realm = argv[3];
  cfg.user = argv[4];
  cfg.password = argv[5];
  cfg.secprops = argv[6];
  cfg.dn = argv[7];
  cfg.conns = std::atoi(argv[8]);
  cfg.seconds = std::atof(argv[9]);
  for (int i = 10; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--client-reauth") {
      cfg.options.emplace_back("digestmd5_client_reauth", "yes");
    } else if (arg == "--opt" && i + 1 < argc && std::strchr(argv[i + 1], '=') != nullptr) {
      const std::string_view o = argv[++i];
      const auto eq = o.find('=');
      cfg.options.emplace_back(o.substr(0, eq), o.substr(eq + 1));
    } else {
      usage();
      return 2;
    }
  }
  if (cfg.conns < 1 || cfg.seconds <= 0 || (cfg.mode != "binds" && cfg.mode != "search")) {
    usage();
    return 2;
  }
  g_config = &cfg;
  static sasl_callback_t global[] = {
      {SASL_CB_GETOPT, reinterpret_cast<int (*)()>(reinterpret_cast<void (*)()>(&answer_option)),
       nullptr},
      {SASL_CB_LIST_END, nullptr, nullptr},
  };
  if (!cfg.options.empty() && sasl_client_init(global) != SASL_OK) {
    std::fprintf(stderr, "ldap_load: sasl_client_init failed\n");
    return 1;
  }
  return cfg.mode == "binds" ? run_binds(cfg) : run_search(cfg);
}
