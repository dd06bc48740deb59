// SPDX-License-Identifier: BSD-3-Clause
// compare.cpp: runs the workers alternately, one process each, and prints the comparison.
#include "bench/compare.hpp"

#include <openssl/crypto.h>
#include <sasl/sasl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/cases.hpp"
#include "bench/chart.hpp"
#include "bench/plugin_runs.hpp"
#include "bench/report.hpp"
#include "bench/timing.hpp"

namespace dmd5bench {
namespace {

namespace fs = std::filesystem;

// Impl is one plugin's column of the table.
struct Impl {
  std::string name;
  std::string plugin_dir;  // the private directory holding only its libdigestmd5.so
  std::string missing;     // why it is not measured (empty when it is)
  Samples samples;
};

// run_child runs this program with `args` and returns its standard output. A worker that fails
// still contributes what it printed; its exit status is reported on stderr.
std::string run_child(const std::string& self, const std::vector<std::string>& args) {
  int fds[2];
  if (pipe(fds) != 0) {
    return {};
  }
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(self.c_str()));
    for (const auto& a : args) {
      argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    execv(self.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  std::array<char, 4096> buf{};
  for (ssize_t n; (n = read(fds[0], buf.data(), buf.size())) > 0;) {
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  const char* what = args.size() > 1 ? args[1].c_str() : "?";
  if (WIFSIGNALED(status)) {
    std::fprintf(stderr, "dmd5_bench: %s worker killed by signal %d\n", what, WTERMSIG(status));
  } else if (WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "dmd5_bench: %s worker exited with %d\n", what, WEXITSTATUS(status));
  }
  return out;
}

// isolate links `dir`/libdigestmd5.so alone into `into`; it returns why not, or "".
std::string isolate(const std::string& dir, const fs::path& into) {
  const fs::path so = fs::path(dir) / "libdigestmd5.so";
  std::error_code ec;
  if (!fs::exists(so, ec)) {
    return "no libdigestmd5.so in " + dir;
  }
  fs::create_directory(into, ec);
  fs::create_symlink(fs::canonical(so, ec), into / "libdigestmd5.so", ec);
  return ec ? "cannot link " + so.string() + ": " + ec.message() : "";
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("model name")) {
      return line.substr(line.find(':') + 2);
    }
  }
  return "unknown CPU";
}

void print_machine(const CompareOptions& o) {
  utsname u{};
  uname(&u);
  const char* impl = nullptr;
  const char* version = nullptr;
  sasl_version_info(&impl, &version, nullptr, nullptr, nullptr, nullptr);
#if defined(__clang__)
  const char* compiler = "clang++ " __clang_version__;
#else
  const char* compiler = "g++ " __VERSION__;
#endif
  std::printf("DIGEST-MD5 benchmark: our plugin, the stock plugin and the OpenSSL floor\n");
  std::printf("machine: %s, %ld CPUs, Linux %s\n", cpu_model().c_str(),
              sysconf(_SC_NPROCESSORS_ONLN), u.release);
  std::printf("versions: %s; libsasl2 %s %s; %s\n", OpenSSL_version(OPENSSL_VERSION),
              impl != nullptr ? impl : "?", version != nullptr ? version : "?", compiler);
  std::printf("ours:  %s/libdigestmd5.so\nstock: %s/libdigestmd5.so\n", o.ours_dir.c_str(),
              o.stock_dir.c_str());
  std::printf(
      "method: rates per CPU second of the worker process; each cell is timed in %zu "
      "slices and its\nfastest slice counts. %d runs; a run measures ours and stock back "
      "to back, each in its own\nprocesses, which one first alternating. Shown: medians "
      "over the runs; ours/stock is the median\nof the per-run ratios\n\n",
      kSlices, o.runs);
}

// ---- formatting ------------------------------------------------------------------------

// vs_auth is a handshake rate relative to the same plugin's auth rate in the same run.
std::optional<double> vs_auth(const Impl& impl, const std::string& key) {
  return Samples::paired_ratio(impl.samples, key, impl.samples, "hs/auth");
}

// versus is a's value relative to b's for `key`: the median of the per-run ratios.
std::optional<double> versus(const Impl& a, const Impl& b, const std::string& key) {
  return Samples::paired_ratio(a.samples, key, b.samples, key);
}

std::string num(std::optional<double> v, int precision, const char* none = "n/a") {
  if (!v) {
    return none;
  }
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%.*f", precision, *v);
  return buf.data();
}

std::string chunk_name(std::size_t chunk) { return std::to_string(chunk / kKiB) + " KiB"; }

// Notes collects the reasons for n/a cells, printed once under each table.
class Notes {
 public:
  void add(const Impl& impl, const std::string& key) {
    const std::string why = !impl.missing.empty() ? impl.missing : impl.samples.reason(key);
    const std::string what = key.substr(key.find('/') + 1);  // "3des/1024" -> "3des"
    const std::string line =
        impl.name + " " + what.substr(0, what.find('/')) + ": " + (why.empty() ? "no result" : why);
    const std::string label = impl.name + ": " + (why.empty() ? "no result" : why);
    if (std::find(m_seen.begin(), m_seen.end(), label) == m_seen.end()) {
      m_seen.push_back(label);
      m_lines.push_back(line);
    }
  }
  void print() {
    for (const auto& l : m_lines) {
      std::printf("  n/a  %s\n", l.c_str());
    }
    m_lines.clear();
    m_seen.clear();
  }

