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

struct SpaceParams {
  // A gap between two consecutive characters larger than gap_factor times the
  // line's median character pitch (in CTC time steps) becomes a space. <= 0
  // disables recovery.
  float gap_factor = 1.6f;
  // Only runs of at least this many Latin characters without any space the
  // model emitted are searched (a run that long is rarely one word).
  int min_run_chars = 12;
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
