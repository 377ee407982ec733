#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "deepcompress/options.hpp"
#include "encode/writers.hpp"
#include "pipeline/cache.hpp"

using deepcompress::cache_key;
using deepcompress::CacheKeyInputs;
using deepcompress::Options;

namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("dc_test_cache_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(dir_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  const fs::path& path() const { return dir_; }

 private:
  fs::path dir_;
};

const CacheKeyInputs kBase{std::string(64, 'a'), std::string(64, 'b'), "0.1.0"};

}  // namespace

TEST_CASE("cache key changes with what changes the output, and only that", "[pipeline][cache]") {
  const Options defaults;
  const std::string key = cache_key(kBase, defaults, "txt");
  CHECK(key.size() == 64);
  CHECK(cache_key(kBase, defaults, "txt") == key);

  SECTION("file bytes, models, version, format") {
    CacheKeyInputs other = kBase;
    other.file_sha256 = std::string(64, 'c');
    CHECK(cache_key(other, defaults, "txt") != key);
    other = kBase;
    other.models_sha256 = std::string(64, 'c');
    CHECK(cache_key(other, defaults, "txt") != key);
    other = kBase;
    other.version = "0.2.0";
    CHECK(cache_key(other, defaults, "txt") != key);
    CHECK(cache_key(kBase, defaults, "json") != key);
  }
  SECTION("output-affecting options") {
    const auto changed = [&](auto&& edit) {
      Options o;
      edit(o);
      return cache_key(kBase, o, "txt") != key;
    };
    CHECK(changed([](Options& o) { o.mode = "large"; }));
    CHECK(changed([](Options& o) { o.dpi = 300; }));
    CHECK(changed([](Options& o) { o.pages = "1"; }));
    CHECK(changed([](Options& o) { o.det_threshold = 0.4; }));
    CHECK(changed([](Options& o) { o.box_threshold = 0.45; }));
    CHECK(changed([](Options& o) { o.unclip_ratio = 2.0; }));
    CHECK(changed([](Options& o) { o.angle_classifier = false; }));
    CHECK(changed([](Options& o) { o.precision = "fp16"; }));
    CHECK(changed([](Options& o) { o.device = "cpu"; }));
    CHECK(changed([](Options& o) { o.ocr = "always"; }));
    CHECK(changed([](Options& o) { o.level = 2; }));
    CHECK(changed([](Options& o) { o.redact = "email"; }));
    CHECK(changed([](Options& o) { o.tokenizer = "cl100k_base"; }));  // json stats, jsonl chunks
    CHECK(changed([](Options& o) { o.chunk_tokens = 256; }));
  }
  SECTION("batch sizes, threads, workers, logging, paths do not") {
    Options o;
    o.batch_size = 1;
    o.rec_batch_size = 64;
    o.threads = 3;
    o.workers = 4;
    o.order = "largest-first";
    o.max_memory = "1G";
    o.log_level = "debug";
    o.quiet = true;
    o.output_dir = "elsewhere";
    o.format = "txt,json";  // the format that matters is the entry's own
    o.cache_dir = "/tmp/c";
    o.force = true;
    o.manifest = "m.jsonl";
    o.shard = "1/2";
    o.max_pages = 5;
    o.max_input_size = "1G";
    o.timeout_per_page_s = 5;
    o.stats = true;
    o.redact_report = "r.jsonl";
    o.prices = "p.toml";
    o.model_dir = "/other/models";  // the models count through their manifest hash
    CHECK(cache_key(kBase, o, "txt") == key);
    o.batch_size = 0;  // auto
    CHECK(cache_key(kBase, o, "txt") == key);
  }
}

TEST_CASE("cache entries round-trip under <2 hex>/<key>.<format>", "[pipeline][cache]") {
  TempDir dir;
  deepcompress::OutputCache cache(dir.path());
  const std::string key = cache_key(kBase, Options{}, "txt");
  CHECK_FALSE(cache.load(key, "txt"));
  cache.store(key, "txt", "hello\f");
  CHECK(cache.entry_path(key, "txt") == dir.path() / key.substr(0, 2) / (key + ".txt"));
  CHECK(cache.load(key, "txt") == std::string("hello\f"));
  CHECK_FALSE(cache.load(key, "json"));
  // Nothing but the entry is left in its directory (no temporary files).
  int n_files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path() / key.substr(0, 2))) ++n_files;
  CHECK(n_files == 1);
}

TEST_CASE("cached JSON gets the input path back; pages are counted", "[pipeline][cache]") {
  deepcompress::DocumentResult doc;
  doc.pages.resize(2);
  doc.pages[0].page_number = 1;
  doc.pages[0].text = "one \"quoted\" {\"page\": 9}";
  doc.pages[1].page_number = 2;
  const std::string anonymous = deepcompress::to_json(doc);
  doc.path = "dir/we\"ird\\name.pdf";
  CHECK(deepcompress::json_with_path(anonymous, doc.path) == deepcompress::to_json(doc));
  CHECK(deepcompress::count_pages("json", anonymous) == 2);
  CHECK(deepcompress::count_pages("txt", deepcompress::to_txt(doc)) == 2);
  CHECK(deepcompress::json_with_path("not json", "x") == "not json");
}

TEST_CASE("write_file_if_changed leaves identical files (and mtimes) alone", "[pipeline][cache]") {
  TempDir dir;
  const fs::path path = dir.path() / "a" / "b" / "x.txt";
  CHECK(deepcompress::write_file_if_changed(path, "text"));
  const auto mtime = fs::last_write_time(path);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK_FALSE(deepcompress::write_file_if_changed(path, "text"));
  CHECK(fs::last_write_time(path) == mtime);
  CHECK(deepcompress::write_file_if_changed(path, "texT"));
  CHECK(deepcompress::read_file_bytes(path) == std::string("texT"));
}
