#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "image/preprocess.hpp"

using deepcompress::crop_quad;
using deepcompress::extend_along_text;
using deepcompress::Image;
using deepcompress::PointF;
using deepcompress::recognizer_width_px;
using deepcompress::rotate_180;
using deepcompress::to_classifier_input;
using deepcompress::to_detector_canvas;
using deepcompress::to_recognizer_input;

namespace {

Image solid(int width, int height, std::uint8_t b, std::uint8_t g, std::uint8_t r) {
  Image image;
  image.width_px = width;
  image.height_px = height;
  image.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  for (std::size_t i = 0; i < image.pixels.size(); i += 3) {
    image.pixels[i] = b;
    image.pixels[i + 1] = g;
    image.pixels[i + 2] = r;
  }
  return image;
}

// Every pixel distinct enough to catch off-by-one crops.
Image pattern(int width, int height) {
  Image image = solid(width, height, 0, 0, 0);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      std::uint8_t* p = image.pixels.data() + (static_cast<std::size_t>(y) * width + x) * 3;
      p[0] = static_cast<std::uint8_t>(x * 7 + y * 3);
      p[1] = static_cast<std::uint8_t>(x * 2 + y * 11);
      p[2] = static_cast<std::uint8_t>(x ^ y);
    }
  }
  return image;
}

std::uint8_t at(const Image& image, int x, int y, int c) {
  return image.pixels[(static_cast<std::size_t>(y) * image.width_px + x) * 3 + c];
}

// CHW float at (c, y, x) of a height x width plane stack.
float chw(const std::vector<float>& t, int height, int width, int c, int y, int x) {
  return t[(static_cast<std::size_t>(c) * height + y) * width + x];
}

std::array<PointF, 4> rect_quad(float x0, float y0, float x1, float y1) {
  return {PointF{x0, y0}, PointF{x1, y0}, PointF{x1, y1}, PointF{x0, y1}};
}

}  // namespace

TEST_CASE("detector canvas: aspect kept, top-left aligned, zero padded", "[image][preprocess]") {
  const Image page = solid(200, 100, 10, 20, 30);
  const int side = 64;
  std::vector<float> t(3 * side * side, 123.0f);
  const float scale = to_detector_canvas(page, side, t.data());
  CHECK(scale == Approx(0.32f));
  const float mean[3] = {0.485f, 0.456f, 0.406f};
  const float std_dev[3] = {0.229f, 0.224f, 0.225f};
  const float value[3] = {10, 20, 30};
  for (int c = 0; c < 3; ++c) {
    const float expected = (value[c] / 255.0f - mean[c]) / std_dev[c];
    CHECK(chw(t, side, side, c, 0, 0) == Approx(expected).margin(1e-5));
    CHECK(chw(t, side, side, c, 31, 63) == Approx(expected).margin(1e-5));  // resized 64 x 32
    CHECK(chw(t, side, side, c, 32, 0) == 0.0f);                            // padding
    CHECK(chw(t, side, side, c, 63, 63) == 0.0f);
  }
}

TEST_CASE("detector canvas normalizes each stored channel with its own mean/std",
          "[image][preprocess]") {
  Image page = solid(32, 16, 255, 255, 255);  // fits: scale 1, no resampling
  std::uint8_t* p = page.pixels.data() + (5 * 32 + 9) * 3;
  p[0] = 0;    // B gets mean[0] / std[0]
  p[1] = 128;  // G
  p[2] = 255;  // R
  std::vector<float> t(3 * 32 * 32);
  CHECK(to_detector_canvas(page, 32, t.data()) == 1.0f);
  CHECK(chw(t, 32, 32, 0, 5, 9) == Approx((0.0f - 0.485f) / 0.229f).margin(1e-5));
  CHECK(chw(t, 32, 32, 1, 5, 9) == Approx((128.0f / 255.0f - 0.456f) / 0.224f).margin(1e-5));
  CHECK(chw(t, 32, 32, 2, 5, 9) == Approx((1.0f - 0.406f) / 0.225f).margin(1e-5));
  CHECK(chw(t, 32, 32, 0, 16, 9) == 0.0f);
}

TEST_CASE("extend_along_text lengthens the long axis by ratio x height, inside the page", "[image][preprocess]") {
  const auto near = [](PointF a, PointF b) { return std::abs(a.x - b.x) < 1e-3f && std::abs(a.y - b.y) < 1e-3f; };
  // A 100 x 20 line: 0.3 x 20 = 6 px more at each end.
  auto q = extend_along_text(rect_quad(50, 50, 150, 70), 0.3f, 400, 300);
  CHECK(near(q[0], {44, 50}));
  CHECK(near(q[1], {156, 50}));
  CHECK(near(q[2], {156, 70}));
  CHECK(near(q[3], {44, 70}));
  // Clamped at the page edge.
  q = extend_along_text(rect_quad(2, 50, 396, 70), 0.3f, 400, 300);
  CHECK(near(q[0], {0, 50}));
  CHECK(near(q[1], {399, 50}));
  // A vertical line (20 x 100) grows along y.
  q = extend_along_text(rect_quad(50, 50, 70, 150), 0.3f, 400, 300);
  CHECK(near(q[0], {50, 44}));
  CHECK(near(q[2], {70, 156}));
  // A degenerate quad is returned unchanged.
  const auto flat = rect_quad(10, 10, 10, 10);
  CHECK(near(extend_along_text(flat, 0.3f, 400, 300)[1], flat[1]));
}

