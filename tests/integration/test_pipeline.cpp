// End-to-end tests through the real converted models. They need scripts/setup
// to have fetched the models; without them they fail (never skip).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "deepcompress/engine.hpp"
#include "deepcompress/error.hpp"
#include "text_metrics.hpp"

namespace fs = std::filesystem;
using namespace deepcompress;

namespace {

fs::path fixtures_dir() { return fs::path(DC_BINARY_DIR) / "fixtures"; }

Options test_options(int batch_size = 8) {
  tune_process_allocator();  // as the CLI does; idempotent
  Options options;
  const char* env_dir = std::getenv("DEEPCOMPRESS_MODELS_DIR");
  options.model_dir = env_dir != nullptr ? env_dir : (fs::path(DC_SOURCE_DIR) / "models").string();
  options.batch_size = batch_size;
  return options;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string document_text(const DocumentResult& document) {
  std::string text;
  for (const auto& page : document.pages) text += page.text + "\f";
  return text;
}

// Loaded once: model loading is the slow part, and the engine is reusable.
Engine& shared_engine() {
  static auto engine = Engine::load(test_options());
  return *engine;
}

}  // namespace

// Thresholds: clean 200-dpi renders of 11-12 pt text. PaddleOCR's recognizer
// reaches ~1% CER on such pages; the margin leaves room for rare glyph
// confusions (l/I, quotes) without letting a regression (lost lines, broken
// order, missing spaces) through: one lost line of ~60 chars on a 2-page
// fixture is already > 1.5% CER.
TEST_CASE("prose PDF is recognized with low CER and WER") {
  const auto result = shared_engine().process_document(fixtures_dir() / "prose.pdf");
  INFO(result.error);
  REQUIRE(result.status == DocumentStatus::kOk);
  REQUIRE(result.pages.size() == 2);
  const auto truth = read_file(fixtures_dir() / "prose.txt");
  const auto text = document_text(result);
  const double c = test::cer(truth, text);
  const double w = test::wer(truth, text);
  INFO("CER " << c << " WER " << w << "\n" << text);
  WARN("prose.pdf: CER " << c << ", WER " << w);
  CHECK(c < 0.02);
  // WER counts every missed space between words: it is the measure of the
  // word-gap recovery on top of the recognizer.
  CHECK(w < 0.06);
}

TEST_CASE("two-column page is read column by column") {
  const auto result = shared_engine().process_document(fixtures_dir() / "two_column.pdf");
  INFO(result.error);
  REQUIRE(result.status == DocumentStatus::kOk);
  const auto truth = read_file(fixtures_dir() / "two_column.txt");
  const auto text = document_text(result);
  INFO(text);
  WARN("two_column.pdf: CER " << test::cer(truth, text) << ", WER " << test::wer(truth, text));
  // Reading the rows across both columns would interleave the columns' lines:
  // the word-level error would then be far above this bound.
  CHECK(test::wer(truth, text) < 0.08);
  CHECK(test::cer(truth, text) < 0.03);
}

TEST_CASE("text is identical at batch sizes 1, 8 and 64") {
  const auto doc = fixtures_dir() / "prose.pdf";
  std::string reference;
  for (int batch_size : {1, 8, 64}) {
    auto engine = Engine::load(test_options(batch_size));
    const auto result = engine->process_document(doc);
    REQUIRE(result.status == DocumentStatus::kOk);
    const auto text = document_text(result);
    if (reference.empty()) {
      reference = text;
      REQUIRE(!reference.empty());
    } else {
      INFO("batch size " << batch_size);
      CHECK(text == reference);
    }
  }
}

TEST_CASE("image input (PNG scan) is recognized") {
  const auto result = shared_engine().process_document(fixtures_dir() / "scan.png");
  INFO(result.error);
  REQUIRE(result.status == DocumentStatus::kOk);
  REQUIRE(result.pages.size() == 1);
  const auto truth = read_file(fixtures_dir() / "prose.txt");
  const auto first_page_truth = truth.substr(0, truth.find('\f'));
  const double c = test::cer(first_page_truth, result.pages[0].text);
  INFO("CER " << c << "\n" << result.pages[0].text);
  const double w = test::wer(first_page_truth, result.pages[0].text);
  WARN("scan.png: CER " << c << ", WER " << w);
  // A 150-dpi scan with speckle noise: small text (about 20 px line height)
  // is where the recognizer drops spaces if lines are fed too wide; measured
  // CER 0.1%, WER 0.9% with the horizontal squeeze, WER 28% without.
  CHECK(c < 0.02);
  CHECK(w < 0.05);
}

TEST_CASE("page selection renders only the chosen pages") {
  auto options = test_options();
  options.pages = "2";
  auto engine = Engine::load(options);
  const auto result = engine->process_document(fixtures_dir() / "prose.pdf");
  REQUIRE(result.status == DocumentStatus::kOk);
  REQUIRE(result.pages.size() == 1);
  CHECK(result.pages[0].page_number == 2);
  options.pages = "3";
  engine = Engine::load(options);
  const auto beyond = engine->process_document(fixtures_dir() / "prose.pdf");
  CHECK(beyond.status == DocumentStatus::kFailed);
  CHECK(beyond.error.find("prose.pdf") != std::string::npos);
}

TEST_CASE("a bad document fails alone with a message naming it") {
  const auto bogus = fs::temp_directory_path() / "deepcompress_not_a.pdf";
  std::ofstream(bogus) << "this is not a PDF\n";
  const auto result = shared_engine().process_document(bogus);
  CHECK(result.status == DocumentStatus::kFailed);
  CHECK(result.error.find(bogus.string()) != std::string::npos);
  CHECK(result.error.find('\n') == std::string::npos);
  fs::remove(bogus);
  // The engine still works afterwards.
  CHECK(shared_engine().process_document(fixtures_dir() / "two_column.pdf").status == DocumentStatus::kOk);
}

TEST_CASE("missing or corrupt models give a clear error") {
  const auto dir = fs::temp_directory_path() / "deepcompress_no_models";
  fs::create_directories(dir);
  auto options = test_options();
  options.model_dir = dir.string();
  try {
    Engine::load(options);
    FAIL("loading from an empty directory succeeded");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kModel);
    CHECK(std::string(e.what()).find("run scripts/setup") != std::string::npos);
  }
  // A model file that does not match its manifest hash.
  const auto real = fs::path(test_options().model_dir);
  for (const auto& entry : fs::directory_iterator(real)) {
    if (entry.is_regular_file()) fs::copy_file(entry.path(), dir / entry.path().filename(), fs::copy_options::overwrite_existing);
  }
  std::ofstream(dir / "rec.pt", std::ios::app) << "tampered";
  try {
    Engine::load(options);
    FAIL("loading a tampered model succeeded");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kModel);
    CHECK(std::string(e.what()).find("rec.pt") != std::string::npos);
  }
  fs::remove_all(dir);
}

