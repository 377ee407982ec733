// The price table behind the cost estimate: configs/prices.toml loads, and every kind of
// mistake is a configuration error naming the file (and the line, model and key).
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "config/prices.hpp"
#include "deepcompress/error.hpp"
#include "support.hpp"

using namespace deepcompress;
namespace fs = std::filesystem;
using deepcompress::test::TempDir;
using deepcompress::test::write_file;

namespace {

constexpr const char* kGood = R"(as_of = "2025-06"
[[model]]
name = "tiles"
source = "https://example.com/prices"
usd_per_1m_input_tokens = 2.5
image = { kind = "tiles", fit_px = 2048, short_side_px = 768, tile_px = 512, base_tokens = 85, tile_tokens = 170 }
[[model]]
name = "pixels"
usd_per_1m_input_tokens = 3
image = { kind = "pixels", long_side_px = 1568, max_tokens = 1600, px_per_token = 750 }
)";

// The error message load_price_table gives for text, or "" if it loads.
std::string error_for(const TempDir& dir, const std::string& text) {
  const fs::path path = dir.path / "prices.toml";
  write_file(path, text);
  try {
    load_price_table(path.string());
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kConfig);
    CHECK(e.file() == path.string());
    return e.what();
  }
  return "";
}

// kGood with one line replaced.
std::string good_with(const std::string& line, const std::string& replacement) {
  std::string text = kGood;
  const auto at = text.find(line);
  REQUIRE(at != std::string::npos);
  return text.replace(at, line.size(), replacement);
}

}  // namespace

TEST_CASE("configs/prices.toml loads: dated, the baseline's model among them", "[config][prices]") {
  const PriceTable table = load_price_table((fs::path(DC_SOURCE_DIR) / "configs" / "prices.toml").string());
  CHECK_FALSE(table.as_of.empty());
  REQUIRE(table.models.size() >= 3);
  const ModelPrice& gpt4o = table.models[0];
  CHECK(gpt4o.name == "gpt-4o");
  CHECK(gpt4o.usd_per_1m_input_tokens > 0);
  CHECK(gpt4o.image.kind == ImageTokenFormula::Kind::kTiles);
  CHECK(gpt4o.image.fit_px == 2048);
  CHECK(gpt4o.image.short_side_px == 768);
  CHECK(gpt4o.image.tile_px == 512);
  CHECK(gpt4o.image.base_tokens == 85);
  CHECK(gpt4o.image.tile_tokens == 170);
  for (const ModelPrice& m : table.models) CHECK(m.usd_per_1m_input_tokens > 0);
}

TEST_CASE("price table: both image kinds, in file order", "[config][prices]") {
  TempDir dir;
  write_file(dir.path / "p.toml", kGood);
  const PriceTable table = load_price_table((dir.path / "p.toml").string());
  CHECK(table.as_of == "2025-06");
  REQUIRE(table.models.size() == 2);
  CHECK(table.models[0].name == "tiles");
  CHECK(table.models[0].usd_per_1m_input_tokens == 2.5);
  CHECK(table.models[1].name == "pixels");
  CHECK(table.models[1].usd_per_1m_input_tokens == 3.0);  // an integer is a number too
  CHECK(table.models[1].image.kind == ImageTokenFormula::Kind::kPixels);
  CHECK(table.models[1].image.long_side_px == 1568);
  CHECK(table.models[1].image.max_tokens == 1600);
  CHECK(table.models[1].image.px_per_token == 750);
}

TEST_CASE("price table errors name the file, line, model and key", "[config][prices]") {
  TempDir dir;
  CHECK_THROWS_WITH(load_price_table((dir.path / "none.toml").string()),
                    Catch::Contains("none.toml") && Catch::Contains("no such file"));
  CHECK_THAT(error_for(dir, "as_of = \"x\"\n[[model]\n"),
             Catch::Contains("line 2") && Catch::Contains("invalid TOML"));
  CHECK_THAT(error_for(dir, good_with("as_of = \"2025-06\"\n", "")), Catch::Contains("missing key 'as_of'"));
  CHECK_THAT(error_for(dir, "as_of = \"x\"\n"), Catch::Contains("missing key 'model'"));
  CHECK_THAT(error_for(dir, "as_of = \"x\"\nmodel = []\n"), Catch::Contains("at least one"));
  CHECK_THAT(error_for(dir, good_with("usd_per_1m_input_tokens = 2.5", "usd_per_1m_input_tokens = -2.5")),
             Catch::Contains("line 5, model \"tiles\": 'usd_per_1m_input_tokens' must be a number >= 0"));
  CHECK_THAT(error_for(dir, good_with("usd_per_1m_input_tokens = 2.5", "usd_per_1m_input_tokens = \"2.5\"")),
             Catch::Contains("usd_per_1m_input_tokens"));
  CHECK_THAT(error_for(dir, good_with("usd_per_1m_input_tokens = 2.5", "usd_per_1m_input_token = 2.5")),
             Catch::Contains("model \"tiles\"") && Catch::Contains("unknown key 'usd_per_1m_input_token'"));
  CHECK_THAT(error_for(dir, good_with("usd_per_1m_input_tokens = 3\n", "")),
             Catch::Contains("model \"pixels\"") && Catch::Contains("missing key 'usd_per_1m_input_tokens'"));
  CHECK_THAT(error_for(dir, good_with("name = \"pixels\"", "name = \"tiles\"")),
             Catch::Contains("named twice"));
  CHECK_THAT(error_for(dir, good_with("kind = \"pixels\"", "kind = \"patches\"")),
             Catch::Contains("model \"pixels\", image") && Catch::Contains("\"tiles\" or \"pixels\""));
  CHECK_THAT(error_for(dir, good_with("tile_px = 512", "tile_px = 0")),
             Catch::Contains("model \"tiles\", image: 'tile_px' must be an integer >= 1"));
  CHECK_THAT(error_for(dir, good_with("tile_px = 512, ", "")), Catch::Contains("missing key 'tile_px'"));
  CHECK_THAT(error_for(dir, good_with("max_tokens = 1600", "max_tokens = 1600.5")),
             Catch::Contains("'max_tokens' must be an integer"));
  CHECK_THAT(error_for(dir, good_with("as_of = \"2025-06\"", "as_of = \"2025-06\"\ncurrency = \"EUR\"")),
             Catch::Contains("unknown key 'currency'"));
}
