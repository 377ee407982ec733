#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "deepcompress/error.hpp"
#include "ocr/ctc.hpp"

using namespace deepcompress;

namespace {

// Blank, a few Latin letters, digits and separators, two CJK characters, and
// the space class last (as load_dictionary() returns it).
const std::vector<std::string> kDict = {"<blank>", "a", "b", "c", "d", "e", "l", "H", "h", "s", "v", "3",
                                        "9",       "5", "0", "中", "文", ".", ",", ";", "_", "/", "-", " "};
constexpr int kBlank = 0;
const int kSpace = static_cast<int>(kDict.size()) - 1;

int cls(const std::string& s) {
  for (std::size_t i = 1; i < kDict.size(); ++i)
    if (kDict[i] == s) return static_cast<int>(i);
  FAIL("no class " << s);
  return -1;
}

// One step per entry: the given class gets `p`, the rest is spread evenly
// (0.9 leaves each other class 0.005, far below the space threshold).
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
  // A blank step on which the space class has p_space (the blank still wins).
  void hesitant_blank(float p_space) {
    const int n = static_cast<int>(kDict.size());
    for (int k = 0; k < n; ++k) probs.push_back(k == kBlank ? 1.0f - p_space : (k == kSpace ? p_space : 0.0f));
    ++n_steps;
  }
  CtcResult decode(const SpaceParams& params = {}) const {
    return ctc_greedy_decode(probs.data(), n_steps, static_cast<int>(kDict.size()), kDict, params);
  }
};

// Characters at a fixed pitch of 3 steps (one character step, two blanks);
// " " in `text` adds `extra` blank steps (the model emits no space class).
Steps spaced(const std::string& text, int extra) {
  Steps s;
  s.blanks(1);
  for (char c : text) {
    if (c == ' ') {
      s.blanks(extra);
      continue;
    }
    s.add(cls(std::string(1, c)));
    s.blanks(2);
  }
  return s;
}

const SpaceParams kNoRecovery{0.0f, -1.0f};

