#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <unistd.h>
#include <vector>

#include "deepcompress/error.hpp"
#include "image/image_source.hpp"

#include "support.hpp"

namespace fs = std::filesystem;
using deepcompress::Error;
using deepcompress::ErrorKind;
using deepcompress::FileKind;
using deepcompress::Image;
using deepcompress::open_image_file;
using deepcompress::sniff_file_kind;

using deepcompress::test::TempDir;
using deepcompress::test::write_file;

namespace {

std::array<int, 3> bgr_at(const Image& image, int x, int y) {
  const std::uint8_t* p =
      image.pixels.data() + (static_cast<std::size_t>(y) * image.width_px + x) * 3;
  return {p[0], p[1], p[2]};
}

Image load_single(const fs::path& path) {
  auto source = open_image_file(path);
  REQUIRE(source->n_pages() == 1);
  return source->render(1);
}

}  // namespace

TEST_CASE("an 8-bit BGR png loads unchanged", "[image]") {
  TempDir dir;
  cv::Mat mat(20, 30, CV_8UC3, cv::Scalar(10, 20, 30));
  mat.at<cv::Vec3b>(5, 7) = cv::Vec3b(200, 100, 50);
  const fs::path path = dir.path / "color.png";
  REQUIRE(cv::imwrite(path.string(), mat));
  const Image image = load_single(path);
  CHECK(image.width_px == 30);
  CHECK(image.height_px == 20);
  CHECK(image.n_channels == 3);
  CHECK(bgr_at(image, 0, 0) == std::array<int, 3>{10, 20, 30});
  CHECK(bgr_at(image, 7, 5) == std::array<int, 3>{200, 100, 50});
}

TEST_CASE("gray and 16-bit images become 8-bit BGR", "[image]") {
  TempDir dir;
  SECTION("8-bit gray") {
    cv::Mat mat(10, 10, CV_8UC1, cv::Scalar(77));
    const fs::path path = dir.path / "gray.png";
    REQUIRE(cv::imwrite(path.string(), mat));
    CHECK(bgr_at(load_single(path), 3, 3) == std::array<int, 3>{77, 77, 77});
  }
  SECTION("16-bit gray is scaled, not clipped") {
    cv::Mat mat(10, 10, CV_16UC1, cv::Scalar(65535));
    mat.at<std::uint16_t>(1, 1) = 257 * 100;
    const fs::path path = dir.path / "gray16.png";
    REQUIRE(cv::imwrite(path.string(), mat));
    const Image image = load_single(path);
    CHECK(bgr_at(image, 0, 0) == std::array<int, 3>{255, 255, 255});
    CHECK(bgr_at(image, 1, 1) == std::array<int, 3>{100, 100, 100});
  }
  SECTION("16-bit color") {
    cv::Mat mat(10, 10, CV_16UC3, cv::Scalar(0, 257 * 128, 65535));
    const fs::path path = dir.path / "color16.png";
    REQUIRE(cv::imwrite(path.string(), mat));
    CHECK(bgr_at(load_single(path), 2, 2) == std::array<int, 3>{0, 128, 255});
  }
}

TEST_CASE("alpha is composited on white", "[image]") {
  TempDir dir;
  cv::Mat mat(10, 10, CV_8UC4, cv::Scalar(0, 0, 0, 0));    // fully transparent black
  mat.at<cv::Vec4b>(1, 1) = cv::Vec4b(0, 0, 200, 255);    // opaque red
  mat.at<cv::Vec4b>(2, 2) = cv::Vec4b(0, 0, 0, 128);      // half-transparent black
  const fs::path path = dir.path / "alpha.png";
  REQUIRE(cv::imwrite(path.string(), mat));
  const Image image = load_single(path);
  CHECK(bgr_at(image, 0, 0) == std::array<int, 3>{255, 255, 255});
  CHECK(bgr_at(image, 1, 1) == std::array<int, 3>{0, 0, 200});
  const auto half = bgr_at(image, 2, 2);
  CHECK(std::abs(half[0] - 127) <= 1);
}

TEST_CASE("a jpeg loads", "[image]") {
  TempDir dir;
  cv::Mat mat(16, 24, CV_8UC3, cv::Scalar(40, 120, 220));
  const fs::path path = dir.path / "photo.jpg";
  REQUIRE(cv::imwrite(path.string(), mat));
  const Image image = load_single(path);
  CHECK(image.width_px == 24);
  const auto p = bgr_at(image, 8, 8);
  CHECK(std::abs(p[0] - 40) <= 3);
  CHECK(std::abs(p[2] - 220) <= 3);
}

