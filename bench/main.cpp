// SPDX-License-Identifier: BSD-3-Clause
// main.cpp: dmd5_bench, the benchmark driver and its worker processes.
//
//   dmd5_bench [--ours DIR] [--stock DIR] [--runs N] [--scale F] [--svg FILE]
//       runs every measurement in worker processes, alternating ours and stock (each timing the
//       OpenSSL floor alongside its layer), and prints one table of medians (README,
//       "Performance").
//   dmd5_bench --worker plugin DIR [layers|handshakes|reauth|threads] [--scale F]
//                                                   layer throughput (with the OpenSSL floor
//                                                   timed alongside) and handshakes (with the
//                                                   handshake floor); reauth: subsequent
//                                                   authentications, then their thread
//                                                   scaling; threads: full handshakes on
//                                                   1..N threads
//   dmd5_bench --worker memory DIR CASE             bytes per pair for one memory case
//   dmd5_bench --worker loop DIR CASE N             N handshakes of one case (auth, auth-int,
//                                                   rc4, 3des) or of its floor (floor-CASE),
//                                                   untimed: for instruction counts under
//                                                   valgrind --tool=callgrind
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "bench/compare.hpp"
#include "bench/plugin_runs.hpp"
#include "bench/timing.hpp"

namespace {

using dmd5bench::Report;

void usage() {
  std::fprintf(
      stderr,
      "usage: dmd5_bench [--ours DIR] [--stock DIR] [--runs N] [--scale F] [--svg FILE]\n"
      "       dmd5_bench --worker plugin DIR [layers|handshakes|reauth|threads] [--scale F]\n"
      "       dmd5_bench --worker memory DIR CASE\n");
}

int run_worker(const std::vector<std::string>& args, double scale) {
  Report report;
  const std::string mode = args.empty() ? "" : args[0];
  if (mode == "plugin" && (args.size() == 2 || args.size() == 3)) {
    // An optional third word ("layers" or "handshakes") runs one part alone, for profiling;
    // "reauth" runs the subsequent authentications, which need a process of their own.
    const std::string part = args.size() == 3 ? args[2] : "";
    if (!dmd5bench::start_libsasl2(report, args[1], part == "reauth")) {
      return 1;
    }
    if (part == "reauth") {
      dmd5bench::run_reauth_handshakes(report, scale);
      dmd5bench::run_thread_scaling(report, scale, true);
      return 0;
    }
    if (part == "threads") {
      dmd5bench::run_thread_scaling(report, scale, false);
      return 0;
    }
    if (part.empty() || part == "layers") {
      dmd5bench::run_layers(report, scale);
    }
    if (part.empty() || part == "handshakes") {
      dmd5bench::run_handshakes(report, scale);
    }
  } else if (mode == "loop" && args.size() == 4) {
    if (!dmd5bench::start_libsasl2(report, args[1])) {
      return 1;
    }
    return dmd5bench::run_loop(args[2], std::stoul(args[3])) ? 0 : 1;
  } else if (mode == "memory" && args.size() == 3) {
    if (!dmd5bench::start_libsasl2(report, args[1])) {
      return 1;
    }
    for (const auto& c : dmd5bench::kMemoryCases) {
      if (c.name == args[2]) {
        dmd5bench::run_memory(report, c);
      }
    }
    return 0;
  } else {
    usage();
    return 2;
  }
  report.value("peak", static_cast<double>(dmd5bench::peak_resident_bytes()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  dmd5bench::CompareOptions options;
  std::vector<std::string> worker;
  bool is_worker = false;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string_view arg = argv[i];
      const bool has_value = i + 1 < argc;
      if (arg == "--worker") {
        is_worker = true;
      } else if (arg == "--ours" && has_value) {
        options.ours_dir = argv[++i];
      } else if (arg == "--stock" && has_value) {
        options.stock_dir = argv[++i];
      } else if (arg == "--runs" && has_value) {
        options.runs = std::stoi(argv[++i]);
      } else if (arg == "--svg" && has_value) {
        options.svg_path = argv[++i];
      } else if (arg == "--scale" && has_value) {
        options.scale = std::stod(argv[++i]);
      } else if (is_worker && !arg.starts_with("--")) {
        worker.emplace_back(arg);
      } else {
        usage();
        return 2;
      }
    }
    if (is_worker) {
      return run_worker(worker, options.scale);
    }
    if (options.runs < 1 || options.scale <= 0) {
      usage();
      return 2;
    }
    return dmd5bench::compare(options, argv[0]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dmd5_bench: %s\n", e.what());
    return 1;
  }
}
