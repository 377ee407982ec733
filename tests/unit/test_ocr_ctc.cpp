#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "deepcompress/error.hpp"
#include "ocr/ctc.hpp"

using namespace deepcompress;

namespace {

// {"<blank>", "a".."e", "l", "H", "中", "文", ".", " "}
const std::vector<std::string> kDict = {"<blank>", "a", "b", "c", "d", "e", "l", "H", "中", "文", ".", " "};
constexpr int kBlank = 0;
constexpr int kSpace = 11;

int cls(const std::string& s) {
  for (std::size_t i = 1; i < kDict.size(); ++i)
    if (kDict[i] == s) return static_cast<int>(i);
  FAIL("no class " << s);
  return -1;
}

// One step per entry: the given class gets `p`, the rest is spread evenly.
struct Steps {
  std::vector<float> probs;
  int n_steps = 0;
  void add(int c, float p = 0.9f) {
    const int n = static_cast<int>(kDict.size());
    for (int k = 0; k < n; ++k) probs.push_back(k == c ? p : (1.0f - p) / static_cast<float>(n - 1));
    ++n_steps;
  }
  void blanks(int n) {
    for (int i = 0; i < n; ++i) add(kBlank);
  }
  CtcResult decode(float gap_factor = 1.6f) const {
    return ctc_greedy_decode(probs.data(), n_steps, static_cast<int>(kDict.size()), kDict,
                             SpaceParams{gap_factor});
  }
};

// Characters at a fixed pitch of 3 steps; " " in `text` becomes an extra
// `word_gap` blank steps (no space class emitted).
Steps spaced(const std::string& text, int word_gap) {
  Steps s;
  s.blanks(1);
  for (char c : text) {
    if (c == ' ') {
      s.blanks(word_gap);
      continue;
    }
    s.add(cls(std::string(1, c)));
    s.blanks(2);
  }
  return s;
}

}  // namespace

TEST_CASE("ctc: repeats collapse and blanks are dropped") {
  Steps s;
  s.add(cls("a"));
  s.add(cls("a"));
  s.add(kBlank);
  s.add(cls("b"));
  s.add(cls("b"));
  s.add(cls("b"));
  s.add(kBlank);
  CtcResult r = s.decode();
  CHECK(r.text == "ab");
  CHECK(r.char_confidences.size() == 2);
}

TEST_CASE("ctc: a blank separates a doubled letter") {
  Steps s;
  s.add(cls("l"));
  s.add(kBlank);
  s.add(cls("l"));
  CHECK(s.decode().text == "ll");
}

TEST_CASE("ctc: char confidence is the max over its run") {
  Steps s;
  s.add(cls("a"), 0.5f);
  s.add(cls("a"), 0.8f);
  s.add(cls("a"), 0.6f);
  s.add(kBlank);
  s.add(cls("b"), 0.7f);
  CtcResult r = s.decode();
  REQUIRE(r.char_confidences.size() == 2);
  CHECK(r.char_confidences[0] == Approx(0.8f));
  CHECK(r.char_confidences[1] == Approx(0.7f));
}

TEST_CASE("ctc: explicit space class is kept, doubled and edge spaces are not") {
  Steps s;
  s.add(kSpace);
  s.add(cls("a"));
  s.add(kSpace);
  s.add(kBlank);
  s.add(kSpace);
  s.add(cls("b"));
  s.add(kSpace);
  CtcResult r = s.decode();
  CHECK(r.text == "a b");
  CHECK(r.char_confidences.size() == 3);
}

TEST_CASE("ctc: multi-byte characters get one confidence each") {
  Steps s;
  s.add(cls("中"), 0.9f);
  s.add(kBlank);
  s.add(cls("文"), 0.8f);
  CtcResult r = s.decode();
  CHECK(r.text == "中文");
  REQUIRE(r.char_confidences.size() == 2);
  CHECK(r.char_confidences[1] == Approx(0.8f));
}