TEST_CASE("crop_quad of an axis-aligned quad is the ROI", "[image][preprocess]") {
  const Image page = pattern(80, 60);
  const Image crop = crop_quad(page, rect_quad(10, 5, 50, 25));
  REQUIRE(crop.width_px == 40);
  REQUIRE(crop.height_px == 20);
  for (int y = 0; y < crop.height_px; ++y) {
    for (int x = 0; x < crop.width_px; ++x) {
      for (int c = 0; c < 3; ++c) REQUIRE(at(crop, x, y, c) == at(page, x + 10, y + 5, c));
    }
  }
}

TEST_CASE("crop_quad rotates tall crops counter-clockwise", "[image][preprocess]") {
  Image page = solid(60, 60, 255, 255, 255);
  // Mark the top-right pixel of the 10 x 30 region at (20, 10).
  std::uint8_t* mark = page.pixels.data() + (10 * 60 + 29) * 3;
  mark[0] = mark[1] = mark[2] = 0;
  const Image crop = crop_quad(page, rect_quad(20, 10, 30, 40));
  REQUIRE(crop.width_px == 30);
  REQUIRE(crop.height_px == 10);
  CHECK(at(crop, 0, 0, 0) == 0);  // np.rot90 moves the top-right corner to top-left
  CHECK(at(crop, 29, 9, 0) == 255);

  // 1.5x is the threshold; just below it the crop stays upright.
  const Image upright = crop_quad(page, rect_quad(20, 10, 40, 39));
  CHECK(upright.width_px == 20);
  CHECK(upright.height_px == 29);
}

TEST_CASE("crop_quad returns empty for degenerate quads", "[image][preprocess]") {
  const Image page = pattern(40, 40);
  CHECK(crop_quad(page, rect_quad(5, 5, 5, 20)).empty());
  CHECK(crop_quad(page, rect_quad(5, 5, 5.5f, 5.5f)).empty());
  CHECK(crop_quad(page, rect_quad(5, 5, NAN, 20)).empty());
  CHECK(crop_quad(Image{}, rect_quad(0, 0, 10, 10)).empty());
}

TEST_CASE("rotate_180 maps corners to opposite corners", "[image][preprocess]") {
  const Image image = pattern(7, 5);
  const Image turned = rotate_180(image);
  REQUIRE(turned.width_px == 7);
  REQUIRE(turned.height_px == 5);
  for (int c = 0; c < 3; ++c) {
    CHECK(at(turned, 0, 0, c) == at(image, 6, 4, c));
    CHECK(at(turned, 6, 0, c) == at(image, 0, 4, c));
    CHECK(at(turned, 2, 3, c) == at(image, 4, 1, c));
  }
}

TEST_CASE("recognizer width keeps aspect within [8, max]", "[image][preprocess]") {
  CHECK(recognizer_width_px(solid(100, 48, 0, 0, 0), 320) == 100);
  CHECK(recognizer_width_px(solid(97, 50, 0, 0, 0), 320) == 94);  // ceil(48 * 1.94)
  CHECK(recognizer_width_px(solid(1000, 48, 0, 0, 0), 320) == 320);
  CHECK(recognizer_width_px(solid(2, 48, 0, 0, 0), 320) == 8);
  CHECK(recognizer_width_px(solid(200, 24, 0, 0, 0), 320) == 320);
}

TEST_CASE("classifier input is 48 x 192, scaled to [-1, 1], zero padded", "[image][preprocess]") {
  const int h = deepcompress::kClsHeightPx;
  const int w = deepcompress::kClsWidthPx;
  std::vector<float> t(3 * h * w, 9.0f);
  to_classifier_input(solid(48, 24, 255, 0, 255), t.data());  // resized to 96 x 48
  CHECK(chw(t, h, w, 0, 0, 0) == Approx(1.0f));
  CHECK(chw(t, h, w, 1, 47, 95) == Approx(-1.0f));
  CHECK(chw(t, h, w, 2, 20, 95) == Approx(1.0f));
  CHECK(chw(t, h, w, 0, 0, 96) == 0.0f);
  CHECK(chw(t, h, w, 2, 47, 191) == 0.0f);

  to_classifier_input(solid(1000, 48, 0, 0, 0), t.data());  // wide: fills all 192
  CHECK(chw(t, h, w, 0, 0, 191) == Approx(-1.0f));
}

TEST_CASE("recognizer input is resized to the computed width then zero padded",
          "[image][preprocess]") {
  const int h = deepcompress::kRecHeightPx;
  const int width_px = 100;
  std::vector<float> t(3 * h * width_px, 9.0f);
  to_recognizer_input(solid(30, 30, 0, 255, 0), width_px, t.data());
  CHECK(chw(t, h, width_px, 0, 10, 47) == Approx(-1.0f));  // resized to 48 x 48
  CHECK(chw(t, h, width_px, 1, 10, 47) == Approx(1.0f));
  CHECK(chw(t, h, width_px, 0, 10, 48) == 0.0f);
  CHECK(chw(t, h, width_px, 1, 47, 99) == 0.0f);
}
