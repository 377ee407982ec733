#pragma once
// Greedy CTC decoding with per-character confidence and word-gap recovery.
#include <string>
#include <vector>

namespace deepcompress {

// Class 0 is the CTC blank; class c >= 1 is dictionary[c] (UTF-8; the last
// entry is " "). Loaded from ppocr_keys_v1.txt by load_dictionary().
// A letter read plain whose accented form also scored: over the letter's
// time steps the accented class reached `ratio` x the plain one's probability.
struct AccentCandidate {
  std::size_t byte_offset = 0;  // of the plain letter in CtcResult::text
  std::string accented;         // the accented letter, UTF-8
  float ratio = 0;
};

struct CtcResult {
  std::string text;
  std::vector<float> char_confidences;  // one per UTF-8 character of text
  // Ratio >= kMinAccentRatio, ascending offsets (only with an AccentTable).
  std::vector<AccentCandidate> accent_candidates;
};

// The accented letters of European languages that the dictionary holds
// (é è à á ä í ì ó ò ú ü É Ë Ü Ó in ppocr_keys_v1: no ê ç ö ß, and the
// pinyin tone letters ā ē ǐ ... are left out), by the class of their plain
// letter: accented_of[plain class] = accented classes. ü is also listed under
// i, which the model reads it as (the dots taken for the i's: `für` -> `fir`).
struct AccentTable {
  std::vector<std::vector<int>> accented_of;
};
AccentTable accent_table(const std::vector<std::string>& dictionary);

inline constexpr float kMinAccentRatio = 0.001f;

// The recognizer (trained mostly on Chinese) often lets the blank win the
// argmax over a word gap in Latin text, dropping the space. These rules put
// such spaces back; neither acts next to CJK-like characters.
struct SpaceParams {
  // Blank steps between two characters on which the space class reaches at
  // least this probability become a space, unless one of them is '_', where
  // the characters are further apart than the line's pitch (see
  // min_gap_excess_steps). <= 0 disables the rule (both thresholds).
  float min_space_probability = 0.05f;
  // After ',' or ';', a distance to the next character (centre to centre, in
  // time steps) of at least the line's character pitch plus this many steps
  // becomes a space. < 0 disables.
  float separator_gap_steps = 1.0f;
  // Further apart means: a distance (centre to centre, in time steps) of at
  // least the line's character pitch (the median distance) plus this many
  // steps, or after ',' or ';'. < 0: every pair counts as further apart.
  float min_gap_excess_steps = 0.5f;
  // Closer pairs need the space class to reach this probability instead
  // (narrow glyphs and typewriter fonts leave weak space mass inside words).
  // <= 0 (default): no recovered space between them. At 0.3 the bench corpus
  // got 19 such spaces inside typewriter words for 3 real gaps (WER 20.95 ->
  // 20.86% without them).
  float tight_min_space_probability = 0.0f;
  // Spaces beside punctuation that running text never spaces (`say . cob`,
  // `doc/ git`, `autotools- dev`, `_`) are dropped, whichever rule made them.
  bool drop_token_splits = true;
};

// probs: n_steps x n_classes row-major softmax outputs of one line. The text
// has no leading, trailing or doubled spaces. Throws Error(kModel) if
// n_classes != dictionary.size(). Pure function: thread-safe.
// With accents, plain letters whose accented forms scored get
// accent_candidates (see restore_page_accents).
CtcResult ctc_greedy_decode(const float* probs, int n_steps, int n_classes,
                            const std::vector<std::string>& dictionary, const SpaceParams& params = {},
                            const AccentTable* accents = nullptr);

// The recognizer (trained mostly on Chinese and English) under-rates accents:
// it reads é, à, ü as e, a, u, the accented class at 0.1-10% of the plain
// one. On a page that shows a language with accents (at least
// kMinAccentEvidence letters whose accented form reached kAccentEvidenceRatio
// of the plain one), every candidate from kAccentRatio up becomes the accented
// letter; other pages are left as read (English pages show at most one such
// letter on the bench corpus, French and German pages 8-24). Returns the
// number of letters changed. Tuned on bench_ocr's corpus (docs/benchmarks.md).
inline constexpr float kAccentEvidenceRatio = 0.02f;
inline constexpr int kMinAccentEvidence = 3;
inline constexpr float kAccentRatio = 0.002f;
int restore_page_accents(const std::vector<CtcResult*>& page_lines);

// Reads one character per line (a trailing '\r' is dropped, empty lines kept
// so class indices stay aligned); returns {"<blank>", chars..., " "}.
// Throws Error(kModel) naming the file if it cannot be read or is empty.
std::vector<std::string> load_dictionary(const std::string& path);

}  // namespace deepcompress
