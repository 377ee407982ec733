#include "ocr/ctc.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>

#include "common/geometry.hpp"
#include "deepcompress/error.hpp"

namespace deepcompress {
namespace {

// One emitted dictionary entry with where it sits on the CTC time axis.
struct Emitted {
  std::string text;
  std::string accented;    // the best accented form of a plain letter, if any scored
  float accent_ratio = 0;  // its best probability ratio to the plain letter over the run
  float confidence = 0;
  float step = 0;      // centre of the argmax run, in time steps
  int start_step = 0;  // the argmax run is [start_step, end_step)
  int end_step = 0;
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

std::size_t count_code_points(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

bool is_separator(const std::string& s) { return s == "," || s == ";"; }

// An underscore joins identifier parts (no space beside one in the bench
// corpus's 120), yet sitting on the baseline it leaves the space class some mass.
bool is_glue(const std::string& s) { return s == "_"; }

// Pairs on each side that set the local character pitch.
constexpr std::size_t kLocalPairs = 3;

// Marks space_before[k] where a dropped word gap is recovered between
// chars[k-1] and chars[k] (both non-space, neither wide). Measured on the
// bench_ocr corpus, where 2-3% of such pairs hide a gap: the space class
// reaching 5% on a blank step between them finds ~90% of the hidden gaps.
// Most false spaces it made (`bz ip2`, `debhe lper`, `(x) ;`: narrow glyphs,
// typewriter fonts) sit at the line's usual character pitch, where only ~1
// pair in 12 with that much space mass is a real gap, and even at 30% space
// mass 19 of 22 were false; so no space is recovered at the pitch (unless
// tight_min_space_probability asks for one), and 5% is enough where the step
// distance exceeds the pitch. Separators are the exception: the model puts
// almost no space mass after a comma (`hsv,39,50`), but there a wider step
// gap alone is reliable, while `f(a,b)` keeps its tight pitch.
void recover_spaces(std::vector<Emitted>& chars, const float* probs, int n_classes, int space_class,
                    const SpaceParams& params) {
  std::vector<float> gaps;  // centre distances of consecutive non-space characters
  for (std::size_t i = 1; i < chars.size(); ++i) {
    if (!chars[i].is_space && !chars[i - 1].is_space) gaps.push_back(chars[i].step - chars[i - 1].step);
  }
  const float pitch = gaps.empty() ? 0.0f : median(gaps);
  // The pitch around a pair: a run in a typewriter font inside proportional
  // text (`debhelper` in a sentence) has wider cells than the line's median,
  // and its narrow letters looked like word gaps (`debhe lper`).
  const auto local_pitch = [&](std::size_t i) {
    std::vector<float> near;
    for (std::size_t j = i > kLocalPairs ? i - kLocalPairs : 1; j < std::min(chars.size(), i + kLocalPairs + 1); ++j) {
      if (j != i && !chars[j].is_space && !chars[j - 1].is_space) near.push_back(chars[j].step - chars[j - 1].step);
    }
    return near.size() >= 2 ? std::max(pitch, median(near)) : pitch;
  };
  std::vector<bool> space_before(chars.size(), false);
  for (std::size_t i = 1; i < chars.size(); ++i) {
    const Emitted& a = chars[i - 1];
    const Emitted& b = chars[i];
    if (a.is_space || b.is_space || a.is_wide || b.is_wide) continue;
    const bool wide_gap = params.min_gap_excess_steps < 0 || gaps.empty() || is_separator(a.text) ||
                          b.step - a.step >= local_pitch(i) + params.min_gap_excess_steps;
    const float min_p =
        wide_gap ? params.min_space_probability
                 : (params.tight_min_space_probability > 0
                        ? std::max(params.min_space_probability, params.tight_min_space_probability)
                        : 0.0f);
    if (params.min_space_probability > 0 && min_p > 0 && space_class >= 0 && !is_glue(a.text) &&
        !is_glue(b.text)) {
      for (int t = a.end_step; t < b.start_step && !space_before[i]; ++t) {
        const float p = probs[static_cast<std::size_t>(t) * static_cast<std::size_t>(n_classes) +
                              static_cast<std::size_t>(space_class)];
        space_before[i] = p >= min_p;
      }
    }
    if (params.separator_gap_steps >= 0 && !gaps.empty() && is_separator(a.text) &&
        b.step - a.step >= pitch + params.separator_gap_steps) {
      space_before[i] = true;
    }
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

bool is_ascii_alnum(const std::string& s) {
  return s.size() == 1 && std::isalnum(static_cast<unsigned char>(s[0]));
}

bool is_ascii_lower_or_digit(const std::string& s) {
  return s.size() == 1 &&
         (std::islower(static_cast<unsigned char>(s[0])) || std::isdigit(static_cast<unsigned char>(s[0])));
}

// Drops spaces, the model's own or recovered, that split a token where running
// text has none: after a `/` (`doc/ git`), before a `/` that a space follows
// (`/usr / share`), before a `.` that a lowercase letter or digit follows
// (`say . cob`, `libnettle .so`), after a `.` that has a space before it,
// after a hyphen glued to its word (`autotools- dev`), between two hyphens
// (`- -leak`), beside `_` and before `()`. Measured on the bench_ocr corpus
// (helper's per-step dump): most spaces that split typewriter words are the
// model's own, at the same step distance as real word gaps (both 3 steps at a
// pitch of 2), so neither the pitch nor the space probability tells them
// apart; these neighbours do, with ~40 false spaces dropped for ~6 real ones.
// (Spelling rules, such as no word starting with `l` + consonant for
// `debhe lper`, would catch a few more but are language guesses: not used.)
void drop_token_splits(std::vector<Emitted>& chars) {
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(chars.size());
  static const std::string kNone;
  const auto text = [&](std::ptrdiff_t j) -> const std::string& {
    return j >= 0 && j < n ? chars[j].text : kNone;
  };
  std::vector<bool> drop(chars.size(), false);
  for (std::ptrdiff_t i = 1; i + 1 < n; ++i) {
    if (!chars[i].is_space || chars[i - 1].is_space || chars[i + 1].is_space) continue;
    const std::string& a = text(i - 1);
    const std::string& b = text(i + 1);
    const std::string& before_a = text(i - 2);
    const std::string& after_b = text(i + 2);
    const std::string& after_b2 = text(i + 3);
    drop[i] = (a == "/" && is_ascii_alnum(b)) ||
              (b == "/" && (is_ascii_alnum(a) || a == ">") && after_b == " ") ||
              (b == "." && is_ascii_alnum(a) &&
               (is_ascii_lower_or_digit(after_b) || (after_b == " " && is_ascii_lower_or_digit(after_b2)))) ||
              (a == "." && before_a == " " && is_ascii_lower_or_digit(b)) ||
              (a == "-" && is_ascii_alnum(before_a) && is_ascii_alnum(b)) || (a == "-" && b == "-") ||
              is_glue(a) || is_glue(b) || (b == "(" && after_b == ")" && is_ascii_alnum(a));
  }
  std::vector<Emitted> out;
  out.reserve(chars.size());
  for (std::size_t i = 0; i < chars.size(); ++i) {
    if (!drop[i]) out.push_back(std::move(chars[i]));
  }
  chars = std::move(out);
}

}  // namespace

AccentTable accent_table(const std::vector<std::string>& dictionary) {
  static const std::pair<const char*, const char*> kAccented[] = {
      {"é", "e"}, {"è", "e"}, {"à", "a"}, {"á", "a"}, {"ä", "a"}, {"í", "i"}, {"ì", "i"}, {"ó", "o"},
      {"ò", "o"}, {"ú", "u"}, {"ü", "u"}, {"ü", "i"}, {"É", "E"}, {"Ë", "E"}, {"Ü", "U"}, {"Ó", "O"}};
  const auto index_of = [&](const std::string& s) {
    const auto it = std::find(dictionary.begin(), dictionary.end(), s);
    return it == dictionary.end() ? -1 : static_cast<int>(it - dictionary.begin());
  };
  AccentTable table;
  table.accented_of.resize(dictionary.size());
  for (const auto& [accented, plain] : kAccented) {
    const int a = index_of(accented), p = index_of(plain);
    if (a > 0 && p > 0) table.accented_of[static_cast<std::size_t>(p)].push_back(a);
  }
  return table;
}

CtcResult ctc_greedy_decode(const float* probs, int n_steps, int n_classes,
                            const std::vector<std::string>& dictionary, const SpaceParams& params,
                            const AccentTable* accents) {
  if (n_classes != static_cast<int>(dictionary.size()))
    throw Error(ErrorKind::kModel, "recognizer outputs " + std::to_string(n_classes) +
                                       " classes but the dictionary has " +
                                       std::to_string(dictionary.size()));
  CtcResult result;
  if (n_steps <= 0 || n_classes <= 0 || probs == nullptr) return result;

  if (accents != nullptr && accents->accented_of.size() != dictionary.size()) accents = nullptr;
  std::vector<Emitted> chars;
  int run_class = 0;
  int run_start = 0;
  float run_max = 0;
  auto close_run = [&](int run_end) {  // run_end is exclusive
    if (run_class == 0) return;
    Emitted e;
    e.text = dictionary[static_cast<std::size_t>(run_class)];
    if (e.text.empty()) return;
    if (accents != nullptr) {
      for (const int a : accents->accented_of[static_cast<std::size_t>(run_class)]) {
        for (int t = run_start; t < run_end; ++t) {
          const float* row = probs + static_cast<std::size_t>(t) * static_cast<std::size_t>(n_classes);
          const float ratio = row[a] / std::max(row[run_class], 1e-12f);
          if (ratio >= kMinAccentRatio && ratio > e.accent_ratio) {
            e.accent_ratio = ratio;
            e.accented = dictionary[static_cast<std::size_t>(a)];
          }
        }
      }
    }
    e.confidence = run_max;
    e.step = 0.5f * static_cast<float>(run_start + run_end - 1);
    e.start_step = run_start;
    e.end_step = run_end;
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

  // load_dictionary() puts the space class last.
  const int space_class = dictionary.back() == " " ? n_classes - 1 : -1;
  recover_spaces(chars, probs, n_classes, space_class, params);
  if (params.drop_token_splits) drop_token_splits(chars);

  // Assemble: no leading, trailing or doubled spaces.
  for (const Emitted& e : chars) {
    if (e.is_space && (result.text.empty() || result.text.back() == ' ')) continue;
    if (!e.accented.empty()) result.accent_candidates.push_back({result.text.size(), e.accented, e.accent_ratio});
    result.text += e.text;
    result.char_confidences.insert(result.char_confidences.end(), count_code_points(e.text), e.confidence);
  }
  while (!result.text.empty() && result.text.back() == ' ') {
    result.text.pop_back();
    result.char_confidences.pop_back();
  }
  return result;
}

int restore_page_accents(const std::vector<CtcResult*>& page_lines) {
  int evidence = 0;
  for (const CtcResult* line : page_lines) {
    for (const auto& candidate : line->accent_candidates) evidence += candidate.ratio >= kAccentEvidenceRatio;
  }
  if (evidence < kMinAccentEvidence) return 0;
  int n_changed = 0;
  for (CtcResult* line : page_lines) {
    // Back to front, so the offsets still ahead stay valid as lengths change.
    for (auto it = line->accent_candidates.rbegin(); it != line->accent_candidates.rend(); ++it) {
      if (it->ratio < kAccentRatio) continue;
      line->text.replace(it->byte_offset, 1, it->accented);  // plain letters are one byte
      ++n_changed;
    }
    line->accent_candidates.clear();
  }
  return n_changed;
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
