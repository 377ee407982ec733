#pragma once
// Exact BPE tokenizer for OpenAI's o200k_base and cl100k_base encodings (as tiktoken's
// encode_ordinary: special-token strings are ordinary text). Rank files come from
// scripts/fetch_tokenizer; docs/tokenizer.md says where they come from and how it is tested.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace deepcompress {

// An immutable loaded encoding. Copies share the same tables; encode/count/decode may be
// called concurrently from any number of threads (per-thread PCRE2 match state).
class Tokenizer {
 public:
  // Loads DIR/<name>.tiktoken, name "o200k_base" or "cl100k_base". Throws Error(kConfig)
  // for another name, Error(kModel) naming the file if it is missing or corrupt.
  static Tokenizer load(const std::filesystem::path& dir, const std::string& name);

  // Token ids of text. Valid UTF-8 gives exactly tiktoken's ids. Invalid UTF-8 never
  // throws: each maximal run of invalid bytes is BPE-encoded on its own as raw bytes
  // (so decode(encode(x)) == x for any bytes); the valid text around it is split as if
  // the invalid run were a character that matches nothing. Throws Error(kInternal) only
  // if PCRE2 fails (resource limits).
  std::vector<std::uint32_t> encode(std::string_view text) const;

  // == encode(text).size(), without building the id vector.
  std::size_t count(std::string_view text) const;

  // The bytes of the tokens, concatenated (may be invalid UTF-8 if ids split a
  // character). Throws Error(kInternal) for an id that is not in this encoding.
  std::string decode(const std::vector<std::uint32_t>& ids) const;

  // "o200k_base" or "cl100k_base".
  const std::string& name() const;
  // Number of ordinary (non-special) tokens: ids are 0 .. n_tokens() - 1.
  std::size_t n_tokens() const;

 private:
  struct Impl;
  explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace deepcompress
