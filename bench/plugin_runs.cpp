// SPDX-License-Identifier: BSD-3-Clause
// plugin_runs.cpp: layer throughput, handshakes and memory through libsasl2 (examples/sasl_pair).
#include "bench/plugin_runs.hpp"

#include <sasl/sasl.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/floor.hpp"
#include "bench/timing.hpp"
#include "examples/sasl_pair.hpp"

namespace dmd5bench {
namespace {

saslpair::Options options_for(sasl_ssf_t min_ssf, sasl_ssf_t max_ssf, bool allow_aes) {
  saslpair::Options o;
  o.service = "imap";
  o.fqdn = "mail.example.com";
  o.user_realm = "example.com";
  o.authid = "alice";
  o.password = "wonderland";
  o.client.min_ssf = min_ssf;
  o.client.max_ssf = max_ssf;
  if (!allow_aes) {
    o.client.options["digestmd5_aes_cbc"] = "no";  // unknown to the stock plugin: ignored
  }
  return o;
}

// directive returns the value of `name` in a digest-response (unquoted), or "".
std::string directive(std::string_view text, std::string_view name) {
  std::size_t at = 0;
  while (at < text.size()) {
    if (text.substr(at).starts_with(name) && text.substr(at + name.size()).starts_with("=")) {
      std::string_view v = text.substr(at + name.size() + 1);
      const bool quoted = v.starts_with("\"");
      v.remove_prefix(quoted ? 1 : 0);
      return std::string(v.substr(0, v.find(quoted ? '"' : ',')));
    }
    at = text.find(',', at);
    at = at == std::string_view::npos ? text.size() : at + 1;
  }
  return {};
}

// negotiated names the protection the client chose: "auth", "auth-int" or the cipher.
std::string negotiated(const saslpair::Pair& pair) {
  if (pair.transcript().size() < 2) {
    return "?";
  }
  const std::string& response = pair.transcript()[1].text;
  const std::string qop = directive(response, "qop");
  if (qop == "auth-conf") {
    return directive(response, "cipher");
  }
  return qop.empty() ? "auth" : qop;
}

// Established is an authenticated pair, or why there is none.
struct Established {
  std::unique_ptr<saslpair::Pair> pair;
  std::string error;
};

// establish authenticates a pair and checks that it negotiated `want`. A pair whose
// authentication failed is deliberately never disposed: the stock plugin frees memory twice when
// a connection whose 3des set-up failed is disposed (AddressSanitizer shows the double free),
// which would corrupt the worker's heap for the measurements that follow.
Established establish(const saslpair::Options& o, std::string_view want) {
  auto pair = std::make_unique<saslpair::Pair>(o);
  if (pair->run() != SASL_OK) {
    const std::string c = pair->client_error();
    const std::string s = pair->server_error();
    const std::string why = c.empty() || pair->client_rc() == SASL_OK ? s : c;
    static_cast<void>(pair.release());  // see above: leaked on purpose
    return {nullptr, "authentication fails: " + why};
  }
  if (const std::string got = negotiated(*pair); got != want) {
    return {nullptr, "not offered (negotiates " + got + " instead)"};
  }
  return {std::move(pair), {}};
}

// LayerRound is one chunk's round trip through libsasl2: sasl_encode on the client, then
// sasl_decode of the whole output on the server. The first round also checks the bytes.
class LayerRound {
 public:
  LayerRound(saslpair::Pair& pair, std::size_t chunk) : m_pair(pair), m_input(pattern(chunk)) {}

  bool operator()() {
    const char* in = reinterpret_cast<const char*>(m_input.data());
    const auto len = static_cast<unsigned>(m_input.size());
    const char* wire = nullptr;
    unsigned wire_len = 0;
    const char* plain = nullptr;
    unsigned plain_len = 0;
    if (sasl_encode(m_pair.client(), in, len, &wire, &wire_len) != SASL_OK ||
        sasl_decode(m_pair.server(), wire, wire_len, &plain, &plain_len) != SASL_OK ||
        plain_len != len) {
      return false;
    }
    if (!m_checked) {
      m_checked = true;
      return std::memcmp(plain, in, len) == 0;
    }
    return true;
  }

