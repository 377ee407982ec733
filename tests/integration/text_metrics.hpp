#pragma once
// Character and word error rates, whitespace-normalized, for scoring OCR text
// against ground truth.
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

namespace deepcompress::test {

// Splits UTF-8 text into code points (as strings) so CER counts characters, not bytes.
inline std::vector<std::string> utf8_chars(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

inline std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Words joined by single spaces: "whitespace-normalized" text.
inline std::string normalize_ws(const std::string& s) {
  std::string out;
  for (const auto& w : words(s)) out += (out.empty() ? "" : " ") + w;
  return out;
}

template <typename T>
std::size_t edit_distance(const std::vector<T>& a, const std::vector<T>& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// Character error rate of hypothesis against reference, whitespace-normalized.
inline double cer(const std::string& reference, const std::string& hypothesis) {
  const auto r = utf8_chars(normalize_ws(reference));
  const auto h = utf8_chars(normalize_ws(hypothesis));
  return r.empty() ? (h.empty() ? 0.0 : 1.0) : static_cast<double>(edit_distance(r, h)) / r.size();
}

// Word error rate (word-level edit distance / reference words).
inline double wer(const std::string& reference, const std::string& hypothesis) {
  const auto r = words(reference);
  const auto h = words(hypothesis);
  return r.empty() ? (h.empty() ? 0.0 : 1.0) : static_cast<double>(edit_distance(r, h)) / r.size();
}

}  // namespace deepcompress::test