 private:
  std::vector<std::string> m_lines;
  std::vector<std::string> m_seen;
};

std::optional<double> get(const Impl& impl, const std::string& k, Notes& notes) {
  auto v = impl.samples.median(k);
  if (!v) {
    notes.add(impl, k);
  }
  return v;
}

// ---- tables ----------------------------------------------------------------------------

void print_layers(const Impl& ours, const Impl& stock, const Samples& floor) {
  std::printf(
      "Layer throughput, MB/s (10^6 octets of plaintext per CPU second): client "
      "sasl_encode of one\nchunk, server sasl_decode of its output. floor = the same "
      "crypto straight through OpenSSL EVP,\ntimed in both plugins' processes in slices "
      "alternating with the layer's; x/floor = median of\nthose same-process ratios; "
      "ours/stock = median over runs of (ours/floor) / (stock/floor)\n");
  std::printf("%-9s %7s %7s %9s %9s %9s %11s %11s %12s\n", "case", "volume", "chunk", "ours",
              "stock", "floor", "ours/stock", "ours/floor", "stock/floor");
  Notes notes;
  for (const auto& c : kLayerCases) {
    for (const std::size_t chunk : kChunks) {
      const std::string suffix = std::string(c.name) + "/" + std::to_string(chunk);
      const auto o = get(ours, "layer/" + suffix, notes);
      const auto s = get(stock, "layer/" + suffix, notes);
      const auto f = floor.median("floor/" + suffix);
      std::printf("%-9s %4zu MiB %7s %9s %9s %9s %11s %11s %12s\n", std::string(c.name).c_str(),
                  c.volume / kMiB, chunk_name(chunk).c_str(), num(o, 1).c_str(), num(s, 1).c_str(),
                  num(f, 1).c_str(), num(versus(ours, stock, "ratio/" + suffix), 2, "-").c_str(),
                  num(ours.samples.median("ratio/" + suffix), 2, "-").c_str(),
                  num(stock.samples.median("ratio/" + suffix), 2, "-").c_str());
    }
  }
  notes.print();
  std::printf("\n");
}

void print_handshakes(const Impl& ours, const Impl& stock) {
  std::printf(
      "Handshakes per second (full authentication: client and server connection created, "
      "3 messages,\nboth disposed; about %.1f s of CPU per case, at most %zu handshakes)\n",
      kHandshakeSeconds, kHandshakeMax);
  std::printf("%-11s %9s %9s %11s %14s %14s\n", "qop", "ours", "stock", "ours/stock",
              "ours/ours-auth", "stock/stock-auth");
  Notes notes;
  const auto row = [&](std::string_view name) {
    const std::string k = "hs/" + std::string(name);
    const auto o = get(ours, k, notes);
    const auto s = get(stock, k, notes);
    std::printf("%-11s %9s %9s %11s %14s %14s\n", std::string(name).c_str(), num(o, 0).c_str(),
                num(s, 0).c_str(), num(versus(ours, stock, k), 2, "-").c_str(),
                num(vs_auth(ours, k), 2, "-").c_str(), num(vs_auth(stock, k), 3, "-").c_str());
  };
  for (const auto& c : kHandshakeCases) {
    row(c.name);
  }
  // Subsequent authentication: one round trip continuing a nonce (RFC 2831 §2.2).
  for (const auto& c : kReauthCases) {
    row(c.name);
  }
  notes.print();
  std::printf("\n");
}

// ---- the handshake floor and thread scaling -------------------------------------------

// lookup is run[k], or nullopt.
std::optional<double> lookup(const Samples::Run& run, const std::string& k) {
  const auto it = run.find(k);
  return it == run.end() ? std::nullopt : std::optional<double>(it->second);
}

// added_us is what case `name` adds to a handshake over qop auth in one run, in microseconds,
// as timed interleaved with the auth handshake and the floor (run_handshakes).
std::optional<double> added_us(const Samples::Run& run, std::string_view name) {
  return lookup(run, key({"hsadd", name}));
}

std::optional<double> floor_us(const Samples::Run& run, std::string_view name) {
  const auto f = lookup(run, key({"hsfloor", name}));
  return f ? std::optional<double>(1e6 / *f) : std::nullopt;
}

void print_floor(const Impl& ours, const Impl& stock) {
  std::printf(
      "Handshake floor: what a layer adds to a full handshake over qop auth (us per "
      "handshake,\n1/hs(case) - 1/hs(auth)), against the least crypto it must add "
      "(both sides derive the layer\nkeys, key HMAC-MD5 both ways and key the cipher "
      "both ways; floor.hpp); the auth handshake, the\nlayered one and the floor timed "
      "in alternating slices, best slice each. Medians of the per-run\nvalues\n");
  std::printf("%-10s %10s %10s %10s %12s %12s\n", "case", "ours +us", "stock +us", "floor us",
              "ours/floor", "stock/floor");
  for (const auto& c : kHandshakeCases) {
    if (c.keys == 0) {
      continue;
    }
    const auto added = [&](const Samples::Run& r) { return added_us(r, c.name); };
    const auto floor = [&](const Samples::Run& r) { return floor_us(r, c.name); };
    const auto ratio = [&](const Samples::Run& r) -> std::optional<double> {
      const auto a = added_us(r, c.name);
      const auto f = floor_us(r, c.name);
      return a && f ? std::optional<double>(*a / *f) : std::nullopt;
    };
    std::printf("%-10s %10s %10s %10s %12s %12s\n", std::string(c.name).c_str(),
                num(ours.samples.median_per_run(added), 1).c_str(),
                num(stock.samples.median_per_run(added), 1).c_str(),
                num(ours.samples.median_per_run(floor), 1).c_str(),
                num(ours.samples.median_per_run(ratio), 2, "-").c_str(),
                num(stock.samples.median_per_run(ratio), 2, "-").c_str());
  }
  std::printf("\n");
}

// scaling is the per-thread throughput of n threads relative to one thread, in one run.
std::optional<double> scaling(const Samples::Run& run, std::string_view name, unsigned n) {
  const auto one = lookup(run, key({"thr", name, "1"}));
  const auto many = lookup(run, key({"thr", name, std::to_string(n)}));
  if (!one || !many || *one == 0) {
    return std::nullopt;
  }
  return *many / (*one * n);
}

void print_threads(const Impl& ours, const Impl& stock) {
  std::printf(
      "Thread scaling: complete handshakes on n threads at once, per wall second "
      "(about %.1f s per\nstep); per thread = rate(n) / (n x rate(1)), the median of "
      "the per-run values; %u CPUs.\n%s = the rc4 handshake floor alone (OpenSSL, "
      "nothing shared but the library context):\nthe machine's own scaling\n",
      kThreadSeconds, thread_steps_max(), std::string(kThreadReference).c_str());
  std::printf("%-12s %3s %10s %10s %16s %16s\n", "case", "n", "ours", "stock", "ours per thread",
              "stock per thread");
  Notes notes;
  std::vector<std::string_view> rows{kThreadReference};
  rows.insert(rows.end(), kThreadCases.begin(), kThreadCases.end());
  for (const auto& name : rows) {
    for (const unsigned n : thread_steps()) {
      const std::string k = key({"thr", name, std::to_string(n)});
      const auto per_thread = [&](const Samples::Run& r) { return scaling(r, name, n); };
      std::printf("%-12s %3u %10s %10s %16s %16s\n", std::string(name).c_str(), n,
                  num(get(ours, k, notes), 0).c_str(), num(get(stock, k, notes), 0).c_str(),
                  num(ours.samples.median_per_run(per_thread), 2, "-").c_str(),
                  num(stock.samples.median_per_run(per_thread), 2, "-").c_str());
    }
  }
  notes.print();
  std::printf("\n");
}

void print_memory(const Impl& ours, const Impl& stock) {
  std::printf(
      "Memory (octets; per pair = one client plus one server connection, authenticated "
      "and kept alive)\n");
  std::printf("%-48s %10s %10s %11s\n", "", "ours", "stock", "ours/stock");
  Notes notes;
  const auto row = [&](const std::string& label, const std::string& k) {
    const auto o = get(ours, k, notes);
    const auto s = get(stock, k, notes);
    std::printf("%-48s %10s %10s %11s\n", label.c_str(), num(o, 0).c_str(), num(s, 0).c_str(),
                num(versus(ours, stock, k), 2, "-").c_str());
  };
  for (const auto& c : kMemoryCases) {
    const std::string name(c.name);
    const std::string what = "per pair, " + name + " (" + std::to_string(c.pairs) + " pairs), ";
    row(what + "RSS growth", "mem/" + name + "/rss");
    row(what + "malloc'd", "mem/" + name + "/heap");
    row(what + "kept after dispose", "mem/" + name + "/kept");
  }
  row("peak RSS, layer+handshake process", "peak");
  for (const auto& c : kMemoryCases) {
    const std::string name(c.name);
    row("peak RSS, " + name + " memory process", "mem/" + name + "/peak");
  }
  notes.print();
  std::printf("\n");
}

// ---- targets ---------------------------------------------------------------------------

// Worst tracks the smallest ratio seen and where.
struct Worst {
  std::optional<double> value;
  std::string where;
  void see(std::optional<double> v, const std::string& at) {
    if (v && (!value || *v < *value)) {
      value = v;
      where = at;
    }
  }
};

void verdict(const char* target, const Worst& w, double bound) {
  const bool met = w.value && *w.value >= bound;
  std::printf("  %-58s %-8s worst %s (%s)\n", target, met ? "met" : "NOT met",
              num(w.value, 2).c_str(), w.where.c_str());
}

void print_targets(const Impl& ours, const Impl& stock) {
  std::printf("Targets (medians above)\n");
  Worst at64;
  Worst at1;
  Worst vs_stock;
  for (const auto& c : kLayerCases) {
    for (const std::size_t chunk : kChunks) {
      const std::string suffix = std::string(c.name) + "/" + std::to_string(chunk);
      const auto r = ours.samples.median("ratio/" + suffix);
      if (chunk == 64 * kKiB) {
        at64.see(r, suffix);
      } else if (chunk == kKiB) {
        at1.see(r, suffix);
      }
      vs_stock.see(versus(ours, stock, "ratio/" + suffix), "layer " + suffix);
    }
  }
  Worst hs_auth;
  Worst hs_flat;
  hs_auth.see(versus(ours, stock, "hs/auth"), "auth");
  for (const auto& c : kHandshakeCases) {
    const std::string k = "hs/" + std::string(c.name);
    vs_stock.see(versus(ours, stock, k), k);
    if (c.name == "rc4" || c.name == "3des") {
      hs_flat.see(vs_auth(ours, k), k + " / hs/auth");
    }
  }
  Worst memory;  // stock / ours, so that >= 1 means ours uses no more
  for (const auto& c : kMemoryCases) {
    for (const char* m : {"rss", "heap"}) {
      const std::string k = "mem/" + std::string(c.name) + "/" + m;
      memory.see(versus(stock, ours, k), k + " (stock/ours)");
    }
  }
  verdict("layer at 64 KiB >= 0.97 of the floor, every case", at64, 0.97);
  verdict("layer at 1 KiB >= 0.90 of the floor, every case", at1, 0.90);
  verdict("never slower than stock (layer cells, handshakes)", vs_stock, 1.0);
  verdict("auth handshakes >= 1.3x stock", hs_auth, 1.3);
  verdict("rc4 and 3des handshakes >= 0.8 of our auth rate", hs_flat, 0.8);
  verdict("bytes per pair <= stock (stock/ours >= 1)", memory, 1.0);
  Worst thread_scaling;
  Worst vs_machine;  // per-thread scaling relative to the OpenSSL reference's in the same run
  for (const auto& name : kThreadCases) {
    for (const unsigned n : thread_steps()) {
      if (n == 1) {
        continue;
      }
      const std::string where = std::string(name) + " on " + std::to_string(n) + " threads";
      thread_scaling.see(
          ours.samples.median_per_run([&](const Samples::Run& r) { return scaling(r, name, n); }),
          where);
      vs_machine.see(
          ours.samples.median_per_run([&](const Samples::Run& r) -> std::optional<double> {
            const auto mine = scaling(r, name, n);
            const auto machine = scaling(r, kThreadReference, n);
            return mine && machine ? std::optional<double>(*mine / *machine) : std::nullopt;
          }),
          where);
    }
  }
  Worst floor;  // floor / added, so that >= 1/1.2 means within 1.2x of the floor
  for (const auto& c : kHandshakeCases) {
    if (c.keys > 0) {
      floor.see(ours.samples.median_per_run([&](const Samples::Run& r) -> std::optional<double> {
        const auto a = added_us(r, c.name);
        const auto f = floor_us(r, c.name);
        return a && f && *a > 0 ? std::optional<double>(*f / *a) : std::nullopt;
      }),
                std::string(c.name) + " (floor/added)");
    }
  }
  verdict("thread scaling >= 0.9 per thread, every case", thread_scaling, 0.9);
  verdict("thread scaling >= 0.9 of the machine's (OpenSSL reference)", vs_machine, 0.9);
  verdict("layer's handshake cost within 1.2x its floor (floor/added)", floor, 1 / 1.2);
}

// write_chart draws the layer ratios, the handshake rates and the bytes per pair.
void write_chart(const CompareOptions& o, const Impl& ours, const Impl& stock) {
  ChartPanel layer{
      "Layer throughput relative to the OpenSSL floor (dashed line = floor)", {}, 1.2, 1.0, 2};
  for (const auto& c : kLayerCases) {
    for (const std::size_t chunk : kChunks) {
      const std::string k = "ratio/" + std::string(c.name) + "/" + std::to_string(chunk);
      layer.bars.push_back({std::string(c.name) + ", " + chunk_name(chunk), ours.samples.median(k),
                            stock.samples.median(k)});
    }
  }
  ChartPanel hs{"Handshakes per CPU second", {}, 1, 0, 0};
  for (const auto& c : kHandshakeCases) {
    const std::string k = "hs/" + std::string(c.name);
    hs.bars.push_back({std::string(c.name), ours.samples.median(k), stock.samples.median(k)});
    hs.max = std::max({hs.max, ours.samples.median(k).value_or(0) * 1.15,
                       stock.samples.median(k).value_or(0) * 1.15});
  }
  ChartPanel mem{"Octets per authenticated client+server pair (RSS growth)", {}, 1, 0, 0};
  for (const auto& c : kMemoryCases) {
    const std::string k = "mem/" + std::string(c.name) + "/rss";
    mem.bars.push_back({std::string(c.name), ours.samples.median(k), stock.samples.median(k)});
    mem.max = std::max({mem.max, ours.samples.median(k).value_or(0) * 1.15,
                        stock.samples.median(k).value_or(0) * 1.15});
  }
  const std::string subtitle = "DIGEST-MD5, " + cpu_model() + ", medians of " +
                               std::to_string(o.runs) + " runs (make bench)";
  if (!write_svg(o.svg_path, subtitle, {layer, hs, mem})) {
    std::fprintf(stderr, "dmd5_bench: cannot write %s\n", o.svg_path.c_str());
  } else {
    std::fprintf(stderr, "dmd5_bench: chart written to %s\n", o.svg_path.c_str());
  }
}

}  // namespace

