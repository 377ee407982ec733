#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "deepcompress/error.hpp"
#include "ocr/charset.hpp"

using namespace deepcompress;

namespace {

// As load_dictionary() returns it: blank first, space last. Between them
// what ppocr_keys_v1.txt mixes: ASCII, Latin-1 and Greek letters, typographic
// punctuation, currency, arrows, Chinese, full-width ASCII look-alikes.
const std::vector<std::string> kDict = {"<blank>", "a", "Z", "7", "(", "é", "Ü", "ā", "α", "—", "“",
                                        "€",       "→", "≤", "中", "，", "（", "：", "〇", "ｉ", " "};

}  // namespace

TEST_CASE("charset latin keeps blank, space and Western characters, drops CJK and full-width forms") {
  const auto ids = charset_classes(kDict, "latin");
  const auto kept = subset_dictionary(kDict, ids);
  CHECK(kept == std::vector<std::string>{"<blank>", "a", "Z", "7", "(", "é", "Ü", "ā", "α", "—", "“", "€", "→", "≤",
                                         " "});
  REQUIRE(!ids.empty());
  CHECK(ids.front() == 0);
  CHECK(ids.back() == static_cast<int>(kDict.size()) - 1);
  for (std::size_t k = 1; k < ids.size(); ++k) CHECK(ids[k - 1] < ids[k]);
}

TEST_CASE("charset all keeps every class in order") {
  const auto ids = charset_classes(kDict, "all");
  REQUIRE(ids.size() == kDict.size());
  for (std::size_t k = 0; k < ids.size(); ++k) CHECK(ids[k] == static_cast<int>(k));
  CHECK(subset_dictionary(kDict, ids) == kDict);
}

TEST_CASE("an unknown charset is a config error naming it") {
  try {
    charset_classes(kDict, "cyrillic");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kConfig);
    CHECK(std::string(e.what()).find("cyrillic") != std::string::npos);
  }
}