 private:
  saslpair::Pair& m_pair;
  std::vector<std::uint8_t> m_input;
  bool m_checked = false;
};

// measure_cell times the floor and, when `pair` is set, the layer for one case and chunk size,
// alternating slices of the two, and reports both and their ratio.
void measure_cell(Report& report, const LayerCase& c, std::size_t chunk, saslpair::Pair* pair,
                  const std::string& why_not, double scale) {
  const std::string suffix = std::string(c.name) + "/" + std::to_string(chunk);
  const std::size_t rounds = scaled_rounds(c.volume, chunk, scale);
  std::optional<FloorRound> floor;
  try {
    floor.emplace(c, chunk);
  } catch (const std::exception& e) {
    report.unavailable("floor/" + suffix, e.what());
  }
  if (pair == nullptr) {
    report.unavailable("layer/" + suffix, why_not);
    if (floor) {
      if (const auto f = time_rounds(rounds, chunk, *floor)) {
        report.value("floor/" + suffix, *f);
      }
    }
    return;
  }
  LayerRound layer(*pair, chunk);
  if (!floor) {
    if (const auto l = time_rounds(rounds, chunk, layer)) {
      report.value("layer/" + suffix, *l);
    }
    return;
  }
  const auto both = time_paired(rounds, chunk, layer, *floor);
  if (!both) {
    report.unavailable("layer/" + suffix,
                       "sasl_encode/sasl_decode or the floor failed: " + pair->server_error());
    return;
  }
  report.value("layer/" + suffix, both->first);
  report.value("floor/" + suffix, both->second);
  report.value("ratio/" + suffix, both->first / both->second);
}

}  // namespace

bool start_libsasl2(Report& report, const std::string& plugin_dir, bool reauth) {
  // The stock plugin reads reauth_timeout once, at plug_init, from the global options.
  if (reauth) {
    saslpair::set_global_options({{"reauth_timeout", "10"}});
  }
  if (const int rc = saslpair::init(plugin_dir); rc != SASL_OK) {
    report.unavailable("init", sasl_errstring(rc, nullptr, nullptr));
    return false;
  }
  saslpair::set_users({{"alice", "wonderland"}});
  saslpair::set_log_capture(false);
  return true;
}

void run_layers(Report& report, double scale) {
  for (const auto& c : kLayerCases) {
    const Established e = establish(options_for(c.min_ssf, c.max_ssf, c.allow_aes), c.name);
    for (const std::size_t chunk : kChunks) {
      measure_cell(report, c, chunk, e.pair.get(), e.error, scale);
    }
  }
}

namespace {

// best_interleaved times each of `works` (one unit per call, false on failure) in `rounds`
// rounds of one slice each, the works taking turns, and returns each one's best rate per CPU
// second (nullopt for a work that failed). After ten calls of calibration, slices are sized for
// about kHandshakeSeconds of CPU per work in all, within kHandshakeMax units.
std::vector<std::optional<double>> best_interleaved(const std::vector<std::function<bool()>>& works,
                                                    std::size_t rounds, double scale) {
  std::vector<std::size_t> per_slice;
  std::vector<bool> ok(works.size(), true);
  for (std::size_t w = 0; w < works.size(); ++w) {
    const auto start = Clock::now();
    for (int i = 0; i < 10 && ok[w]; ++i) {
      ok[w] = works[w]();
    }
    const double each = std::max(seconds_since(start) / 10, 1e-9);
    const double budget = kHandshakeSeconds * scale / static_cast<double>(rounds);
    per_slice.push_back(static_cast<std::size_t>(std::clamp(
        budget / each, 5.0, static_cast<double>(kHandshakeMax) / static_cast<double>(rounds))));
  }
  std::vector<std::optional<double>> best(works.size());
  for (std::size_t r = 0; r < rounds; ++r) {
    for (std::size_t w = 0; w < works.size(); ++w) {
      if (!ok[w]) {
        continue;
      }
      const auto start = Clock::now();
      for (std::size_t i = 0; i < per_slice[w] && ok[w]; ++i) {
        ok[w] = works[w]();
      }
      const double rate = static_cast<double>(per_slice[w]) / seconds_since(start);
      best[w] = std::max(best[w].value_or(0), rate);
    }
  }
  for (std::size_t w = 0; w < works.size(); ++w) {
    if (!ok[w]) {
      best[w].reset();
    }
  }
  return best;
}

// time_handshakes reports the best rate of `handshake` over kSlices slices.
void time_handshakes(Report& report, const std::string& k, const std::function<bool()>& handshake,
                     double scale) {
  if (const auto best = best_interleaved({handshake}, kSlices, scale); best[0]) {
    report.value(k, *best[0]);
  } else {
    report.unavailable(k, "a repeated handshake failed");
  }
}

}  // namespace

void run_handshakes(Report& report, double scale) {
  for (const auto& c : kHandshakeCases) {
    const std::string k = key({"hs", c.name});
    saslpair::Options o = options_for(c.min_ssf, c.max_ssf, false);
    if (const Established e = establish(o, c.name); !e.pair) {
      report.unavailable(k, e.error);
      continue;
    }
    o.keep_transcript = false;
    time_handshakes(
        report, k,
        [&o] {
          saslpair::Pair pair(o);
          return pair.run() == SASL_OK;
        },
        scale);
  }
  // What each layer adds over qop auth, against its floor: the auth handshake, the layered one
  // and the floor timed in alternating slices, so that the machine's drift over the run (which
  // the difference of two separately timed rates magnifies) falls on all three alike.
  for (const auto& c : kHandshakeCases) {
    if (c.keys == 0) {
      continue;
    }
    saslpair::Options auth = options_for(0, 0, false);
    saslpair::Options layered = options_for(c.min_ssf, c.max_ssf, false);
    auth.keep_transcript = false;
    layered.keep_transcript = false;
    const std::string k = key({"hsfloor", c.name});
    // A layered pair that cannot be established is never made again (see establish): the
    // floor is then timed alone.
    const Established made = establish(options_for(c.min_ssf, c.max_ssf, false), c.name);
    if (!made.pair) {
      report.unavailable(key({"hsadd", c.name}), made.error);
    }
    try {
      HandshakeFloor floor(c);
      const auto pair_of = [](const saslpair::Options& o) {
        return [&o] {
          saslpair::Pair pair(o);
          return pair.run() == SASL_OK;
        };
      };
      std::vector<std::function<bool()>> works{[&] { return floor(); }};
      if (made.pair) {
        works.emplace_back(pair_of(auth));
        works.emplace_back(pair_of(layered));
      }
      const auto best = best_interleaved(works, 2 * kSlices, scale);
      if (best[0]) {
        report.value(k, *best[0]);
      }
      if (made.pair && best[1] && best[2]) {
        report.value(key({"hsadd", c.name}), 1e6 / *best[2] - 1e6 / *best[1]);
      }
    } catch (const std::exception& e) {
      report.unavailable(k, e.what());
    }
  }
}

namespace {

// Work is one thread's unit of work (false on failure), made on that thread before timing.
using Work = std::function<bool()>;

// rate_on_threads runs `n` threads, each repeating the work make(t) returns, for `seconds` of
// wall time, and returns the units of all of them together per wall second, or nullopt when
// one failed.
std::optional<double> rate_on_threads(unsigned n, double seconds,
                                      const std::function<Work(unsigned)>& make) {
  std::atomic<bool> go{false};
  std::atomic<bool> failed{false};
  std::atomic<long> total{0};
  const auto duration = std::chrono::duration<double>(seconds);
  std::chrono::steady_clock::time_point start;
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < n; ++t) {
    threads.emplace_back([&, t] {
      const Work work = make(t);
      while (!go.load()) {
        std::this_thread::yield();
      }
      long done = 0;
      while (!failed.load() && std::chrono::steady_clock::now() - start < duration) {
        if (!work()) {
          failed = true;
        }
        ++done;
      }
      total += done;
    });
  }
  start = std::chrono::steady_clock::now();
  go = true;
  for (auto& t : threads) {
    t.join();
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed) {
    return std::nullopt;
  }
  return static_cast<double>(total.load()) / wall;
}

// handshake_work makes handshakes with a copy of `o` with its own server name, so that reauth
// cache entries are per thread; with `reauth` the thread's first handshake fills its entry and
// every timed one must continue it.
Work handshake_work(const saslpair::Options& o, bool reauth, unsigned t) {
  auto mine = std::make_shared<saslpair::Options>(o);
  mine->fqdn = "t" + std::to_string(t) + "." + o.fqdn;
  mine->keep_transcript = reauth;
  bool ok = true;
  if (reauth) {
    saslpair::Pair first(*mine);
    ok = first.run() == SASL_OK;
  }
  return [mine, reauth, ok] {
    saslpair::Pair pair(*mine);
    return ok && pair.run() == SASL_OK && (!reauth || pair.transcript().size() == 1);
  };
}

}  // namespace

