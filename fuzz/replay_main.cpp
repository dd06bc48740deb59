// SPDX-License-Identifier: BSD-3-Clause
// replay_main.cpp: runs a fuzz target over files without libFuzzer, for `make check`.
//
// Usage: replay_<target> [FILE|DIR]...; with no argument it replays the checked-in corpus
// fuzz/corpus/<target> (DMD5_FUZZ_CORPUS_DIR/DMD5_FUZZ_TARGET). Each input is read whole and
// passed once to LLVMFuzzerTestOneInput; a failed check aborts, which fails the test. Output is
// TAP.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

// collect lists FILE, or the regular files of DIR in name order.
bool collect(const std::filesystem::path& path, std::vector<std::filesystem::path>& out) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      if (entry.is_regular_file()) {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    out.insert(out.end(), files.begin(), files.end());
    return !ec;
  }
  if (std::filesystem::is_regular_file(path, ec)) {
    out.push_back(path);
    return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> roots;
  for (int i = 1; i < argc; ++i) {
    roots.emplace_back(argv[i]);
  }
  if (roots.empty()) {
    roots.emplace_back(std::filesystem::path(DMD5_FUZZ_CORPUS_DIR) / DMD5_FUZZ_TARGET);
  }
  std::printf("1..%zu\n", roots.size());
  int failed = 0;
  for (std::size_t i = 0; i < roots.size(); ++i) {
    std::vector<std::filesystem::path> files;
    if (!collect(roots[i], files) || files.empty()) {
      std::printf("not ok %zu - %s: no inputs\n", i + 1, roots[i].c_str());
      ++failed;
      continue;
    }
    std::size_t bytes = 0;
    for (const auto& file : files) {
      std::ifstream stream(file, std::ios::binary);
      const std::vector<char> data((std::istreambuf_iterator<char>(stream)),
                                   std::istreambuf_iterator<char>());
      std::fflush(stdout);  // so a crash report follows the last TAP line
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
      bytes += data.size();
    }
    std::printf("ok %zu - %s: %zu inputs (%zu octets) replayed\n", i + 1,
                roots[i].filename().c_str(), files.size(), bytes);
  }
  return failed == 0 ? 0 : 1;
}
