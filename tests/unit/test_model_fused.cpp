// The models with fused oneDNN convolutions (and bf16 where the CPU has it)
// against the plain LibTorch graphs, on a real rendered page: the checked-in
// sample PDF, its text lines found by the detector and read by the recognizer.
// Needs the converted models (scripts/setup); fails without them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "image/preprocess.hpp"
#include "model/ocr_models.hpp"
#include "ocr/ctc.hpp"
#include "ocr/db_postprocess.hpp"
#include "pdf/pdf_source.hpp"

namespace fs = std::filesystem;
using namespace deepcompress;

namespace {

constexpr int kCanvasPx = 960;
constexpr int kLines = 8;
constexpr int kMaxRecWidthPx = 2048;
constexpr float kRecWidthScale = 0.85f;  // as the engine squeezes lines

fs::path models_dir() {
  const char* env_dir = std::getenv("DEEPCOMPRESS_MODELS_DIR");
  return env_dir != nullptr ? fs::path(env_dir) : fs::path(DC_SOURCE_DIR) / "models";
}

std::unique_ptr<OcrModels> load(const std::string& precision, bool fuse) {
  ModelConfig config;
  config.dir = models_dir();
  config.device = "cpu";
  config.precision = precision;
  config.fuse_convolutions = fuse;
  return OcrModels::load(config);
}

// The sample page on the detector canvas, and its first text lines as one
// recognizer batch (found with the unfused fp32 detector).
struct Inputs {
  TensorF canvas, lines;
};

const Inputs& inputs() {
  static const Inputs in = [] {
    Inputs result;
    const Image page = open_pdf(fs::path(DC_SOURCE_DIR) / "tests/fixtures/sample.pdf", "", 150)->render(1);
    result.canvas.reshape({1, 3, kCanvasPx, kCanvasPx});
    const float scale = to_detector_canvas(page, kCanvasPx, result.canvas.data.data());
    TensorF prob;
    load("fp32", false)->detect(result.canvas, prob);
    auto boxes = db_boxes(prob.data.data(), kCanvasPx, kCanvasPx, DbParams{});
    REQUIRE(boxes.size() >= static_cast<std::size_t>(kLines));
    std::sort(boxes.begin(), boxes.end(),
              [](const DbBox& a, const DbBox& b) { return a.quad[0].y < b.quad[0].y; });
    std::vector<Image> crops;
    int width_px = 0;
    for (int i = 0; i < kLines; ++i) {
      auto quad = boxes[static_cast<std::size_t>(i)].quad;
      for (auto& point : quad) point = {point.x / scale, point.y / scale};
      crops.push_back(crop_quad(page, quad));
      REQUIRE_FALSE(crops.back().empty());
      width_px = std::max(width_px, recognizer_width_px(crops.back(), kMaxRecWidthPx, kRecWidthScale));
    }
    result.lines.reshape({kLines, 3, kRecHeightPx, width_px});
    for (int i = 0; i < kLines; ++i) {
      to_recognizer_input(crops[static_cast<std::size_t>(i)], width_px,
                          result.lines.data.data() + std::size_t{i} * 3 * kRecHeightPx * width_px, kRecWidthScale);
    }
    return result;
  }();
  return in;
}

float max_abs_difference(const TensorF& a, const TensorF& b) {
  REQUIRE(a.shape == b.shape);
  float worst = 0;
  for (std::size_t i = 0; i < a.data.size(); ++i) worst = std::max(worst, std::abs(a.data[i] - b.data[i]));
  return worst;
}

std::vector<std::string> read_lines(OcrModels& models) {
  TensorF probs;
  models.recognize(inputs().lines, probs);
  const auto dictionary = load_dictionary(models.dictionary_path().string());
  const int n_steps = static_cast<int>(probs.shape[1]), n_classes = static_cast<int>(probs.shape[2]);
  std::vector<std::string> lines;
  for (int i = 0; i < kLines; ++i) {
    const float* line = probs.data.data() + std::size_t{i} * n_steps * n_classes;
    lines.push_back(ctc_greedy_decode(line, n_steps, n_classes, dictionary).text);
  }
  return lines;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

TEST_CASE("fused fp32 convolutions give the plain graphs' outputs on a real page") {
  auto plain = load("fp32", false);
  auto fused = load("fp32", true);
  CHECK(plain->n_fused_convolutions() == 0);
  CHECK(fused->n_fused_convolutions() == 64 + 53 + 38);  // every conv of det, cls and rec

  TensorF plain_prob, fused_prob;
  plain->detect(inputs().canvas, plain_prob);
  fused->detect(inputs().canvas, fused_prob);
  CHECK(*std::max_element(fused_prob.data.begin(), fused_prob.data.end()) > 0.9f);  // the page has text
  CHECK(max_abs_difference(plain_prob, fused_prob) < 1e-3f);

  TensorF plain_lines, fused_lines;
  plain->recognize(inputs().lines, plain_lines);
  fused->recognize(inputs().lines, fused_lines);
  CHECK(max_abs_difference(plain_lines, fused_lines) < 1e-3f);
  CHECK(read_lines(*fused) == read_lines(*plain));
  CHECK(read_lines(*plain)[0].find("Welcome") != std::string::npos);  // real text, not noise
}

TEST_CASE("bf16 (where the CPU has it) reads the same text as fp32") {
  auto auto_models = load("auto", true);
  auto fp32 = load("fp32", true);
  const auto reference = read_lines(*fp32);
  const auto lines = read_lines(*auto_models);
  std::size_t n_chars = 0, n_edits = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    n_chars += reference[i].size();
    n_edits += edit_distance(reference[i], lines[i]);
  }
  std::string shown;
  for (std::size_t i = 0; i < lines.size(); ++i) shown += "\n  " + lines[i] + "\n  " + reference[i] + " (fp32)";
  INFO("auto precision " << auto_models->precision() << " read:" << shown);
  REQUIRE(n_chars > 100);
  CHECK(static_cast<double>(n_edits) / static_cast<double>(n_chars) <= 0.01);
  // bf16 on CPU is offered exactly when auto picks it; elsewhere it is refused
  // with a message that says what to use instead. Unfused, auto stays fp32.
  if (auto_models->precision() == "bf16") {
    CHECK(load("bf16", true)->precision() == "bf16");
  } else {
    CHECK(auto_models->precision() == "fp32");
    CHECK_THROWS_WITH(load("bf16", true), Catch::Contains("--precision auto or fp32"));
  }
  CHECK(load("auto", false)->precision() == "fp32");
  CHECK_THROWS_WITH(load("fp16", true), Catch::Contains("needs a CUDA device"));
}
