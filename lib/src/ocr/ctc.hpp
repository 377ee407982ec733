#pragma once
// Greedy CTC decoding with per-character confidence and word-gap recovery.
#include <string>
#include <vector>

namespace deepcompress {

// Class 0 is the CTC blank; class c >= 1 is dictionary[c] (UTF-8; the last
// entry is " "). Loaded from ppocr_keys_v1.txt by load_dictionary().
struct CtcResult {
  std::string text;
  std::vector<float> char_confidences;  // one per UTF-8 character of text
};

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
  // <= 0: no space between them.
  float tight_min_space_probability = 0.3f;
};

// probs: n_steps x n_classes row-major softmax outputs of one line. The text
// has no leading, trailing or doubled spaces. Throws Error(kModel) if
// n_classes != dictionary.size(). Pure function: thread-safe.
CtcResult ctc_greedy_decode(const float* probs, int n_steps, int n_classes,
                            const std::vector<std::string>& dictionary, const SpaceParams& params = {});

// Reads one character per line (a trailing '\r' is dropped, empty lines kept
// so class indices stay aligned); returns {"<blank>", chars..., " "}.
// Throws Error(kModel) naming the file if it cannot be read or is empty.
std::vector<std::string> load_dictionary(const std::string& path);

}  // namespace deepcompress
