// SPDX-License-Identifier: BSD-3-Clause
// report.hpp: the line format worker processes print and the driver reads back, and medians.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dmd5bench {

// Report writes one "key<TAB>value" line per measurement to stdout (flushed at once, so a
// crashing worker still leaves what it measured). Keys name the measurement, e.g.
// "layer/rc4/1024" (MB/s), "hs/auth" (handshakes/s), "mem/auth/rss" (octets per pair).
class Report {
 public:
  void value(std::string_view key, double v);
  // unavailable records that the measurement could not be made and why (one line of text).
  void unavailable(std::string_view key, std::string_view reason);
};

// Samples collects the lines of several runs of one implementation, run by run.
class Samples {
 public:
  // begin_run starts the next run; absorb() adds to the current one.
  void begin_run() { m_runs.emplace_back(); }
  // absorb parses the output of one worker process; unparsable lines are ignored.
  void absorb(std::string_view text);
  // median is the median over the runs of the values recorded under `key`, or nullopt when
  // there are none.
  [[nodiscard]] std::optional<double> median(const std::string& key) const;
  // reason is why `key` was unavailable (empty when it never was).
  [[nodiscard]] std::string reason(const std::string& key) const;

  // paired_ratio is the median over runs of a's value for `ka` divided by b's value for `kb`
  // in the same run (runs where either is missing are skipped). Run i of both was measured
  // back to back, so the ratio cancels most of what the machine's load does to both.
  static std::optional<double> paired_ratio(const Samples& a, const std::string& ka,
                                            const Samples& b, const std::string& kb);

  // Run is one run's values by key.
  using Run = std::map<std::string, double>;
  // median_per_run is the median over runs of `f` of each run (runs where f gives nullopt are
  // skipped): for figures derived from several keys of the same run.
  [[nodiscard]] std::optional<double> median_per_run(
      const std::function<std::optional<double>(const Run&)>& f) const;

 private:
  std::vector<std::map<std::string, double>> m_runs;
  std::map<std::string, std::string> m_reasons;
};

// median_of returns the median of `v`, or nullopt when it is empty.
std::optional<double> median_of(std::vector<double> v);

// key joins parts with '/'.
std::string key(std::initializer_list<std::string_view> parts);

}  // namespace dmd5bench