TEST_CASE("out of memory halves the batch and retries the same pages") {
  const auto doc = fixtures_dir() / "prose.pdf";
  const auto reference = document_text(shared_engine().process_document(doc));
  auto engine = Engine::load(test_options(8));
  engine->inject_out_of_memory_at_batch(1);  // the first 2-page batch "runs out of memory"
  const auto result = engine->process_document(doc);
  INFO(result.error);
  REQUIRE(result.status == DocumentStatus::kOk);
  REQUIRE(result.pages.size() == 2);  // no page dropped
  CHECK(document_text(result) == reference);
}

TEST_CASE("a page that does not fit even alone fails its document, named") {
  auto engine = Engine::load(test_options(1));
  engine->inject_out_of_memory_at_batch(1);
  const auto failed = engine->process_document(fixtures_dir() / "two_column.pdf");
  CHECK(failed.status == DocumentStatus::kFailed);
  CHECK(failed.error.find("two_column.pdf: page 1: out of memory") != std::string::npos);
  // The engine keeps working for the next document.
  CHECK(engine->process_document(fixtures_dir() / "two_column.pdf").status == DocumentStatus::kOk);
}

TEST_CASE("cross-document batches give the same text as each document alone") {
  const std::vector<fs::path> docs = {fixtures_dir() / "two_column.pdf", fixtures_dir() / "prose.pdf",
                                      fs::path(DC_SOURCE_DIR) / "tests/fixtures/sample.pdf"};
  std::vector<std::string> alone;
  for (const auto& doc : docs) alone.push_back(document_text(shared_engine().process_document(doc)));

  struct Collect : DocumentSink {
    std::vector<std::string> texts = std::vector<std::string>(3);
    std::vector<std::size_t> order;
    void on_document(std::size_t index, DocumentResult result) override {
      order.push_back(index);
      texts[index] = document_text(result);
    }
  };
  // Batch 3 puts the page of one document together with pages of others.
  auto engine = Engine::load(test_options(3));
  Collect mixed;
  const auto summary = engine->run(docs, mixed);
  CHECK(summary.n_documents_ok == 3);
  CHECK(summary.n_pages == 4);
  CHECK(summary.n_batches == 2);
  for (std::size_t i = 0; i < docs.size(); ++i) {
    INFO(docs[i]);
    CHECK(mixed.texts[i] == alone[i]);
  }
  // Largest-first renders the 2-page document first; results are unchanged.
  auto options = test_options(3);
  options.order = "largest-first";
  Collect largest;
  Engine::load(options)->run(docs, largest);
  REQUIRE(largest.order.size() == 3);
  CHECK(largest.order.front() == 1);
  CHECK(largest.texts == mixed.texts);
}
