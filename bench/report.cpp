// SPDX-License-Identifier: BSD-3-Clause
// report.cpp: worker output lines, their parsing, and medians.
#include "bench/report.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace dmd5bench {

namespace {

constexpr std::string_view kUnavailable = "n/a ";

}  // namespace

void Report::value(std::string_view k, double v) {
  std::printf("%.*s\t%.6g\n", static_cast<int>(k.size()), k.data(), v);
  std::fflush(stdout);
}

void Report::unavailable(std::string_view k, std::string_view reason) {
  std::string line(reason);
  std::replace(line.begin(), line.end(), '\n', ' ');
  std::printf("%.*s\t%.*s%s\n", static_cast<int>(k.size()), k.data(),
              static_cast<int>(kUnavailable.size()), kUnavailable.data(), line.c_str());
  std::fflush(stdout);
}

void Samples::absorb(std::string_view text) {
  if (m_runs.empty()) {
    begin_run();
  }
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    const std::size_t tab = line.find('\t');
    if (tab == std::string_view::npos) {
      continue;
    }
    const std::string k(line.substr(0, tab));
    const std::string v(line.substr(tab + 1));
    if (v.starts_with(kUnavailable)) {
      m_reasons[k] = v.substr(kUnavailable.size());
      continue;
    }
    char* stop = nullptr;
    const double d = std::strtod(v.c_str(), &stop);
    if (stop != v.c_str() && *stop == '\0') {
      m_runs.back()[k] = d;
    }
  }
}

std::optional<double> median_of(std::vector<double> v) {
  if (v.empty()) {
    return std::nullopt;
  }
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::optional<double> Samples::median(const std::string& k) const {
  std::vector<double> v;
  for (const auto& run : m_runs) {
    if (const auto it = run.find(k); it != run.end()) {
      v.push_back(it->second);
    }
  }
  return median_of(std::move(v));
}

std::string Samples::reason(const std::string& k) const {
  const auto it = m_reasons.find(k);
  return it == m_reasons.end() ? std::string() : it->second;
}

std::optional<double> Samples::paired_ratio(const Samples& a, const std::string& ka,
                                            const Samples& b, const std::string& kb) {
  std::vector<double> v;
  for (std::size_t i = 0; i < a.m_runs.size() && i < b.m_runs.size(); ++i) {
    const auto x = a.m_runs[i].find(ka);
    const auto y = b.m_runs[i].find(kb);
    if (x != a.m_runs[i].end() && y != b.m_runs[i].end() && y->second != 0) {
      v.push_back(x->second / y->second);
    }
  }
  return median_of(std::move(v));
}

std::optional<double> Samples::median_per_run(
    const std::function<std::optional<double>(const Run&)>& f) const {
  std::vector<double> v;
  for (const auto& run : m_runs) {
    if (const auto x = f(run)) {
      v.push_back(*x);
    }
  }
  return median_of(std::move(v));
}

std::string key(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const auto p : parts) {
    if (!out.empty()) {
      out.push_back('/');
    }
    out.append(p);
  }
  return out;
}

}  // namespace dmd5bench