TEST_CASE("ctc: word gap recovery inserts a space at a large step gap") {
  CtcResult r = spaced("abcdel abcdel", 3).decode();
  CHECK(r.text == "abcdel abcdel");
  REQUIRE(r.char_confidences.size() == 13);
  CHECK(r.char_confidences[6] == Approx(0.9f));
}

TEST_CASE("ctc: word gap recovery with many short words") {
  CHECK(spaced("ab cd ab cd ab cd", 3).decode().text == "ab cd ab cd ab cd");
}

TEST_CASE("ctc: no space where gaps are uniform or recovery is off") {
  CHECK(spaced("abcdelabcdel", 0).decode().text == "abcdelabcdel");
  // One extra step is within quantisation noise for a 3-step pitch.
  CHECK(spaced("abcdel abcdel", 1).decode().text == "abcdelabcdel");
  CHECK(spaced("abcdel abcdel", 3).decode(0.0f).text == "abcdelabcdel");
}

TEST_CASE("ctc: short space-less runs are left alone") {
  // A wide letter (m, w) spans as many steps as a word gap; in a run shorter
  // than min_run_chars (a plausible single word) no gap is guessed.
  CHECK(spaced("ab c", 4).decode().text == "abc");
  CHECK(spaced("abcde abcde", 3).decode().text == "abcdeabcde");
}

TEST_CASE("ctc: a line with model-emitted spaces keeps its words whole") {
  Steps s = spaced("abcdel", 0);
  s.add(kSpace);
  s.blanks(2);
  const Steps word = spaced("cd e ab", 3);  // a wide letter leaves a large gap inside the word
  s.probs.insert(s.probs.end(), word.probs.begin(), word.probs.end());
  s.n_steps += word.n_steps;
  CHECK(s.decode().text == "abcdel cdeab");
}

TEST_CASE("ctc: no space between CJK characters or before punctuation") {
  Steps s;
  s.blanks(1);
  for (const char* c : {"中", "文", "中", "文"}) {
    s.add(cls(c));
    s.blanks(2);
  }
  s.blanks(6);
  s.add(cls("文"));
  CHECK(s.decode().text == "中文中文文");

  Steps p = spaced("abcde", 0);
  p.blanks(4);
  p.add(cls("."));
  CHECK(p.decode().text == "abcde.");
}

TEST_CASE("ctc: class count must match the dictionary") {
  std::vector<float> probs(10, 0.1f);
  CHECK_THROWS_AS(ctc_greedy_decode(probs.data(), 1, 10, kDict), Error);
}

TEST_CASE("ctc: empty input decodes to nothing") {
  CtcResult r = ctc_greedy_decode(nullptr, 0, static_cast<int>(kDict.size()), kDict);
  CHECK(r.text.empty());
  CHECK(r.char_confidences.empty());
}

TEST_CASE("ctc: load_dictionary adds blank and space, strips CR") {
  const auto path = std::filesystem::temp_directory_path() / "dc_test_ocr_dict.txt";
  {
    std::ofstream out(path, std::ios::binary);
    out << "a\r\nb\n中\n";
  }
  const auto dict = load_dictionary(path.string());
  std::filesystem::remove(path);
  REQUIRE(dict.size() == 5);
  CHECK(dict[0] == "<blank>");
  CHECK(dict[1] == "a");
  CHECK(dict[2] == "b");
  CHECK(dict[3] == "中");
  CHECK(dict[4] == " ");
}

TEST_CASE("ctc: load_dictionary errors name the file") {
  const std::string missing = "/nonexistent/dc_keys.txt";
  try {
    load_dictionary(missing);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kModel);
    CHECK(e.file() == missing);
  }
  const auto path = std::filesystem::temp_directory_path() / "dc_test_ocr_empty.txt";
  { std::ofstream out(path); }
  CHECK_THROWS_AS(load_dictionary(path.string()), Error);
  std::filesystem::remove(path);
}
