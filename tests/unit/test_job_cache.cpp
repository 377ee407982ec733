#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "deepcompress/config.hpp"
#include "deepcompress/engine.hpp"
#include "deepcompress/error.hpp"
#include "deepcompress/options.hpp"
#include "encode/writers.hpp"
#include "job/cache.hpp"

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

const CacheKeyInputs kBase{.file_sha256 = std::string(64, 'a'),
                           .models_sha256 = std::string(64, 'b'),
                           .compute = {"cpu", "fp32"},
                           .lock = {},
                           .version = "0.1.0"};

// Another valid value for the option: the first candidate set_option accepts that
// get_option reads back different. Throws if none fits (a new kind of option).
std::string other_value(const deepcompress::OptionInfo& info, const Options& base) {
  const std::string current = deepcompress::get_option(base, info.key);
  std::vector<std::string> candidates = {
      "true",          "false",      "0",     "1",        "2",   "3",      "16",    "64",
      "256",           "300",        "0.5",   "0.45",     "2.5", "large",  "small", "fp32",
      "bf16",          "fp16",       "cpu",   "cuda",     "all", "always", "never", "latin",
      "cl100k_base",   "o200k_base", "email", "1-2",      "1/2", "1G",     "*.pdf", "txt,json",
      "largest-first", "debug",      "json",  "elsewhere"};
  for (const std::string& value : candidates) {
    Options o = base;
    try {
      deepcompress::set_option(o, info.key, value, "test");
    } catch (const deepcompress::Error&) {
      continue;
    }
    if (deepcompress::get_option(o, info.key) != current) return value;
  }
  throw std::runtime_error("no other value for " + info.key);
}

}  // namespace

TEST_CASE("cache key changes with each affects_output option of the table, and no other",
          "[pipeline][cache]") {
  const Options defaults;
  const std::string key = cache_key(kBase, defaults, "txt");
  CHECK(key.size() == 64);
  CHECK(cache_key(kBase, defaults, "txt") == key);

  int n_marked = 0;
  for (const auto& info : deepcompress::option_table()) {
    if (info.key == "engine.device" || info.key == "engine.precision") continue;  // resolved: below
    Options o = defaults;
    const std::string value = other_value(info, defaults);
    deepcompress::set_option(o, info.key, value, "test");
    INFO(info.key << " = " << value);
    CHECK((cache_key(kBase, o, "txt") != key) == info.affects_output);
    n_marked += info.affects_output ? 1 : 0;
  }
  // What changes text must stay marked (a dropped mark would serve stale text).
  for (const char* k :
       {"engine.mode", "engine.charset", "engine.angle_classifier", "input.dpi", "input.pages", "input.ocr",
        "detector.threshold", "detector.box_threshold", "detector.unclip_ratio", "output.level",
        "output.redact", "output.tokenizer", "output.chunk_tokens"}) {
    const auto& table = deepcompress::option_table();
    const auto it = std::find_if(table.begin(), table.end(), [&](const auto& info) { return info.key == k; });
    REQUIRE(it != table.end());
    CHECK(it->affects_output);
  }
  CHECK(n_marked == 13);
}

TEST_CASE("cache key holds the resolved device kind and precision, never auto", "[pipeline][cache]") {
  const Options defaults;
  const std::string key = cache_key(kBase, defaults, "txt");
  SECTION("the resolved choice changes the key") {
    CacheKeyInputs other = kBase;
    other.compute.precision = "bf16";
    CHECK(cache_key(other, defaults, "txt") != key);
    other = kBase;
    other.compute.device_kind = "cuda";
    CHECK(cache_key(other, defaults, "txt") != key);
  }
  SECTION("how it was asked for does not") {
    Options o;
    o.device = "cpu";  // what auto resolved to in kBase
    o.precision = "fp32";
    CHECK(cache_key(kBase, o, "txt") == key);
    o.device = "cuda:1";
    CacheKeyInputs cuda = kBase;
    cuda.compute.device_kind = "cuda";
    Options auto_device;
    CHECK(cache_key(cuda, o, "txt") == cache_key(cuda, auto_device, "txt"));
  }
  SECTION("resolve_compute gives what the engine would use") {
    Options o;
    o.device = "cpu";
    o.precision = "fp32";
    const auto explicit_choice = deepcompress::resolve_compute(o);
    CHECK(explicit_choice.device_kind == "cpu");
    CHECK(explicit_choice.precision == "fp32");
    o.device = "cuda:0,cuda:1";
    o.precision = "fp16";
    CHECK(deepcompress::resolve_compute(o).device_kind == "cuda");
    CHECK(deepcompress::resolve_compute(o).precision == "fp16");
    Options with_models;
    with_models.model_dir = std::string(DC_SOURCE_DIR) + "/models";
    const auto automatic = deepcompress::resolve_compute(with_models);
    CHECK((automatic.device_kind == "cpu" || automatic.device_kind == "cuda"));
    CHECK((automatic.precision == "fp32" || automatic.precision == "bf16"));
  }
}