// The defaults plus spaces at the pitch where the space class reaches 30%.
SpaceParams with_tight_spaces() {
  SpaceParams params;
  params.tight_min_space_probability = 0.3f;
  return params;
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

TEST_CASE("ctc: a blank gap where the space class reaches 5% becomes a space") {
  Steps s;
  for (const char* c : {"a", "b", "c"}) {
    s.add(cls(c));
    s.blanks(1);
  }
  s.hesitant_blank(0.3f);
  for (const char* c : {"d", "e"}) {
    s.add(cls(c));
    s.blanks(1);
  }
  CtcResult r = s.decode();
  CHECK(r.text == "abc de");
  // The recovered space gets the mean confidence of its neighbours.
  REQUIRE(r.char_confidences.size() == 6);
  CHECK(r.char_confidences[3] == Approx(0.9f));
  CHECK(s.decode(kNoRecovery).text == "abcde");
}

TEST_CASE("ctc: space mass below the threshold or on character steps adds no space") {
  Steps weak;
  weak.add(cls("a"));
  weak.hesitant_blank(0.03f);
  weak.add(cls("b"));
  CHECK(weak.decode().text == "ab");
  // (A single gap is the line's pitch: the lower threshold applies only with
  // the pitch condition off.)
  CHECK(weak.decode(SpaceParams{0.02f, -1.0f, -1.0f}).text == "a b");

  // Adjacent characters have no blank step between them: a space class
  // strong on the characters themselves is not a gap.
  const int n = static_cast<int>(kDict.size());
  std::vector<float> probs;
  for (int c : {cls("a"), cls("b")}) {
    for (int k = 0; k < n; ++k) probs.push_back(k == c ? 0.6f : (k == kSpace ? 0.4f : 0.0f));
  }
  CHECK(ctc_greedy_decode(probs.data(), 2, n, kDict).text == "ab");
}

TEST_CASE("ctc: weak space mass at the line's pitch is no space, beyond it it is") {
  // Pitch 3 steps (a character, two blanks), as a typewriter font gives: the
  // model leaves 10% space mass between `b` and `c` of one word (`bz ip2`),
  // and the same 10% across a gap one step wider between two words.
  auto line = [](int extra_blanks, float p_space) {
    Steps s;
    s.blanks(1);
    s.add(cls("a"));
    s.blanks(2);
    s.add(cls("b"));
    s.blanks(1 + extra_blanks);
    s.hesitant_blank(p_space);
    for (const char* c : {"c", "d", "e"}) {
      s.add(cls(c));
      s.blanks(2);
    }
    return s;
  };
  CHECK(line(0, 0.1f).decode().text == "abcde");
  CHECK(line(1, 0.1f).decode().text == "ab cde");
  // By default not even a strong space class makes a space at the pitch (on
  // the bench corpus such spaces split typewriter words 19 times for 3 real
  // gaps); with a tight threshold it does.
  CHECK(line(0, 0.4f).decode().text == "abcde");
  CHECK(line(0, 0.4f).decode(with_tight_spaces()).text == "ab cde");
  // The pitch condition off: the 5% rule alone, as before.
  CHECK(line(0, 0.1f).decode(SpaceParams{0.05f, 1.0f, -1.0f}).text == "ab cde");
  // Tight pairs never get a space when their threshold is off.
  CHECK(line(0, 0.4f).decode(SpaceParams{0.05f, 1.0f, 0.5f, 0.0f}).text == "abcde");
  // Nor anywhere when the rule is off.
  CHECK(line(1, 0.4f).decode(kNoRecovery).text == "abcde");
}

TEST_CASE("ctc: a run of wider cells sets its own pitch (typewriter word in proportional text)") {
  // `abcdeabcde` at a pitch of 2 steps, then `hsvl39` in a typewriter font at
  // 4: the line's median pitch is 2, but around `v`-`l` it is 4, so 10% space
  // mass between them (`debhe lper`) is inside the word unless they sit
  // further apart than the run's own pitch.
  auto line = [](int extra_blanks, float p_space) {
    Steps s;
    for (const char* c : {"a", "b", "c", "d", "e", "a", "b", "c", "d", "e"}) {
      s.add(cls(c));
      s.blanks(1);
    }
    for (const char* c : {"h", "s"}) {
      s.add(cls(c));
      s.blanks(3);
    }
    s.add(cls("v"));
    s.blanks(2 + extra_blanks);
    s.hesitant_blank(p_space);
    for (const char* c : {"l", "3", "9"}) {
      s.add(cls(c));
      s.blanks(3);
    }
    return s;
  };
  CHECK(line(0, 0.1f).decode().text == "abcdeabcdehsvl39");
  CHECK(line(0, 0.4f).decode().text == "abcdeabcdehsvl39");
  CHECK(line(0, 0.4f).decode(with_tight_spaces()).text == "abcdeabcdehsv l39");
  CHECK(line(1, 0.1f).decode().text == "abcdeabcdehsv l39");
}

TEST_CASE("ctc: after a comma the 5% rule needs no wider gap") {
  // `hsv,39`: the comma is narrow, so the next digit sits at the line's pitch,
  // and the 10% space mass after it is a word gap all the same.
  Steps s;
  for (const char* c : {"h", "s", "v"}) {
    s.add(cls(c));
    s.blanks(1);
  }
  s.add(cls(","));
  s.hesitant_blank(0.1f);
  for (const char* c : {"3", "9"}) {
    s.add(cls(c));
    s.blanks(1);
  }
  CHECK(s.decode().text == "hsv, 39");
}

TEST_CASE("ctc: no space is recovered beside an underscore") {
  Steps s;
  s.add(cls("a"));
  s.hesitant_blank(0.3f);
  s.add(cls("_"));
  s.hesitant_blank(0.3f);
  s.add(cls("b"));
  s.hesitant_blank(0.3f);
  s.add(cls("c"));
  CHECK(s.decode(with_tight_spaces()).text == "a_b c");
}

TEST_CASE("ctc: spaces the model emits inside a token at punctuation are dropped") {
  // Each character is one step then a blank; " " is the model's own space
  // class winning a step, as over the wide cells of a typewriter font.
  auto emitted = [](const std::string& text) {
    Steps s;
    for (char c : text) {
      s.add(c == ' ' ? kSpace : cls(std::string(1, c)));
      s.blanks(1);
    }
    return s;
  };
  CHECK(emitted("sa . c").decode().text == "sa.c");              // `say . cob`
  CHECK(emitted("ab .sh").decode().text == "ab.sh");             // `libnettle .so`
  CHECK(emitted("a/ bc / d").decode().text == "a/bc/d");         // `doc/ git`, `/usr / share`
  CHECK(emitted("bc- de - -ab").decode().text == "bc-de --ab");  // `ls- dev`, `- -leak`
  CHECK(emitted("ab _c").decode().text == "ab_c");               // `points _at`
  // Real gaps stay: a sentence end, a lone dash between words.
  CHECK(emitted("ab. Hc").decode().text == "ab. Hc");
  CHECK(emitted("ab - cd").decode().text == "ab - cd");
  SpaceParams keep;
  keep.drop_token_splits = false;
  CHECK(emitted("sa . c").decode(keep).text == "sa . c");
  CHECK(emitted("a/ bc").decode(keep).text == "a/ bc");
}

TEST_CASE("ctc: a wide gap after a comma or semicolon becomes a space") {
  // Pitch 3 steps; one extra step after the separator is a word gap.
  CHECK(spaced("hsv, 39, 50", 1).decode().text == "hsv, 39, 50");
  CHECK(spaced("ab; cd", 1).decode().text == "ab; cd");
  // At the line's pitch it is part of a token: f(a,b), 1,000.
  CHECK(spaced("ab,cd,ea", 0).decode().text == "ab,cd,ea");
  // Other characters need the space class: a wide letter spans a gap too.
  CHECK(spaced("abc. de", 1).decode().text == "abc.de");
  CHECK(spaced("abc de", 2).decode().text == "abcde");
  CHECK(spaced("hsv, 39", 1).decode(kNoRecovery).text == "hsv,39");
}

TEST_CASE("ctc: no recovered space between CJK characters") {
  Steps s;
  s.add(cls("中"));
  s.hesitant_blank(0.5f);
  s.add(cls("文"));
  s.hesitant_blank(0.5f);
  s.add(cls("a"));
  CHECK(s.decode().text == "中文a");
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

namespace {

// Plain and accented letters as ppocr_keys_v1 has them (no ê there).
const std::vector<std::string> kAccentDict = {"<blank>", "e", "é", "a", "à", "t", "ê", " "};

// A line of letters, one step each then a blank; `accent_ratio[i]` gives the
// accented form of letter i that share of the plain letter's probability.
CtcResult accent_line(const std::string& plain, const std::vector<float>& accent_ratio) {
  const auto n = kAccentDict.size();
  std::vector<float> probs;
  for (std::size_t i = 0; i < plain.size(); ++i) {
    std::vector<float> row(n, 0.0f);
    const std::string letter(1, plain[i]);
    const auto c = static_cast<std::size_t>(std::find(kAccentDict.begin(), kAccentDict.end(), letter) - kAccentDict.begin());
    row[c] = 0.9f;
    if (letter == "e" || letter == "a") row[c + 1] = 0.9f * accent_ratio[i];
    probs.insert(probs.end(), row.begin(), row.end());
    std::vector<float> blank(n, 0.0f);
    blank[0] = 1.0f;
    probs.insert(probs.end(), blank.begin(), blank.end());
  }
  static const AccentTable table = accent_table(kAccentDict);
  return ctc_greedy_decode(probs.data(), static_cast<int>(2 * plain.size()), static_cast<int>(n), kAccentDict, {},
                           &table);
}

}  // namespace

TEST_CASE("ctc: plain letters whose accented form scored become accent candidates") {
  const auto table = accent_table(kAccentDict);
  CHECK(table.accented_of[1] == std::vector<int>{2});  // e -> é; not ê (the model's dictionary has none)
  CHECK(table.accented_of[3] == std::vector<int>{4});  // a -> à
  const CtcResult line = accent_line("etea", {0.05f, 0.0f, 0.0005f, 0.01f});
  CHECK(line.text == "etea");
  REQUIRE(line.accent_candidates.size() == 2);  // 0.0005 is under kMinAccentRatio
  CHECK(line.accent_candidates[0].byte_offset == 0);
  CHECK(line.accent_candidates[0].accented == "é");
  CHECK(line.accent_candidates[0].ratio == Approx(0.05f));
  CHECK(line.accent_candidates[1].byte_offset == 3);
  CHECK(line.accent_candidates[1].accented == "à");
}

TEST_CASE("ctc: accents are restored only on a page that shows a language with accents") {
  // French-like page: three letters whose accent reached 5% (evidence), and
  // weaker ones (0.5%) that the evidence then lets through.
  std::vector<CtcResult> french = {accent_line("ete", {0.05f, 0.0f, 0.005f}), accent_line("a", {0.05f}),
                                   accent_line("tea", {0.0f, 0.05f, 0.0f})};
  std::vector<CtcResult*> page;
  for (auto& line : french) page.push_back(&line);
  CHECK(restore_page_accents(page) == 4);
  CHECK(french[0].text == "été");
  CHECK(french[1].text == "à");
  CHECK(french[2].text == "té" + std::string("a"));
  CHECK(french[0].accent_candidates.empty());

  // English-like page: only weak accent mass, or too few letters: unchanged.
  std::vector<CtcResult> english = {accent_line("eat", {0.01f, 0.01f, 0.0f}), accent_line("tea", {0.0f, 0.05f, 0.05f})};
  page.clear();
  for (auto& line : english) page.push_back(&line);
  CHECK(restore_page_accents(page) == 0);
  CHECK(english[0].text == "eat");
  CHECK(english[1].text == "tea");
}
