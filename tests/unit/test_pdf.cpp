#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sstream>

#include "common/log.hpp"
#include "deepcompress/error.hpp"
#include "pdf/pdf_source.hpp"

#include "support.hpp"

namespace fs = std::filesystem;
using deepcompress::Error;
using deepcompress::ErrorKind;
using deepcompress::Image;
using deepcompress::open_pdf;

using deepcompress::test::TempDir;
using deepcompress::test::write_file;

namespace {

const fs::path kSamplePdf = fs::path(DC_SOURCE_DIR) / "tests/fixtures/sample.pdf";

// A minimal well-formed PDF (correct xref offsets) from object bodies 1..n;
// object 1 must be the catalog.
std::string make_pdf(const std::vector<std::string>& objects) {
  std::string pdf = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const std::size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (std::size_t offset : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

// A 1-inch page with a red square over its bottom-left quarter.
std::string red_square_pdf() {
  const std::string content = "1 0 0 rg 0 0 36 36 re f";
  return make_pdf({
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] /Contents 4 0 R >>",
      "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content +
          "\nendstream",
  });
}

const std::uint8_t* pixel(const Image& image, int x, int y) {
  return image.pixels.data() + (static_cast<std::size_t>(y) * image.width_px + x) * 3;
}

}  // namespace

TEST_CASE("the shipped sample renders at the requested dpi", "[pdf]") {
  auto source = open_pdf(kSamplePdf, "", 100);
  REQUIRE(source->n_pages() == 1);
  const Image page = source->render(1);
  // US letter, 612 x 792 pt, at 100 dpi.
  CHECK(page.n_channels == 3);
  CHECK(std::abs(page.width_px - 850) <= 1);
  CHECK(std::abs(page.height_px - 1100) <= 1);
  REQUIRE(page.pixels.size() == static_cast<std::size_t>(page.width_px) * page.height_px * 3);

  std::size_t n_dark = 0;
  for (std::size_t i = 0; i < page.pixels.size(); i += 3) {
    if (page.pixels[i] < 128 && page.pixels[i + 1] < 128 && page.pixels[i + 2] < 128) ++n_dark;
  }
  CHECK(n_dark > 1000);  // there is text
  const std::uint8_t* corner = pixel(page, 5, 5);
  CHECK((corner[0] == 255 && corner[1] == 255 && corner[2] == 255));  // white paper
}

TEST_CASE("pdf pages come out in BGR order", "[pdf]") {
  TempDir dir;
  const fs::path path = dir.path / "red.pdf";
  write_file(path, red_square_pdf());
  auto source = open_pdf(path, "", 100);
  REQUIRE(source->n_pages() == 1);
  const Image page = source->render(1);
  REQUIRE(page.width_px == 100);
  REQUIRE(page.height_px == 100);
  const std::uint8_t* red = pixel(page, 10, 90);  // bottom-left in PDF space
  CHECK(red[0] < 10);
  CHECK(red[1] < 10);
  CHECK(red[2] > 245);
  const std::uint8_t* white = pixel(page, 90, 10);
  CHECK((white[0] == 255 && white[1] == 255 && white[2] == 255));
}

TEST_CASE("a pdf with zero pages is not an error", "[pdf]") {
  TempDir dir;
  const fs::path path = dir.path / "empty.pdf";
  write_file(path, make_pdf({"<< /Type /Catalog /Pages 2 0 R >>",
                             "<< /Type /Pages /Kids [] /Count 0 >>"}));
  auto source = open_pdf(path, "", 100);
  CHECK(source->n_pages() == 0);
  CHECK_THROWS_AS(source->render(1), Error);
}

TEST_CASE("pdf open errors name the file", "[pdf]") {
  TempDir dir;
  SECTION("missing file") {
    const fs::path path = dir.path / "missing.pdf";
    try {
      open_pdf(path, "", 100);
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::kInput);
      CHECK(e.file() == path.string());
      CHECK(std::string(e.what()).find(path.string()) != std::string::npos);
      CHECK(e.detail() == "no such file");
    }
  }
  SECTION("a text file named .pdf") {
    const fs::path path = dir.path / "notes.pdf";
    write_file(path, "These are plain notes, not a PDF.\n");
    try {
      open_pdf(path, "", 100);
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::kInput);
      CHECK(e.file() == path.string());
      CHECK(e.detail() == "not a PDF or corrupt");
    }
  }
  SECTION("a truncated pdf") {
    const fs::path path = dir.path / "truncated.pdf";
    write_file(path, "%PDF-1.4\n1 0 obj\n<< /Type /Cat");
    CHECK_THROWS_AS(open_pdf(path, "", 100), Error);
  }
  SECTION("a directory") {
    try {
      open_pdf(dir.path, "", 100);
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(e.detail() == "is a directory");
    }
  }
}

TEST_CASE("rendering a page out of range names file and page", "[pdf]") {
  auto source = open_pdf(kSamplePdf, "", 72);
  try {
    source->render(2);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kInput);
    CHECK(e.file() == kSamplePdf.string());
    CHECK(e.page() == 2);
  }
}

// Hidden ([.]): renders 100 megapixels, too slow and large for every run.
TEST_CASE("a giant page is rendered at a lower dpi with a warning", "[pdf][.][slow]") {
  TempDir dir;
  const fs::path path = dir.path / "poster.pdf";
  write_file(path, make_pdf({
                       "<< /Type /Catalog /Pages 2 0 R >>",
                       "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                       "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 7200] >>",
                   }));
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  auto test_logger = std::make_shared<spdlog::logger>(deepcompress::kLoggerName, sink);
  spdlog::register_logger(test_logger);
  auto source = open_pdf(path, "", 300);  // 200 x 100 in: 1800 MP at 300 dpi
  const Image page = source->render(1);
  spdlog::drop(deepcompress::kLoggerName);
  CHECK(static_cast<double>(page.width_px) * page.height_px <= 100e6);
  CHECK(page.width_px == 2 * page.height_px);
  CHECK(log.str().find(path.string() + ": page 1:") != std::string::npos);
}

// Encrypted PDFs are not covered here: producing one needs qpdf (or similar),
// which the build machines do not have.
