// Single-thread throughput of the BPE tokenizer (not a test): scripts/bench_tokenizer runs it.
//   bench_tokenizer TOKENIZER_DIR TEXT_FILE
// Prints, per encoding, the load time and the best of 5 runs of encode() and count() in MB/s.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "deepcompress/error.hpp"
#include "encode/tokenizer.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <typename F>
double best_seconds(int n_runs, F&& run) {
  double best = 1e30;
  for (int i = 0; i < n_runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    best = std::min(best, seconds_since(t0));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s TOKENIZER_DIR TEXT_FILE\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[2], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", argv[2]);
    return 1;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const double n_mb = static_cast<double>(text.size()) / 1e6;
  std::printf("text: %.2f MB\n%-12s %8s %9s %12s %12s %10s\n", n_mb, "encoding", "load_ms", "n_tokens",
              "encode_MB/s", "count_MB/s", "bytes/tok");
  try {
    for (const char* name : {"o200k_base", "cl100k_base"}) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto tok = deepcompress::Tokenizer::load(argv[1], name);
      const double t_load_ms = seconds_since(t0) * 1e3;
      std::size_t n_tokens = 0;
      const double t_encode_s = best_seconds(5, [&] { n_tokens = tok.encode(text).size(); });
      std::size_t n_counted = 0;
      const double t_count_s = best_seconds(5, [&] { n_counted = tok.count(text); });
      if (n_counted != n_tokens) {
        std::fprintf(stderr, "%s: count() %zu != encode().size() %zu\n", name, n_counted, n_tokens);
        return 1;
      }
      std::printf("%-12s %8.1f %9zu %12.1f %12.1f %10.2f\n", name, t_load_ms, n_tokens, n_mb / t_encode_s,
                  n_mb / t_count_s, static_cast<double>(text.size()) / static_cast<double>(n_tokens));
    }
    // Pathological pieces (one 200 KB word, 100 KB of blanks): the heap merge must keep
    // these linear-ish; a quadratic merge would take minutes here.
    const std::string one_word(200000, 'a');
    const std::string blanks = std::string(100000, ' ') + "x" + std::string(100000, '\n');
    for (const char* name : {"o200k_base", "cl100k_base"}) {
      const auto tok = deepcompress::Tokenizer::load(argv[1], name);
      const double t_word_s = best_seconds(3, [&] { (void)tok.encode(one_word); });
      const double t_blank_s = best_seconds(3, [&] { (void)tok.encode(blanks); });
      std::printf("%-12s long runs: 200 KB word %.1f ms, 200 KB of blanks %.1f ms\n", name, t_word_s * 1e3,
                  t_blank_s * 1e3);
    }
  } catch (const deepcompress::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
