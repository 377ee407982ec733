// Token and word counts of arbitrary files (not a test): scripts/bench_compression runs it.
//   count_tokens TOKENIZER_DIR ENCODING FILE...
//     one line per file: n_tokens TAB n_bytes TAB n_words TAB path
//   count_tokens --recall REFERENCE CANDIDATE
//     one line: n_words TAB n_recalled (REFERENCE's words found in CANDIDATE, as a bag)
// Tokens are counted with deepcompress::Tokenizer (ENCODING: o200k_base or cl100k_base) and
// words with the same word_recall / words_of the --format json stats use (docs/compression.md).
// Exit status: 0 ok, 1 a file or the tokenizer could not be read, 2 usage.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "deepcompress/error.hpp"
#include "encode/stats.hpp"
#include "encode/tokenizer.hpp"

namespace {

// The whole file as bytes; nullopt (after a message on stderr) if it cannot be read.
std::optional<std::string> read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "count_tokens: cannot read %s\n", path);
    return std::nullopt;
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s TOKENIZER_DIR ENCODING FILE...\n       %s --recall REFERENCE CANDIDATE\n", argv0,
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "--recall") {
    if (argc != 4) return usage(argv[0]);
    const auto reference = read_file(argv[2]);
    const auto candidate = read_file(argv[3]);
    if (!reference || !candidate) return 1;
    const deepcompress::WordRecall recall = deepcompress::word_recall(*reference, *candidate);
    std::printf("%zu\t%zu\n", recall.n_words, recall.n_recalled);
    return 0;
  }
  if (argc < 4) return usage(argv[0]);
  try {
    const auto tokenizer = deepcompress::Tokenizer::load(argv[1], argv[2]);
    for (int i = 3; i < argc; ++i) {
      const auto text = read_file(argv[i]);
      if (!text) return 1;
      std::printf("%zu\t%zu\t%zu\t%s\n", tokenizer.count(*text), text->size(),
                  deepcompress::words_of(*text).size(), argv[i]);
    }
  } catch (const deepcompress::Error& e) {
    std::fprintf(stderr, "count_tokens: %s\n", e.what());
    return 1;
  }
  return 0;
}
