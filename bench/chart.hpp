// SPDX-License-Identifier: BSD-3-Clause
// chart.hpp: an SVG bar chart of the comparison (README, "Performance").
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace dmd5bench {

// ChartBar is one labelled pair of bars; a missing value draws "n/a".
struct ChartBar {
  std::string label;
  std::optional<double> ours;
  std::optional<double> stock;
};

// ChartPanel is one horizontal bar chart: `bars` scaled so that `max` spans the width, with a
// dashed reference line at `reference` (0 for none).
struct ChartPanel {
  std::string title;
  std::vector<ChartBar> bars;
  double max = 1;
  double reference = 0;
  int precision = 2;  // decimals of the value labels
};

// write_svg writes the panels one under the other to `path`; it returns false if the file
// cannot be written.
bool write_svg(const std::string& path, const std::string& subtitle,
               const std::vector<ChartPanel>& panels);

}  // namespace dmd5bench