TEST_CASE("each frame of a multi-page tiff is a page", "[image]") {
  TempDir dir;
  const fs::path path = dir.path / "pages.tif";
  std::vector<cv::Mat> frames = {cv::Mat(12, 8, CV_8UC1, cv::Scalar(10)),
                                 cv::Mat(6, 9, CV_8UC1, cv::Scalar(200)),
                                 cv::Mat(5, 5, CV_8UC3, cv::Scalar(1, 2, 3))};
  REQUIRE(cv::imwritemulti(path.string(), frames));
  auto source = open_image_file(path);
  REQUIRE(source->n_pages() == 3);
  // Out of order on purpose: pages are decoded on demand.
  const Image second = source->render(2);
  CHECK(second.width_px == 9);
  CHECK(second.height_px == 6);
  CHECK(bgr_at(second, 0, 0) == std::array<int, 3>{200, 200, 200});
  const Image first = source->render(1);
  CHECK(first.width_px == 8);
  CHECK(bgr_at(first, 0, 0) == std::array<int, 3>{10, 10, 10});
  CHECK(bgr_at(source->render(3), 4, 4) == std::array<int, 3>{1, 2, 3});
  CHECK(source->render(1).width_px == 8);  // again, after the cache was used
  try {
    source->render(4);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.page() == 4);
    CHECK(e.file() == path.string());
  }
}

TEST_CASE("image open errors name the file", "[image]") {
  TempDir dir;
  SECTION("missing") {
    const fs::path path = dir.path / "missing.png";
    try {
      open_image_file(path);
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::kInput);
      CHECK(e.file() == path.string());
      CHECK(e.detail() == "no such file");
    }
  }
  SECTION("corrupt") {
    const fs::path path = dir.path / "broken.png";
    write_file(path, std::string("\x89PNG\r\n\x1a\n", 8) + "garbage");
    try {
      open_image_file(path);
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::kInput);
      CHECK(e.file() == path.string());
      CHECK(e.page() == 0);
    }
  }
  SECTION("a directory") {
    try {
      open_image_file(dir.path);
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(e.detail() == "is a directory");
    }
  }
}

TEST_CASE("sniff_file_kind looks at magic bytes, not names", "[image]") {
  TempDir dir;
  const auto sniff = [&](const std::string& name, const std::string& bytes) {
    write_file(dir.path / name, bytes);
    return sniff_file_kind(dir.path / name);
  };
  CHECK(sniff("a.bin", "%PDF-1.7\n...") == FileKind::kPdf);
  CHECK(sniff("junk_first.dat", std::string(500, 'x') + "%PDF-1.4\n") == FileKind::kPdf);
  CHECK(sniff("late.dat", std::string(1100, 'x') + "%PDF-1.4\n") == FileKind::kUnknown);
  CHECK(sniff("png.pdf", std::string("\x89PNG\r\n\x1a\n\0\0", 10)) == FileKind::kImage);
  CHECK(sniff("x.jpeg", std::string("\xff\xd8\xff\xe0\0\x10JFIF", 10)) == FileKind::kImage);
  CHECK(sniff("le.tif", std::string("II*\0\x08\0\0\0", 8)) == FileKind::kImage);
  CHECK(sniff("be.tif", std::string("MM\0*\0\0\0\x08", 8)) == FileKind::kImage);
  CHECK(sniff("notes.txt", "hello, world\n") == FileKind::kUnknown);
  CHECK(sniff("empty", "") == FileKind::kUnknown);

  try {
    sniff_file_kind(dir.path);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kInput);
    CHECK(e.detail() == "is a directory");
  }
  try {
    sniff_file_kind(dir.path / "nope.pdf");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.detail() == "no such file");
    CHECK(e.file() == (dir.path / "nope.pdf").string());
  }
  if (::geteuid() != 0) {  // root reads anything
    const fs::path locked = dir.path / "locked.png";
    write_file(locked, "\x89PNG");
    fs::permissions(locked, fs::perms::none);
    try {
      sniff_file_kind(locked);
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(e.detail().rfind("cannot read: ", 0) == 0);
    }
  }
}