int compare(const CompareOptions& options, const char* argv0) {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) {
    self = argv0;
  }
  std::string tmpl = (fs::temp_directory_path() / "dmd5-bench.XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::fprintf(stderr, "dmd5_bench: cannot create a temporary directory\n");
    return 1;
  }
  const fs::path tmp = tmpl;
  Impl ours{"ours", (tmp / "ours").string(), isolate(options.ours_dir, tmp / "ours"), {}};
  Impl stock{"stock", (tmp / "stock").string(), isolate(options.stock_dir, tmp / "stock"), {}};
  Samples floor;  // the floor as timed in both plugins' processes
  const std::string scale = std::to_string(options.scale);
  std::array<Impl*, 2> order{&ours, &stock};
  for (int run = 0; run < options.runs; ++run) {
    std::fprintf(stderr, "dmd5_bench: run %d of %d\n", run + 1, options.runs);
    ours.samples.begin_run();
    stock.samples.begin_run();
    for (Impl* impl : order) {
      if (!impl->missing.empty()) {
        continue;
      }
      for (const auto& c : kMemoryCases) {
        impl->samples.absorb(
            run_child(self, {"--worker", "memory", impl->plugin_dir, std::string(c.name)}));
      }
      impl->samples.absorb(
          run_child(self, {"--worker", "plugin", impl->plugin_dir, "reauth", "--scale", scale}));
      impl->samples.absorb(
          run_child(self, {"--worker", "plugin", impl->plugin_dir, "threads", "--scale", scale}));
      const std::string out =
          run_child(self, {"--worker", "plugin", impl->plugin_dir, "--scale", scale});
      impl->samples.absorb(out);
      floor.begin_run();
      floor.absorb(out);
    }
    std::swap(order[0], order[1]);
  }
  fs::remove_all(tmp, ec);

  print_machine(options);
  print_layers(ours, stock, floor);
  print_handshakes(ours, stock);
  print_floor(ours, stock);
  print_threads(ours, stock);
  print_memory(ours, stock);
  print_targets(ours, stock);
  if (!options.svg_path.empty()) {
    write_chart(options, ours, stock);
  }
  return ours.missing.empty() && ours.samples.median("hs/auth") ? 0 : 1;
}

}  // namespace dmd5bench
