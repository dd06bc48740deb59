// SPDX-License-Identifier: BSD-3-Clause
// test_stress.cpp: several threads, each running many complete DIGEST-MD5 authentications and
// security-layer round trips on its own libsasl2 connections at the same time.
//
// libsasl2 is initialised once, after the application installs real mutexes with
// sasl_set_mutex() (libsasl2's defaults are no-ops), as a threaded application must. What the
// plugin shares between connections is the process-wide Crypto (plugin/plugin_init.cpp): it is
// created under a std::mutex at plug_init and immutable afterwards; each connection holds a
// shared_ptr to it. Run under ThreadSanitizer (configure --enable-sanitizers=thread, see
// scripts/test.sh) this shows the sharing race-free.
//
// DMD5_STRESS_THREADS (default 4) and DMD5_STRESS_ROUNDS (default 60 per thread) scale the run.
#include <sasl/sasl.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "examples/sasl_pair.hpp"
#include "tests/cmocka.hpp"

namespace {

void* mutex_alloc() { return new (std::nothrow) std::mutex(); }
int mutex_lock(void* m) {
  static_cast<std::mutex*>(m)->lock();
  return SASL_OK;
}
int mutex_unlock(void* m) {
  static_cast<std::mutex*>(m)->unlock();
  return SASL_OK;
}
void mutex_free(void* m) { delete static_cast<std::mutex*>(m); }

unsigned env_or(const char* name, unsigned fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && std::atoi(v) > 0 ? static_cast<unsigned>(std::atoi(v)) : fallback;
}

struct Window {
  sasl_ssf_t min_ssf;
  sasl_ssf_t max_ssf;
  const char* ciphers;  // client allow-list, nullptr = all
};

// auth, auth-int and every cipher in turn.
constexpr Window kWindows[] = {
    {0, 0, nullptr},    {1, 1, nullptr},       {2, 40, nullptr},     {41, 55, nullptr},
    {56, 56, nullptr},  {57, 112, nullptr},    {113, 128, "rc4"},    {113, 128, nullptr},
};

std::string pattern(std::size_t n, std::uint32_t seed) {
  std::string s(n, '\0');
  for (auto& c : s) {
    seed = seed * 1103515245U + 12345U;
    c = static_cast<char>(seed >> 16);
  }
  return s;
}

// echo sends `msg` from one connection to the other, decoding in `chunk`-octet pieces.
bool echo(sasl_conn_t* from, sasl_conn_t* to, const std::string& msg, unsigned maxout,
          std::size_t chunk) {
  std::string wire;
  for (std::size_t at = 0; at < msg.size(); at += maxout) {
    const char* out = nullptr;
    unsigned len = 0;
    const auto n = static_cast<unsigned>(std::min<std::size_t>(maxout, msg.size() - at));
    if (sasl_encode(from, msg.data() + at, n, &out, &len) != SASL_OK) {
      return false;
    }
    wire.append(out, len);
  }
  std::string back;
  for (std::size_t at = 0; at < wire.size(); at += chunk) {
    const char* out = nullptr;
    unsigned len = 0;
    const auto n = static_cast<unsigned>(std::min(chunk, wire.size() - at));
    if (sasl_decode(to, wire.data() + at, n, &out, &len) != SASL_OK) {
      return false;
    }
    back.append(out, len);
  }
  return back == msg;
}

struct Tally {
  std::atomic<unsigned> authentications{0};
  std::atomic<unsigned> round_trips{0};
  std::atomic<unsigned> refusals{0};
  std::atomic<unsigned> errors{0};
};

void worker(unsigned id, unsigned rounds, Tally& tally) {
  for (unsigned i = 0; i < rounds; ++i) {
    const Window& w = kWindows[(id + i) % std::size(kWindows)];
    saslpair::Options o;
    o.service = "imap";
    o.fqdn = "mail.example.com";
    o.user_realm = "example.com";
    o.client.min_ssf = w.min_ssf;
    o.client.max_ssf = w.max_ssf;
    if (w.ciphers != nullptr) {
      o.client.options["digestmd5_ciphers"] = w.ciphers;
    }
    const bool wrong = i % 7 == 3;  // some failures run concurrently too
    o.password = wrong ? "not-the-password" : "wonderland";
    saslpair::Pair pair(o);
    const int rc = pair.run();
    if (wrong) {
      if (pair.server_rc() == SASL_BADAUTH) {
        ++tally.refusals;
      } else {
        ++tally.errors;
      }
      continue;
    }
    if (rc != SASL_OK || pair.server_rc() != SASL_OK) {
      ++tally.errors;
      continue;
    }
    ++tally.authentications;
    if (w.max_ssf == 0) {
      continue;
    }
    const std::string msg = pattern(100 + 977 * (i % 5), id * 1000 + i);
    const bool ok = echo(pair.client(), pair.server(), msg, pair.maxoutbuf(false), 4096) &&
                    echo(pair.server(), pair.client(), msg, pair.maxoutbuf(true), 1 + i % 13);
    if (ok) {
      ++tally.round_trips;
    } else {
      ++tally.errors;
    }
  }
}

void stress_threads_authenticate_and_round_trip(void** /*state*/) {
  const unsigned threads = env_or("DMD5_STRESS_THREADS", 4);
  const unsigned rounds = env_or("DMD5_STRESS_ROUNDS", 60);
  Tally tally;
  {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back(worker, t, rounds, std::ref(tally));
    }
    for (auto& th : pool) {
      th.join();
    }
  }
  saslpair::take_log();
  print_message("%u threads x %u rounds: %u authentications, %u layer round trips, %u refusals\n",
                threads, rounds, tally.authentications.load(), tally.round_trips.load(),
                tally.refusals.load());
  assert_int_equal(tally.errors.load(), 0);
  unsigned wrong = 0;
  for (unsigned i = 0; i < rounds; ++i) {
    wrong += i % 7 == 3 ? 1U : 0U;
  }
  assert_int_equal(tally.refusals.load(), wrong * threads);
  assert_int_equal(tally.authentications.load() + tally.refusals.load(), threads * rounds);
  assert_true(tally.round_trips.load() > 0);
}

}  // namespace

int main() {
  sasl_set_mutex(&mutex_alloc, &mutex_lock, &mutex_unlock, &mutex_free);
  if (saslpair::init(DMD5_BUILD_PLUGINDIR) != SASL_OK) {
    return 1;
  }
  saslpair::set_users({{"alice", "wonderland"}});
  const CMUnitTest tests[] = {
      cmocka_unit_test(stress_threads_authenticate_and_round_trip),
  };
  const int failed = cmocka_run_group_tests_name("stress", tests, nullptr, nullptr);
  sasl_done();
  return failed;
}