std::vector<unsigned> thread_steps() {
  // 1, 2, ... up to 8 threads, then doubling, and the CPUs this process may use.
  const unsigned most = thread_steps_max();
  std::vector<unsigned> steps;
  for (unsigned n = 1; n <= most; n = n < 8 ? n + 1 : n * 2) {
    steps.push_back(n);
  }
  if (steps.back() != most) {
    steps.push_back(most);
  }
  return steps;
}

unsigned thread_steps_max() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    return static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
  }
  return std::max(1U, std::thread::hardware_concurrency());
}

void run_thread_scaling(Report& report, double scale, bool reauth) {
  const auto steps = thread_steps();
  if (!reauth) {
    // The machine's own scaling: the rc4 handshake floor, OpenSSL alone with nothing shared
    // but the library context, on the same numbers of threads.
    const auto& rc4 = *std::find_if(kHandshakeCases.begin(), kHandshakeCases.end(),
                                    [](const HandshakeCase& h) { return h.name == "rc4"; });
    for (const unsigned n : steps) {
      const auto rate = rate_on_threads(n, kThreadSeconds * scale, [&](unsigned) -> Work {
        auto floor = std::make_shared<HandshakeFloor>(rc4);
        return [floor] { return (*floor)(); };
      });
      if (rate) {
        report.value(key({"thr", kThreadReference, std::to_string(n)}), *rate);
      }
    }
  }
  for (const auto& name : kThreadCases) {
    const bool is_reauth = name.starts_with("reauth");
    if (is_reauth != reauth) {
      continue;
    }
    const auto& cases = reauth ? std::span<const HandshakeCase>(kReauthCases)
                               : std::span<const HandshakeCase>(kHandshakeCases);
    const auto c = std::find_if(cases.begin(), cases.end(),
                                [&](const HandshakeCase& h) { return h.name == name; });
    saslpair::Options o = options_for(c->min_ssf, c->max_ssf, false);
    o.fqdn = std::string(name) + ".threads.example.com";
    if (reauth) {
      o.server.options["reauth_timeout"] = "10";
      o.client.options["digestmd5_client_reauth"] = "yes";
    }
    const std::string want = reauth ? "auth" : std::string(name);
    if (const Established e = establish(o, want); !e.pair) {
      report.unavailable(key({"thr", name, "1"}), e.error);
      continue;
    }
    for (const unsigned n : steps) {
      const std::string k = key({"thr", name, std::to_string(n)});
      const auto rate = rate_on_threads(n, kThreadSeconds * scale,
                                        [&](unsigned t) { return handshake_work(o, reauth, t); });
      if (rate) {
        report.value(k, *rate);
      } else {
        report.unavailable(k, "a handshake failed on one of the threads");
        break;
      }
    }
  }
}

