// SPDX-License-Identifier: BSD-3-Clause
// timing.hpp: the timed loop shared by the layer and the floor, test data, process memory.
#pragma once

#include <malloc.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <vector>

namespace dmd5bench {

// CpuClock reads the CPU time this process has used (user and system). Every rate is computed
// from it rather than from wall time, so that other load on a shared machine, which takes the
// CPU away from the benchmark, does not count as the benchmark's time.
struct CpuClock {
  using time_point = double;  // seconds
  static time_point now() noexcept {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
  }
};
using Clock = CpuClock;

inline double seconds_since(Clock::time_point start) { return Clock::now() - start; }

// scaled_rounds is how many chunks make up `volume` times `scale` (at least 8).
inline std::size_t scaled_rounds(std::size_t volume, std::size_t chunk, double scale) {
  const double rounds = static_cast<double>(volume) * scale / static_cast<double>(chunk);
  return std::max<std::size_t>(8, static_cast<std::size_t>(rounds));
}

// kSlices is how many equal slices each measurement is timed in. Only the fastest slice counts:
// interference from other work on the machine (a busy sibling hyperthread, cache thrashing) can
// only slow a slice down, so the fastest one is the best estimate of the code's own cost.
inline constexpr std::size_t kSlices = 5;

// slice_rate runs `round` (one chunk's round trip, false on failure) `n` times and returns the
// MB/s (10^6 octets of plaintext per CPU second), or nullopt when a round failed.
template <typename Round>
std::optional<double> slice_rate(std::size_t n, std::size_t chunk, Round& round) {
  const auto start = Clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    if (!round()) {
      return std::nullopt;
    }
  }
  return static_cast<double>(n * chunk) / 1e6 / seconds_since(start);
}

// Paired is the fastest slice of each of two round trips timed alternately (see time_paired).
struct Paired {
  double first = 0;
  double second = 0;
};

// time_paired warms up both round trips, then times `rounds` of each in kSlices slices that
// alternate between the two, so both see the same machine. It returns each one's fastest slice,
// or nullopt when a round failed.
template <typename First, typename Second>
std::optional<Paired> time_paired(std::size_t rounds, std::size_t chunk, First&& first,
                                  Second&& second) {
  const std::size_t warm = std::max<std::size_t>(4, rounds / 16);
  if (!slice_rate(warm, chunk, first) || !slice_rate(warm, chunk, second)) {
    return std::nullopt;
  }
  const std::size_t per_slice = std::max<std::size_t>(1, rounds / kSlices);
  Paired best;
  for (std::size_t s = 0; s < kSlices; ++s) {
    const auto a = slice_rate(per_slice, chunk, first);
    const auto b = slice_rate(per_slice, chunk, second);
    if (!a || !b) {
      return std::nullopt;
    }
    best.first = std::max(best.first, *a);
    best.second = std::max(best.second, *b);
  }
  return best;
}

// time_rounds is time_paired for a single round trip.
template <typename Round>
std::optional<double> time_rounds(std::size_t rounds, std::size_t chunk, Round&& round) {
  if (!slice_rate(std::max<std::size_t>(4, rounds / 16), chunk, round)) {
    return std::nullopt;
  }
  double best = 0;
  for (std::size_t s = 0; s < kSlices; ++s) {
    const auto r = slice_rate(std::max<std::size_t>(1, rounds / kSlices), chunk, round);
    if (!r) {
      return std::nullopt;
    }
    best = std::max(best, *r);
  }
  return best;
}

// pattern is `n` octets of xorshift output, so no cipher sees a degenerate input.
inline std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  std::uint32_t x = 2463534242U;
  for (auto& b : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<std::uint8_t>(x);
  }
  return out;
}

// resident_bytes is the process's current RSS (/proc/self/statm), or 0 if unreadable.
inline std::size_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) {
    return 0;
  }
  unsigned long size = 0;
  unsigned long resident = 0;
  const int got = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return got == 2 ? resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

// heap_bytes is what malloc has handed out and not yet had back (arena and mmapped chunks).
inline std::size_t heap_bytes() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

// peak_resident_bytes is the process's peak RSS so far.
inline std::size_t peak_resident_bytes() {
  struct rusage u {};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::size_t>(u.ru_maxrss) * 1024;
}

}  // namespace dmd5bench
