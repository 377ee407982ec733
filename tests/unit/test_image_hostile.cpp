// Hostile image inputs (docs/robustness.md): degenerate sizes, truncation,
// zero bytes. Each must either decode to 8-bit BGR or fail with Error(kInput)
// naming the file, never crash.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <unistd.h>

#include "deepcompress/error.hpp"
#include "image/image_source.hpp"

#include "support.hpp"

namespace fs = std::filesystem;
using deepcompress::Error;
using deepcompress::ErrorKind;
using deepcompress::Image;
using deepcompress::open_image_file;

using deepcompress::test::TempDir;
using deepcompress::test::read_file;
using deepcompress::test::write_file;

namespace {

}  // namespace

TEST_CASE("degenerate image sizes decode", "[image]") {
  TempDir dir;
  const auto check = [&](int width, int height, const char* name) {
    const fs::path path = dir.path / name;
    REQUIRE(cv::imwrite(path.string(), cv::Mat(height, width, CV_8UC1, cv::Scalar(255))));
    auto source = open_image_file(path);
    REQUIRE(source->n_pages() == 1);
    const Image image = source->render(1);
    CHECK(image.width_px == width);
    CHECK(image.height_px == height);
    CHECK(image.n_channels == 3);
    CHECK(image.pixels.size() == static_cast<std::size_t>(width) * height * 3);
  };
  check(1, 1, "one_pixel.png");
  check(100000, 10, "wide.png");
  check(10, 100000, "tall.png");
}

TEST_CASE("truncated and empty images fail naming the file", "[image]") {
  TempDir dir;
  const fs::path good = dir.path / "good.png";
  cv::Mat mat(64, 64, CV_8UC3, cv::Scalar(10, 20, 30));
  cv::randu(mat, 0, 255);  // noise: keeps the compressed stream long
  REQUIRE(cv::imwrite(good.string(), mat));
  const std::string bytes = read_file(good);
  for (const std::size_t n : {std::size_t{8}, bytes.size() / 2}) {
    const fs::path path = dir.path / ("cut" + std::to_string(n) + ".png");
    write_file(path, bytes.substr(0, n));
    try {
      auto source = open_image_file(path);
      FAIL("expected an error for " << path);
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::kInput);
      CHECK(e.file() == path.string());
    }
  }
  const fs::path empty = dir.path / "empty.png";
  write_file(empty, "");
  CHECK_THROWS_AS(open_image_file(empty), Error);
}
