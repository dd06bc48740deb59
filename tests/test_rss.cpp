// SPDX-License-Identifier: BSD-3-Clause
// test_rss.cpp: many complete handshakes (with a layer round trip every time one is negotiated)
// in one process through libsasl2 and the built plugin; after a warm-up, the resident set size
// must not grow. A per-connection leak of even a few octets shows up as steady growth.
//
// DMD5_RSS_HANDSHAKES (default 100000) sets the count; the first tenth is the warm-up. RSS is
// sampled ten times after it; the growth from the first sample to the last must stay within
// DMD5_RSS_TOLERANCE_KB (default 512, allocator noise). Sanitizer builds run 2000 handshakes
// and do not compare RSS, since their allocators keep freed memory in quarantine; leaks there
// are LeakSanitizer's job.
#include <sasl/sasl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "examples/sasl_pair.hpp"
#include "tests/cmocka.hpp"

namespace {

long rss_kb() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0;
  long pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}

unsigned long env_or(const char* name, unsigned long fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && std::strtoul(v, nullptr, 10) > 0 ? std::strtoul(v, nullptr, 10)
                                                          : fallback;
}

struct Window {
  sasl_ssf_t min_ssf;
  sasl_ssf_t max_ssf;
};
constexpr Window kWindows[] = {{0, 0}, {1, 1}, {2, 40}, {41, 55}, {56, 56}, {57, 112}, {113, 128}};

bool handshake(unsigned long i) {
  const Window& w = kWindows[i % std::size(kWindows)];
  saslpair::Options o;
  o.service = "imap";
  o.fqdn = "mail.example.com";
  o.user_realm = "example.com";
  o.client.min_ssf = w.min_ssf;
  o.client.max_ssf = w.max_ssf;
  saslpair::Pair pair(o);
  if (pair.run() != SASL_OK) {
    return false;
  }
  if (w.max_ssf == 0) {
    return true;
  }
  static const std::string kMessage(300, 'm');
  const char* wire = nullptr;
  unsigned wire_len = 0;
  if (sasl_encode(pair.client(), kMessage.data(), static_cast<unsigned>(kMessage.size()), &wire,
                  &wire_len) != SASL_OK) {
    return false;
  }
  const std::string packet(wire, wire_len);
  const char* plain = nullptr;
  unsigned plain_len = 0;
  return sasl_decode(pair.server(), packet.data(), static_cast<unsigned>(packet.size()), &plain,
                     &plain_len) == SASL_OK &&
         std::string(plain, plain_len) == kMessage;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;  // their allocators hold freed memory back: RSS means nothing
#else
constexpr bool kSanitized = false;
#endif

void rss_stays_flat_over_many_handshakes(void** /*state*/) {
  const unsigned long total = env_or("DMD5_RSS_HANDSHAKES", kSanitized ? 2000 : 100000);
  const long tolerance_kb = static_cast<long>(env_or("DMD5_RSS_TOLERANCE_KB", 512));
  const unsigned long warm_up = total / 10;
  const unsigned long sample_every = (total - warm_up) / 10;
  std::vector<long> samples;
  unsigned long failures = 0;
  const auto start = std::chrono::steady_clock::now();
  for (unsigned long i = 0; i < total; ++i) {
    failures += handshake(i) ? 0UL : 1UL;
    saslpair::take_log();
    if (i + 1 >= warm_up && sample_every > 0 && (i + 1 - warm_up) % sample_every == 0) {
      samples.push_back(rss_kb());
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string line;
  for (const long s : samples) {
    line += std::to_string(s) + " ";
  }
  print_message("%lu handshakes in %.1f s (%.3f ms each); RSS after warm-up, KiB: %s\n", total,
                seconds, 1000.0 * seconds / static_cast<double>(total), line.c_str());
  assert_int_equal(failures, 0);
  if (kSanitized) {
    print_message("RSS not compared: the sanitizer's allocator keeps freed memory\n");
    return;
  }
  assert_true(samples.size() >= 2);
  const long growth = samples.back() - samples.front();
  if (growth > tolerance_kb) {
    print_error("RSS grew by %ld KiB after warm-up (tolerance %ld KiB)\n", growth, tolerance_kb);
  }
  assert_true(growth <= tolerance_kb);
}

}  // namespace

int main() {
  if (saslpair::init(DMD5_BUILD_PLUGINDIR) != SASL_OK) {
    return 1;
  }
  saslpair::set_users({{"alice", "wonderland"}});
  const CMUnitTest tests[] = {
      cmocka_unit_test(rss_stays_flat_over_many_handshakes),
  };
  const int failed = cmocka_run_group_tests_name("rss", tests, nullptr, nullptr);
  sasl_done();
  return failed;
}
