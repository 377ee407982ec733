// Hostile PDF inputs (docs/robustness.md): truncation, encryption with and
// without the right password. Errors are Error(kInput) naming the file.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>

#include "deepcompress/error.hpp"
#include "pdf/pdf_source.hpp"

#include "support.hpp"

namespace fs = std::filesystem;
using deepcompress::Error;
using deepcompress::ErrorKind;
using deepcompress::open_pdf;

using deepcompress::test::TempDir;
using deepcompress::test::read_file;
using deepcompress::test::write_file;

namespace {

const fs::path kSamplePdf = fs::path(DC_SOURCE_DIR) / "tests/fixtures/sample.pdf";

// qpdf --encrypt USER OWNER 256 (AES-256); false if qpdf is not installed.
bool encrypt(const fs::path& in, const fs::path& out, const std::string& user, const std::string& owner) {
  const std::string command = "qpdf --encrypt '" + user + "' '" + owner + "' 256 -- '" + in.string() + "' '" +
                              out.string() + "' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

}  // namespace

TEST_CASE("a truncated pdf fails naming the file", "[pdf]") {
  TempDir dir;
  const std::string bytes = read_file(kSamplePdf);
  for (int percent : {10, 50}) {
    const fs::path path = dir.path / ("cut" + std::to_string(percent) + ".pdf");
    write_file(path, bytes.substr(0, bytes.size() * percent / 100));
    try {
      auto source = open_pdf(path, "", 50);
      // Poppler may repair a cut file; then page 1 must render or fail cleanly.
      if (source->n_pages() > 0) source->render(1);
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::kInput);
      CHECK(e.file() == path.string());
    }
  }
}

TEST_CASE("encrypted pdfs: user password, owner-only, wrong password", "[pdf]") {
  TempDir dir;
  const fs::path user = dir.path / "user.pdf";
  const fs::path owner_only = dir.path / "owner_only.pdf";
  if (!encrypt(kSamplePdf, user, "U", "O") || !encrypt(kSamplePdf, owner_only, "", "O")) {
    WARN("qpdf not available: encryption cases skipped");
    return;
  }
  SECTION("no password") {
    try {
      open_pdf(user, "", 50);
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(e.file() == user.string());
      CHECK(e.detail().rfind("encrypted: supply the password", 0) == 0);
    }
  }
  SECTION("wrong password, and it is not in the message") {
    try {
      open_pdf(user, "hunter2", 50);
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(e.detail().rfind("encrypted: the supplied password is wrong", 0) == 0);
      CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
    }
  }
  // password_protected: what it yields is as secret as the password (cache locks).
  SECTION("right password") {
    const auto source = open_pdf(user, "U", 50);
    CHECK(source->render(1).width_px > 0);
    CHECK(source->password_protected());
  }
  SECTION("owner-only encryption opens without a password") {
    const auto source = open_pdf(owner_only, "", 50);
    CHECK(source->render(1).width_px > 0);
    CHECK_FALSE(source->password_protected());
  }
  // Regression: the run's password (meant for other files) made Poppler
  // reject a file whose user password is empty.
  SECTION("owner-only encryption opens when another password is supplied") {
    const auto source = open_pdf(owner_only, "not-this-one", 50);
    CHECK(source->render(1).width_px > 0);
    CHECK_FALSE(source->password_protected());
  }
  SECTION("a plain pdf is not protected, even when a password is supplied") {
    CHECK_FALSE(open_pdf(kSamplePdf, "U", 50)->password_protected());
  }
}
