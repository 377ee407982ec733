#include "ocr/ctc.hpp"

#include <algorithm>
#include <cstdint>
#include <fstream>

#include "common/geometry.hpp"
#include "deepcompress/error.hpp"

namespace deepcompress {
namespace {

// One emitted dictionary entry with where it sits on the CTC time axis.
struct Emitted {
  std::string text;
  float confidence = 0;
  float step = 0;  // centre of the argmax run, in time steps
  bool is_space = false;
  bool is_wide = false;  // CJK-like: words are not separated by spaces
};

std::uint32_t first_code_point(const std::string& s) {
  if (s.empty()) return 0;
  const auto b0 = static_cast<unsigned char>(s[0]);
  auto cont = [&](std::size_t i) -> std::uint32_t {
    return i < s.size() ? static_cast<unsigned char>(s[i]) & 0x3Fu : 0u;
  };
  if (b0 < 0x80) return b0;
  if ((b0 & 0xE0) == 0xC0) return ((b0 & 0x1Fu) << 6) | cont(1);
  if ((b0 & 0xF0) == 0xE0) return ((b0 & 0x0Fu) << 12) | (cont(1) << 6) | cont(2);
  return ((b0 & 0x07u) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3);
}

// Scripts written without spaces between words (Han, kana, Hangul syllables
// are spaced in Korean but recovering them from pitch is unreliable), plus
// full-width punctuation, which carries its own spacing.
bool is_wide(std::uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0x2E80 && cp <= 0x303F) || (cp >= 0x3040 && cp <= 0x33FF) ||
         (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
         (cp >= 0x20000 && cp <= 0x3FFFF);
}

// A space before these would be wrong even after a wide gap.
bool attaches_left(const std::string& s) {
  static const std::string kClosers = ",.;:!?)]}%'\"";
  return s.size() == 1 && kClosers.find(s[0]) != std::string::npos;
}

std::size_t count_code_points(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Inserts spaces inside one run chars[first, last) of non-space, non-wide
// characters where a step gap is larger than the run's character pitch allows.
void recover_spaces_in_run(std::vector<Emitted>& chars, std::size_t first, std::size_t last, float gap_factor,
                           std::vector<bool>& space_before) {
  std::vector<float> gaps;
  for (std::size_t i = first + 1; i < last; ++i) gaps.push_back(chars[i].step - chars[i - 1].step);
  // Too few gaps give no trustworthy pitch; missing a space beats inventing one.
  if (gaps.size() < 3) return;
  // Robust pitch: the median of the gaps that are not themselves word gaps
  // (judged against the plain median), so that many short words do not
  // inflate it, while step quantisation does not drag it down as a low
  // percentile would.
  const float rough = median(gaps);
  std::vector<float> inner;
  for (float g : gaps)
    if (g <= gap_factor * rough) inner.push_back(g);
  const float pitch = inner.empty() ? rough : median(inner);
  // Time steps are coarse (8 px of input per step): demand at least one
  // whole extra step so that a quantisation wobble of a narrow pitch is no gap.
  const float min_gap = std::max(gap_factor * pitch, pitch + 1.0f);
  for (std::size_t i = first + 1; i < last; ++i) {
    if (!attaches_left(chars[i].text) && chars[i].step - chars[i - 1].step > min_gap) space_before[i] = true;
  }
}

// The recognizer usually emits real spaces; what it does (trained mostly on
// Chinese) is drop them now and then, leaving a long space-less run of Latin
// characters. Only such runs are searched for word gaps: elsewhere a wide
// letter (m, w) spans as many steps as a word gap, and guessing would split
// words. Wide scripts have no word spaces.
void recover_spaces(std::vector<Emitted>& chars, const SpaceParams& params) {
  if (params.gap_factor <= 0) return;
  std::vector<bool> space_before(chars.size(), false);
  std::size_t run_start = 0;
  for (std::size_t i = 0; i <= chars.size(); ++i) {
    const bool breaks = i == chars.size() || chars[i].is_space || chars[i].is_wide;
    if (!breaks) continue;
    if (i - run_start >= static_cast<std::size_t>(params.min_run_chars)) {
      recover_spaces_in_run(chars, run_start, i, params.gap_factor, space_before);
    }
    run_start = i + 1;
  }
  std::vector<Emitted> out;
  out.reserve(chars.size() * 2);
  for (std::size_t i = 0; i < chars.size(); ++i) {
    if (space_before[i]) {
      Emitted space;
      space.text = " ";
      space.is_space = true;
      space.confidence = 0.5f * (chars[i - 1].confidence + chars[i].confidence);
      space.step = 0.5f * (chars[i - 1].step + chars[i].step);
      out.push_back(space);
    }
    out.push_back(std::move(chars[i]));
  }
  chars = std::move(out);
}

}  // namespace

CtcResult ctc_greedy_decode(const float* probs, int n_steps, int n_classes,
                            const std::vector<std::string>& dictionary, const SpaceParams& params) {
  if (n_classes != static_cast<int>(dictionary.size()))
    throw Error(ErrorKind::kModel, "recognizer outputs " + std::to_string(n_classes) +
                                       " classes but the dictionary has " +
                                       std::to_string(dictionary.size()));
  CtcResult result;
  if (n_steps <= 0 || n_classes <= 0 || probs == nullptr) return result;

  std::vector<Emitted> chars;
  int run_class = 0;
  int run_start = 0;
  float run_max = 0;
  auto close_run = [&](int run_end) {  // run_end is exclusive
    if (run_class == 0) return;
    Emitted e;
    e.text = dictionary[static_cast<std::size_t>(run_class)];
    if (e.text.empty()) return;
    e.confidence = run_max;
    e.step = 0.5f * static_cast<float>(run_start + run_end - 1);
    e.is_space = e.text == " ";
    e.is_wide = is_wide(first_code_point(e.text));
    chars.push_back(std::move(e));
  };
  for (int t = 0; t < n_steps; ++t) {
    const float* row = probs + static_cast<std::size_t>(t) * static_cast<std::size_t>(n_classes);
    const int best = static_cast<int>(std::max_element(row, row + n_classes) - row);
    if (t == 0 || best != run_class) {
      if (t > 0) close_run(t);
      run_class = best;
      run_start = t;
      run_max = row[best];
    } else {
      run_max = std::max(run_max, row[best]);
    }
  }
  close_run(n_steps);

  recover_spaces(chars, params);

  // Assemble: no leading, trailing or doubled spaces.
  for (const Emitted& e : chars) {
    if (e.is_space && (result.text.empty() || result.text.back() == ' ')) continue;
    result.text += e.text;
    result.char_confidences.insert(result.char_confidences.end(), count_code_points(e.text), e.confidence);
  }
  while (!result.text.empty() && result.text.back() == ' ') {
    result.text.pop_back();
    result.char_confidences.pop_back();
  }
  return result;
}

std::vector<std::string> load_dictionary(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::kModel, "cannot read the recognizer dictionary", path);
  std::vector<std::string> dict{"<blank>"};
  std::string line;
  // Empty lines are kept: the class index of every later entry depends on them.
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    dict.push_back(line);
  }
  if (in.bad()) throw Error(ErrorKind::kModel, "error while reading the recognizer dictionary", path);
  if (dict.size() == 1) throw Error(ErrorKind::kModel, "the recognizer dictionary is empty", path);
  dict.emplace_back(" ");
  return dict;
}

}  // namespace deepcompress