TEST_CASE("cache key: file bytes, models, version, format and the password lock", "[pipeline][cache]") {
  const Options defaults;
  const std::string key = cache_key(kBase, defaults, "txt");
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
  // The lock: keyed on the password and the document, never the password itself.
  const std::string lock = deepcompress::password_lock("s3cret", kBase.file_sha256);
  CHECK(lock.size() == 64);
  CHECK(lock.find("s3cret") == std::string::npos);
  CHECK(lock == deepcompress::password_lock("s3cret", kBase.file_sha256));
  CHECK(lock != deepcompress::password_lock("s3cres", kBase.file_sha256));
  CHECK(lock != deepcompress::password_lock("s3cret", std::string(64, 'c')));
  other = kBase;
  other.lock = lock;
  CHECK(cache_key(other, defaults, "txt") != key);
}

TEST_CASE("document facts round-trip; a damaged record is a miss", "[pipeline][cache]") {
  using deepcompress::DocumentFacts;
  const DocumentFacts facts{.n_pages = 4, .n_pages_by_source = {1, 2, 1}, .password_bound = true};
  const std::string text = deepcompress::to_facts_record(facts);
  const auto back = deepcompress::parse_facts_record(text);
  REQUIRE(back);
  CHECK(back->n_pages == 4);
  CHECK(back->n_pages_by_source == std::array<int, 3>{1, 2, 1});
  CHECK(back->password_bound);
  CHECK_FALSE(deepcompress::parse_facts_record(text.substr(0, text.size() - 2)));
  CHECK_FALSE(deepcompress::parse_facts_record("pages 4\n"));
  CHECK_FALSE(deepcompress::parse_facts_record(text + "extra\n"));
}

TEST_CASE("cache entries and the directories made for them are private to their owner", "[pipeline][cache]") {
  TempDir dir;
  const auto mode_of = [](const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return static_cast<unsigned>(st.st_mode & 07777);
  };
  const std::string key = cache_key(kBase, Options{}, "txt");
  const mode_t old_umask = ::umask(0);  // a permissive umask must not widen the modes
  SECTION("a new cache directory") {
    deepcompress::OutputCache cache(dir.path() / "new" / "cache");
    cache.store(key, "txt", "confidential");
    ::umask(old_umask);
    CHECK(mode_of(dir.path() / "new" / "cache") == 0700u);
    CHECK(mode_of(dir.path() / "new" / "cache" / key.substr(0, 2)) == 0700u);
    CHECK(mode_of(cache.entry_path(key, "txt")) == 0600u);
  }
  SECTION("an existing directory open to others is left as it is, entries stay private") {
    fs::create_directories(dir.path() / "c");
    ::chmod((dir.path() / "c").c_str(), 0755);
    deepcompress::OutputCache cache(dir.path() / "c");
    cache.store(key, "txt", "confidential");
    ::umask(old_umask);
    CHECK(mode_of(dir.path() / "c") == 0755u);
    CHECK(mode_of(dir.path() / "c" / key.substr(0, 2)) == 0700u);
    CHECK(mode_of(cache.entry_path(key, "txt")) == 0600u);
  }
  SECTION("a group-shared directory (g+rwx, setgid) shares entries with the group only") {
    fs::create_directories(dir.path() / "shared");
    ::chmod((dir.path() / "shared").c_str(), 02777);
    deepcompress::OutputCache cache(dir.path() / "shared");
    cache.store(key, "txt", "team");
    ::umask(old_umask);
    CHECK(mode_of(dir.path() / "shared" / key.substr(0, 2)) == 02770u);
    CHECK(mode_of(cache.entry_path(key, "txt")) == 0660u);
  }
  ::umask(old_umask);
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

TEST_CASE("cached JSON gets the input path back", "[pipeline][cache]") {
  deepcompress::DocumentResult doc;
  doc.pages.resize(2);
  doc.pages[0].page_number = 1;
  doc.pages[0].text = "one \"quoted\" {\"page\": 9}";
  doc.pages[1].page_number = 2;
  const std::string anonymous = deepcompress::to_json(doc);
  doc.path = "dir/we\"ird\\name.pdf";
  CHECK(deepcompress::json_with_path(anonymous, doc.path) == deepcompress::to_json(doc));
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
