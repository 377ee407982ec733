#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "deepcompress/error.hpp"
#include "encode/stats.hpp"
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

TEST_CASE("stats_json: figures, null ratios, redaction counts; cost_json", "[encode]") {
  deepcompress::DocumentStats stats;
  stats.tokenizer = "o200k_base";
  stats.n_tokens_faithful = 0;  // an empty document: no ratio against nothing
  stats.n_tokens_compact = 7;
  stats.n_tokens_image = 14;
  stats.n_furniture_lines = 2;
  stats.n_redactions = {{"phone", 1}, {"email", 3}};
  CHECK(deepcompress::stats_json(stats) ==
        R"({"tokenizer": "o200k_base", "n_tokens_faithful": 0, "n_tokens_compact": 7, "n_tokens_image": 14, )"
        R"("ratio": null, "ratio_image": 0.5000, "recall": 1.0000, "n_words": 0, "n_furniture_lines": 2, )"
        R"("redactions": {"email": 3, "phone": 1}})");

  deepcompress::CostEstimate cost;
  cost.model = "m \"1\"";
  cost.n_tokens_image = 1105;
  cost.usd_faithful = 0.0005376;
  cost.usd_compact = 0.0005;
  cost.usd_image = 0.0027626;
  CHECK(deepcompress::cost_json({cost}) ==
        R"([{"model": "m \"1\"", "n_tokens_image": 1105, "usd_faithful": 0.000538, )"
        R"("usd_compact": 0.000500, "usd_image": 0.002763}])");
  CHECK(deepcompress::cost_json({}) == "[]");
}

TEST_CASE("redaction report: positions and type, never the value", "[encode]") {
  DocumentResult doc;
  doc.path = "in/a \"b\".pdf";
  doc.pages.push_back(page_with_text(1, "mail [EMAIL] now"));
  doc.redactions.push_back(
      {.page_number = 1, .line_index = 0, .offset_bytes = 5, .length_bytes = 20, .type = "email"});
  doc.redactions.push_back(
      {.page_number = 3, .line_index = 12, .offset_bytes = 0, .length_bytes = 9, .type = "ssn"});
  const std::string report = deepcompress::redaction_report_lines(doc.path, doc.redactions);
  CHECK(report ==
        "{\"input\": \"in/a \\\"b\\\".pdf\", \"page\": 1, \"line\": 0, \"offset\": 5, \"length\": 20, "
        "\"type\": \"email\"}\n"
        "{\"input\": \"in/a \\\"b\\\".pdf\", \"page\": 3, \"line\": 12, \"offset\": 0, \"length\": 9, "
        "\"type\": \"ssn\"}\n");
  CHECK(deepcompress::redaction_report_lines("x.pdf", {}).empty());
}

TEST_CASE("remove_stale_temporaries removes only this host's leftovers of writers that are gone", "[encode]") {
  TempDir dir;
  fs::create_directories(dir.path / "sub");
  // A pid that surely ran and ended: a child that exits at once, reaped.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  REQUIRE(child > 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  const auto dead = std::to_string(child);
  const auto alive = std::to_string(::getppid());  // our parent is running
  const std::string host = deepcompress::temporary_host_tag();
  const std::string other_host = host == "node-b" ? "node-c" : "node-b";
  const auto write = [](const fs::path& path) { std::ofstream(path) << "partial"; };
  const std::string killed = ".x.txt.tmp." + host + "." + dead + ".AbC123";
  write(dir.path / "sub" / killed);                                             // killed writer: removed
  write(dir.path / "sub" / (".y.txt.tmp." + host + "." + alive + ".AbC123"));  // live writer: kept
  write(dir.path / "sub" / (".z.txt.tmp." + host + "." + dead + ".short"));    // not our pattern: kept
  // Another node's writer on a shared folder: its pid means nothing here.
  write(dir.path / "sub" / (".w.txt.tmp." + other_host + "." + dead + ".AbC123"));
  write(dir.path / "sub" / (".v.txt.tmp." + dead + ".AbC123"));  // no host (older versions): kept
  write(dir.path / "sub/x.txt");                                  // an output: kept
  const auto removed = deepcompress::remove_stale_temporaries(dir.path);
  REQUIRE(removed.size() == 1);
  CHECK(removed[0].filename() == killed);
  CHECK(n_entries(dir.path / "sub") == 5);
  CHECK(deepcompress::remove_stale_temporaries(dir.path / "missing").empty());
}

TEST_CASE("write_file_atomic names its temporary with this host and pid", "[encode]") {
  const std::string& host = deepcompress::temporary_host_tag();
  REQUIRE_FALSE(host.empty());
  CHECK(host.size() <= 64);
  CHECK(host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
        std::string::npos);
  // A temporary left by this process is judged by its pid: never removed while we run.
  TempDir dir;
  write_file_atomic(dir.path / "a.txt", "done");
  const std::string own = ".b.txt.tmp." + host + "." + std::to_string(::getpid()) + ".AbC123";
  std::ofstream(dir.path / own) << "partial";
  CHECK(deepcompress::remove_stale_temporaries(dir.path).empty());
  CHECK(fs::exists(dir.path / own));
}

TEST_CASE("json records each page's text source and why", "[encode]") {
  DocumentResult document;
  document.path = "d.pdf";
  PageResult layer;
  layer.page_number = 1;
  layer.source = deepcompress::TextSource::kTextLayer;
  layer.source_note = "text layer usable";
  PageResult scanned;
  scanned.page_number = 2;
  scanned.source = deepcompress::TextSource::kOcr;
  scanned.source_note = "no text layer";
  PageResult empty;
  empty.page_number = 3;
  empty.source = deepcompress::TextSource::kNone;
  document.pages = {layer, scanned, empty};
  const std::string json = to_json(document);
  CHECK_THAT(json, Catch::Contains(R"("page": 1, "width_px": 0, "height_px": 0, "source": "text_layer", "source_note": "text layer usable")"));
  CHECK_THAT(json, Catch::Contains(R"("page": 2, "width_px": 0, "height_px": 0, "source": "ocr", "source_note": "no text layer")"));
  CHECK_THAT(json, Catch::Contains(R"("page": 3, "width_px": 0, "height_px": 0, "source": "none")"));
}
