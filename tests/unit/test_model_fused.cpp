// The models with fused oneDNN convolutions (and bf16 where the CPU has it)
// against the plain LibTorch graphs, on a real rendered page: the checked-in
// sample PDF, its text lines found by the detector and read by the recognizer.
// Needs the converted models (scripts/setup); fails without them.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <thread>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "image/preprocess.hpp"
#include "model/cpu_probe.hpp"
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

std::unique_ptr<OcrModels> load(const std::string& precision, bool fuse, const fs::path& facts_dir = {}) {
  ModelConfig config;
  config.dir = models_dir();
  config.device = "cpu";
  config.precision = precision;
  config.fuse_convolutions = fuse;
  config.facts_dir = facts_dir;
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
                          result.lines.data.data() + static_cast<std::size_t>(i) * 3 * kRecHeightPx * width_px, kRecWidthScale);
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
    const float* line = probs.data.data() + static_cast<std::size_t>(i) * n_steps * n_classes;
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
  // bf16 on CPU is accepted where the CPU has native bf16 and convolutions are
  // fused; elsewhere it is refused with a message that says what to use instead.
  std::unique_ptr<OcrModels> bf16;
  try {
    bf16 = load("bf16", true);
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("--precision auto or fp32"));
    CHECK(load("auto", true)->precision() == "fp32");
    return;
  }
  REQUIRE(bf16->precision() == "bf16");
  auto fp32 = load("fp32", true);
  const auto reference = read_lines(*fp32);
  const auto lines = read_lines(*bf16);
  std::size_t n_chars = 0, n_edits = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    n_chars += reference[i].size();
    n_edits += edit_distance(reference[i], lines[i]);
  }
  std::string shown;
  for (std::size_t i = 0; i < lines.size(); ++i) shown += "\n  " + lines[i] + "\n  " + reference[i] + " (fp32)";
  INFO("bf16 read:" << shown);
  REQUIRE(n_chars > 100);
  CHECK(static_cast<double>(n_edits) / static_cast<double>(n_chars) <= 0.01);
  CHECK(load("auto", false)->precision() == "fp32");  // unfused, bf16 is not worth it
  CHECK_THROWS_WITH(load("fp16", true), Catch::Contains("needs a CUDA device"));
}

TEST_CASE("auto precision is measured once per CPU and models, then remembered") {
  bool bf16_here = true;
  try {
    (void)load("bf16", true);
  } catch (const Error&) {
    bf16_here = false;
  }
  const fs::path dir = fs::temp_directory_path() / ("dc_cpu_facts_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto first = load("auto", true, dir);
  const std::string measured = first->precision();
  if (!bf16_here) {  // nothing to choose between: fp32, nothing measured
    CHECK(measured == "fp32");
    CHECK((!fs::exists(dir) || fs::is_empty(dir)));
    return;
  }
  CHECK((measured == "fp32" || measured == "bf16"));
  // One file per CPU model, holding the verdict with both timings, private.
  std::vector<fs::path> files(fs::directory_iterator(dir), fs::directory_iterator{});
  REQUIRE(files.size() == 1);
  std::string text;
  {
    std::ifstream in(files[0]);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  CHECK_THAT(text, Catch::Contains("precision models=") && Catch::Contains("fp32 ") && Catch::Contains(" ms"));
  CHECK((fs::status(files[0]).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
  // A later load reads the remembered verdict instead of measuring: an edited
  // verdict is obeyed.
  const std::string other = measured == "bf16" ? "fp32" : "bf16";
  const auto at = text.find("= " + measured);
  REQUIRE(at != std::string::npos);
  text.replace(at, 2 + measured.size(), "= " + other);
  std::ofstream(files[0], std::ios::trunc) << text;
  CHECK(load("auto", true, dir)->precision() == other);
  fs::remove_all(dir);
}

TEST_CASE("a probe that crashes or hangs costs its child process, not the caller") {
  CHECK(survives_in_child([] { return 0; }, 10000));
  CHECK_FALSE(survives_in_child([] { return 3; }, 10000));
  CHECK_FALSE(survives_in_child([] {
    std::raise(SIGILL);  // what an unsupported instruction does
    return 0;
  }, 10000));
  CHECK_FALSE(survives_in_child([] {
    while (true) std::this_thread::sleep_for(std::chrono::seconds(1));
    return 0;
  }, 300));
  // The AMX probe itself runs (and exits 0) wherever oneDNN runs bf16.
  if (request_amx_tile_state()) CHECK(survives_in_child(run_full_isa_bf16_convolution, 60000));
}
