// SPDX-License-Identifier: BSD-3-Clause
// compare.hpp: the driver: alternating worker processes, medians, the comparison table.
#pragma once

#include <string>

namespace dmd5bench {

struct CompareOptions {
  std::string ours_dir = DMD5_BUILD_PLUGINDIR;  // the build tree's .libs
  std::string stock_dir = "/usr/lib/x86_64-linux-gnu/sasl2";
  int runs = 5;
  double scale = 1.0;    // multiplies volumes and handshake bounds (e.g. 0.1 for a smoke run)
  std::string svg_path;  // when set, also draw the results as an SVG chart there
};

// compare runs options.runs rounds; each round runs our plugin and the stock plugin, each in its
// own processes (one for layers and handshakes, with the OpenSSL floor timed alongside the
// layer, plus a fresh one per memory case), which plugin first alternating from round to round;
// then it prints the table of medians and the targets.
// Each plugin directory is reduced to its libdigestmd5.so (a symlink in a private temporary
// directory), since two plugins providing DIGEST-MD5 cannot share a process. Returns the exit
// status: 0 when our plugin's measurements all ran.
int compare(const CompareOptions& options, const char* argv0);

}  // namespace dmd5bench
