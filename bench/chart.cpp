// SPDX-License-Identifier: BSD-3-Clause
// chart.cpp: plain SVG, written by hand: horizontal bars, ours above stock, per label.
#include "bench/chart.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace dmd5bench {
namespace {

constexpr int kWidth = 760;
constexpr int kLabelWidth = 130;
constexpr int kBarArea = 520;
constexpr int kBarHeight = 9;
constexpr int kRowHeight = 24;
constexpr const char* kOursColour = "#2b6cb0";
constexpr const char* kStockColour = "#dd8a2b";

std::string format(double v, int precision) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%.*f", precision, v);
  return buf.data();
}

// bar draws one bar (or "n/a") at height y, with its value printed after it.
void bar(std::ostringstream& svg, const ChartPanel& p, std::optional<double> v, int y,
         const char* colour) {
  if (!v) {
    svg << "<text x='" << kLabelWidth + 4 << "' y='" << y + kBarHeight - 1
        << "' font-size='9' fill='#888'>n/a</text>\n";
    return;
  }
  const double w = std::max(1.0, *v / p.max * kBarArea);
  svg << "<rect x='" << kLabelWidth << "' y='" << y << "' width='" << format(w, 1) << "' height='"
      << kBarHeight << "' fill='" << colour << "'/>\n"
      << "<text x='" << format(kLabelWidth + w, 1) << "' dx='4' y='" << y + kBarHeight - 1
      << "' font-size='9'>" << format(*v, p.precision) << "</text>\n";
}

// panel draws one chart starting at `top` and returns the height it used.
int panel(std::ostringstream& svg, const ChartPanel& p, int top) {
  svg << "<text x='8' y='" << top + 14 << "' font-size='13' font-weight='bold'>" << p.title
      << "</text>\n";
  int y = top + 26;
  for (const auto& b : p.bars) {
    svg << "<text x='" << kLabelWidth - 6 << "' y='" << y + kBarHeight + 3
        << "' font-size='10' text-anchor='end'>" << b.label << "</text>\n";
    bar(svg, p, b.ours, y, kOursColour);
    bar(svg, p, b.stock, y + kBarHeight + 1, kStockColour);
    y += kRowHeight;
  }
  if (p.reference > 0) {
    const std::string x = format(kLabelWidth + p.reference / p.max * kBarArea, 1);
    svg << "<line x1='" << x << "' x2='" << x << "' y1='" << top + 22 << "' y2='" << y
        << "' stroke='#444' stroke-dasharray='4 3'/>\n";
  }
  return y - top + 10;
}

}  // namespace

bool write_svg(const std::string& path, const std::string& subtitle,
               const std::vector<ChartPanel>& panels) {
  std::ostringstream body;
  int y = 40;
  for (const auto& p : panels) {
    y += panel(body, p, y);
  }
  std::ofstream out(path);
  out << "<svg xmlns='http://www.w3.org/2000/svg' width='" << kWidth << "' height='" << y + 10
      << "' font-family='sans-serif'>\n"
      << "<rect width='100%' height='100%' fill='white'/>\n"
      << "<text x='8' y='16' font-size='11' fill='#444'>" << subtitle << "</text>\n"
      << "<rect x='" << kWidth - 170 << "' y='8' width='10' height='10' fill='" << kOursColour
      << "'/><text x='" << kWidth - 156 << "' y='17' font-size='11'>ours</text>\n"
      << "<rect x='" << kWidth - 110 << "' y='8' width='10' height='10' fill='" << kStockColour
      << "'/><text x='" << kWidth - 96 << "' y='17' font-size='11'>stock 2.1.28</text>\n"
      << body.str() << "</svg>\n";
  return static_cast<bool>(out);
}

}  // namespace dmd5bench