void run_reauth_handshakes(Report& report, double scale) {
  for (const auto& c : kReauthCases) {
    const std::string k = key({"hs", c.name});
    saslpair::Options o = options_for(c.min_ssf, c.max_ssf, false);
    o.fqdn = std::string(c.name) + ".example.com";  // one client cache entry per case
    o.server.options["reauth_timeout"] = "10";
    o.client.options["digestmd5_client_reauth"] = "yes";
    if (const Established e = establish(o, c.max_ssf == 0 ? "auth" : "auth-int"); !e.pair) {
      report.unavailable(k, e.error);
      continue;
    }
    o.keep_transcript = true;
    // Only continuations count: a handshake that needed a challenge fails the case.
    time_handshakes(
        report, k,
        [&o] {
          saslpair::Pair pair(o);
          return pair.run() == SASL_OK && pair.transcript().size() == 1;
        },
        scale);
  }
}

bool run_loop(const std::string& name, std::size_t n) {
  const bool floor = name.starts_with("floor-");
  const std::string_view base = floor ? std::string_view(name).substr(6) : name;
  const auto c = std::find_if(kHandshakeCases.begin(), kHandshakeCases.end(),
                              [&](const HandshakeCase& h) { return h.name == base; });
  if (c == kHandshakeCases.end() || (floor && c->keys == 0)) {
    return false;
  }
  if (floor) {
    HandshakeFloor f(*c);
    for (std::size_t i = 0; i < n; ++i) {
      if (!f()) {
        return false;
      }
    }
    return true;
  }
  saslpair::Options o = options_for(c->min_ssf, c->max_ssf, false);
  o.keep_transcript = false;
  for (std::size_t i = 0; i < n; ++i) {
    saslpair::Pair pair(o);
    if (pair.run() != SASL_OK) {
      return false;
    }
  }
  return true;
}

void run_memory(Report& report, const MemoryCase& c) {
  const std::string k = key({"mem", c.name});
  saslpair::Options o = options_for(c.min_ssf, c.max_ssf, false);
  if (const Established e = establish(o, c.name); !e.pair) {
    report.unavailable(key({k, "rss"}), e.error);
    return;
  }
  o.keep_transcript = false;
  std::vector<std::unique_ptr<saslpair::Pair>> pairs;
  pairs.reserve(c.pairs);
  malloc_trim(0);
  const auto rss0 = static_cast<double>(resident_bytes());
  const auto heap0 = static_cast<double>(heap_bytes());
  for (std::size_t i = 0; i < c.pairs; ++i) {
    pairs.push_back(std::make_unique<saslpair::Pair>(o));
    if (pairs.back()->run() != SASL_OK) {
      report.unavailable(key({k, "rss"}), "a handshake failed");
      return;
    }
  }
  const auto n = static_cast<double>(c.pairs);
  report.value(key({k, "rss"}), (static_cast<double>(resident_bytes()) - rss0) / n);
  report.value(key({k, "heap"}), (static_cast<double>(heap_bytes()) - heap0) / n);
  report.value(key({k, "peak"}), static_cast<double>(peak_resident_bytes()));
  pairs.clear();  // every connection disposed: what stays allocated was lost
  report.value(key({k, "kept"}), (static_cast<double>(heap_bytes()) - heap0) / n);
}

}  // namespace dmd5bench
