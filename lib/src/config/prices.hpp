#pragma once
// The price table behind the cost estimate (--prices FILE, such as configs/prices.toml): per
// model, the price of an input token and how the model turns a page image into tokens.
// No price lives in code; the format is described in configs/prices.toml and docs/compression.md.
#include <string>
#include <vector>

namespace deepcompress {

// How a vision model bills an image, in input tokens (computed by image_tokens(), encode/stats.hpp).
struct ImageTokenFormula {
  enum class Kind { kTiles, kPixels };
  Kind kind = Kind::kTiles;
  // kTiles (OpenAI "high detail"): scale down to fit within fit_px x fit_px, then so that the
  // shortest side is at most short_side_px; bill base_tokens plus tile_tokens per tile_px x
  // tile_px square the image touches.
  int fit_px = 0;
  int short_side_px = 0;
  int tile_px = 0;
  int base_tokens = 0;
  int tile_tokens = 0;
  // kPixels (Anthropic): scale down so that the long side is at most long_side_px and the image
  // costs at most max_tokens; bill width * height / px_per_token, rounded up.
  int long_side_px = 0;
  int max_tokens = 0;
  int px_per_token = 0;
};

// One priced model of the table.
struct ModelPrice {
  std::string name;                    // such as "gpt-4o"
  double usd_per_1m_input_tokens = 0;  // input price; image tokens are billed as input tokens
  ImageTokenFormula image;
};

struct PriceTable {
  std::string as_of;               // the date the prices were read, as the file says
  std::vector<ModelPrice> models;  // in file order, names distinct
};

// Reads a price table from a TOML file. Throws Error(kConfig) whose message names the file
// (and the line, the model and the key where there is one) for a missing or unreadable file,
// invalid TOML, a missing, unknown or mistyped key, a value out of range or an empty table.
PriceTable load_price_table(const std::string& path);

}  // namespace deepcompress
