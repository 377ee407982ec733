#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "deepcompress/error.hpp"
#include "encode/writers.hpp"

#include "support.hpp"

namespace fs = std::filesystem;
using deepcompress::DocumentResult;
using deepcompress::Error;
using deepcompress::ErrorKind;
using deepcompress::PageResult;
using deepcompress::TextLine;
using deepcompress::to_json;
using deepcompress::to_txt;
using deepcompress::write_file_atomic;

using deepcompress::test::TempDir;
using deepcompress::test::read_file;

namespace {

int n_entries(const fs::path& dir) {
  return static_cast<int>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

PageResult page_with_text(int number, std::string text) {
  PageResult page;
  page.page_number = number;
  page.width_px = 850;
  page.height_px = 1100;
  page.text = std::move(text);
  return page;
}

}  // namespace

TEST_CASE("to_txt ends every page with a form feed", "[encode]") {
  DocumentResult doc;
  doc.pages.push_back(page_with_text(1, "Hello\nworld"));
  doc.pages.push_back(page_with_text(2, ""));
  doc.pages.push_back(page_with_text(3, "Last page\n"));
  CHECK(to_txt(doc) == "Hello\nworld\n\f\fLast page\n\f");
  CHECK(to_txt(DocumentResult{}).empty());
}

TEST_CASE("to_json escapes strings and keeps UTF-8", "[encode]") {
  DocumentResult doc;
  doc.path = "dir/a \"quoted\" name.pdf";
  PageResult page = page_with_text(1, "say \"hi\"\\ then\nnew\tline\x01 end \x7f");
  TextLine line;
  line.quad = {{{1.0f, 2.0f}, {100.25f, 2.0f}, {100.25f, 20.0f}, {1.0f, 20.0f}}};
  line.text = "caf\xc3\xa9 \xe6\xbc\xa2\xe5\xad\x97 \xf0\x9f\x99\x82 bad\xff";
  line.confidence = 0.987654f;
  page.lines.push_back(line);
  line.confidence = NAN;
  line.text = "x";
  page.lines.push_back(line);
  doc.pages.push_back(page);

  const std::string json = to_json(doc);
  CHECK_THAT(json, Catch::Contains(R"("path": "dir/a \"quoted\" name.pdf")"));
  CHECK_THAT(json, Catch::Contains(R"("text": "say \"hi\"\\ then\nnew\tline\u0001 end )"
                                   "\x7f\""));
  CHECK_THAT(json, Catch::Contains("\"text\": \"caf\xc3\xa9 \xe6\xbc\xa2\xe5\xad\x97 "
                                   "\xf0\x9f\x99\x82 bad\\ufffd\""));
  CHECK_THAT(json, Catch::Contains(R"("box": [[1.0, 2.0], [100.2, 2.0], [100.2, 20.0], [1.0, 20.0]])"));
  CHECK_THAT(json, Catch::Contains(R"("confidence": 0.9877)"));
  CHECK_THAT(json, Catch::Contains(R"("confidence": null)"));
  CHECK_THAT(json, Catch::Contains(R"("page": 1, "width_px": 850, "height_px": 1100)"));
  for (char c : json) CHECK((static_cast<unsigned char>(c) >= 0x20 || c == '\n'));
}

TEST_CASE("to_json of a failed document carries its error", "[encode]") {
  DocumentResult doc;
  doc.path = "x.pdf";
  doc.status = deepcompress::DocumentStatus::kFailed;
  doc.error = "x.pdf: encrypted";
  const std::string json = to_json(doc);
  CHECK_THAT(json, Catch::Contains(R"("status": "failed")"));
  CHECK_THAT(json, Catch::Contains(R"("error": "x.pdf: encrypted")"));
  CHECK_THAT(json, Catch::Contains(R"("pages": [])"));
}

TEST_CASE("write_file_atomic replaces the file and leaves no temporary", "[encode]") {
  TempDir dir;
  const fs::path path = dir.path / "out.txt";
  write_file_atomic(path, "first");
  CHECK(read_file(path) == "first");
  write_file_atomic(path, "second, longer content");
  CHECK(read_file(path) == "second, longer content");
  CHECK(n_entries(dir.path) == 1);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);

  const fs::path long_name = dir.path / std::string(250, 'n');  // temp name must still fit
  write_file_atomic(long_name, "long");
  CHECK(read_file(long_name) == "long");
  CHECK(n_entries(dir.path) == 2);
}

TEST_CASE("write_file_atomic failures name the file and clean up", "[encode]") {
  TempDir dir;
  const auto expect_output_error = [](const fs::path& path) {
    try {
      write_file_atomic(path, "content");
      FAIL("expected an error");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::kOutput);
      CHECK(e.file() == path.string());
      CHECK(std::string(e.what()).find(path.string()) != std::string::npos);
    }
  };
  SECTION("missing directory") { expect_output_error(dir.path / "no" / "such" / "out.txt"); }
  SECTION("a file where a directory is expected") {
    write_file_atomic(dir.path / "plain", "old");
    expect_output_error(dir.path / "plain" / "out.txt");
    CHECK(read_file(dir.path / "plain") == "old");
  }
  SECTION("the target is a directory: rename fails after writing") {
    fs::create_directory(dir.path / "taken");
    write_file_atomic(dir.path / "taken" / "keep", "kept");
    expect_output_error(dir.path / "taken");
    CHECK(read_file(dir.path / "taken" / "keep") == "kept");
    CHECK(n_entries(dir.path) == 1);  // the temporary is gone
  }
  SECTION("read-only directory keeps the old content") {
    if (::geteuid() == 0) {
      WARN("running as root: directory permissions are not enforced, skipped");
      return;
    }
    const fs::path path = dir.path / "out.txt";
    write_file_atomic(path, "old");
    fs::permissions(dir.path, fs::perms::owner_read | fs::perms::owner_exec);
    expect_output_error(path);
    fs::permissions(dir.path, fs::perms::owner_all);
    CHECK(read_file(path) == "old");
    CHECK(n_entries(dir.path) == 1);
  }
}
