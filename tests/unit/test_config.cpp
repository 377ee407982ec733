#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "deepcompress/config.hpp"
#include "deepcompress/error.hpp"

#include "support.hpp"

using deepcompress::ConfigSources;
using deepcompress::Error;
using deepcompress::ErrorKind;
using deepcompress::load_options;
using deepcompress::Options;
using deepcompress::PageSelection;
using deepcompress::parse_page_ranges;
using deepcompress::select_pages;

using deepcompress::test::read_file;

namespace {

namespace fs = std::filesystem;

// A TOML file in a fresh temp directory, removed at scope exit.
class TempToml {
 public:
  explicit TempToml(const std::string& text) {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("dc_test_config_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(dir_);
    path_ = dir_ / "config.toml";
    std::ofstream(path_) << text;
  }
  ~TempToml() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path dir_;
  fs::path path_;
};

std::string config_error(const ConfigSources& sources) {
  try {
    load_options(sources);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kConfig);
    return e.what();
  }
  FAIL("no error thrown");
  return {};
}

using Flags = std::vector<std::pair<std::string, std::string>>;
using Env = std::map<std::string, std::string>;

ConfigSources toml_source(const std::string& path) {
  ConfigSources s;
  s.toml_path = path;
  return s;
}
ConfigSources flag_source(Flags flags) {
  ConfigSources s;
  s.flags = std::move(flags);
  return s;
}
ConfigSources env_source(Env env) {
  ConfigSources s;
  s.env = std::move(env);
  return s;
}

}  // namespace

TEST_CASE("defaults come from Options{}", "[config]") {
  Options options = load_options({});
  CHECK(options.batch_size == Options{}.batch_size);
  CHECK(options.device == Options{}.device);
  CHECK(options.det_threshold == Options{}.det_threshold);
}

TEST_CASE("each layer wins over the one below it", "[config]") {
  TempToml toml("[engine]\nbatch_size = 3\ndevice = \"cpu\"\nthreads = 2\n");
  ConfigSources sources;
  sources.toml_path = toml.path();

  SECTION("TOML over default, untouched keys keep defaults") {
    Options options = load_options(sources);
    CHECK(options.batch_size == 3);
    CHECK(options.device == "cpu");
    CHECK(options.dpi == Options{}.dpi);
  }
  SECTION("env over TOML") {
    sources.env = {{"DEEPCOMPRESS_ENGINE_BATCH_SIZE", "5"}, {"DEEPCOMPRESS_INPUT_DPI", "300"}};
    Options options = load_options(sources);
    CHECK(options.batch_size == 5);
    CHECK(options.dpi == 300);
    CHECK(options.device == "cpu");
  }
  SECTION("flag over env") {
    sources.env = {{"DEEPCOMPRESS_ENGINE_BATCH_SIZE", "5"}};
    sources.flags = {{"engine.batch_size", "7"}, {"engine.angle_classifier", "false"}};
    Options options = load_options(sources);
    CHECK(options.batch_size == 7);
    CHECK_FALSE(options.angle_classifier);
    CHECK(options.threads == 2);
  }
  SECTION("OCR_BATCH_SIZE beats TOML, DEEPCOMPRESS_ENGINE_BATCH_SIZE beats it") {
    sources.env = {{"OCR_BATCH_SIZE", "4"}};
    CHECK(load_options(sources).batch_size == 4);
    sources.env["DEEPCOMPRESS_ENGINE_BATCH_SIZE"] = "6";
    CHECK(load_options(sources).batch_size == 6);
  }
}

TEST_CASE("unknown TOML key names file and line", "[config]") {
  TempToml toml("[engine]\ndevice = \"cpu\"\nbach_size = 3\n");
  std::string msg = config_error(toml_source(toml.path()));
  CHECK_THAT(msg, Catch::Contains("unknown key 'engine.bach_size'"));
  CHECK_THAT(msg, Catch::Contains(toml.path() + ":3"));
  CHECK_THAT(msg, Catch::Contains("engine.batch_size"));  // the suggestion
}

TEST_CASE("bad TOML values and syntax name file and line", "[config]") {
  SECTION("syntax error") {
    TempToml toml("[engine]\n\nbatch_size = = 3\n");
    std::string msg = config_error(toml_source(toml.path()));
    CHECK_THAT(msg, Catch::Contains(toml.path() + ":3"));
  }
  SECTION("string for an int") {
    TempToml toml("[engine]\nbatch_size = \"8\"\n");
    std::string msg = config_error(toml_source(toml.path()));
    CHECK_THAT(msg, Catch::Contains("engine.batch_size = \"8\" (from " + toml.path() + ":2)"));
  }
  SECTION("missing file") {
    std::string msg = config_error(toml_source("/nonexistent/deepcompress.toml"));
    CHECK_THAT(msg, Catch::Contains("/nonexistent/deepcompress.toml"));
  }
}

TEST_CASE("out-of-range values name key, origin and range", "[config]") {
  CHECK(config_error(flag_source({{"engine.batch_size", "0"}})) ==
        "engine.batch_size = 0 (from flag --batch-size): must be an integer in 1..64 or auto");
  CHECK_THAT(config_error(env_source({{"DEEPCOMPRESS_ENGINE_BATCH_SIZE", "65"}})),
             Catch::Contains("(from env DEEPCOMPRESS_ENGINE_BATCH_SIZE): must be an integer in 1..64"));
  CHECK_THAT(config_error(env_source({{"OCR_BATCH_SIZE", "abc"}})),
             Catch::Contains("from env OCR_BATCH_SIZE"));
  CHECK_THAT(config_error(flag_source({{"detector.threshold", "1"}})), Catch::Contains("(0, 1)"));
  CHECK_THAT(config_error(flag_source({{"detector.unclip_ratio", "4.5"}})), Catch::Contains("1..4"));
  CHECK_THAT(config_error(flag_source({{"engine.device", "gpu"}})),
             Catch::Contains("engine.device = \"gpu\""));
  CHECK_THAT(config_error(flag_source({{"input.pages", "3-1"}})), Catch::Contains("reversed"));
  CHECK_THAT(config_error(flag_source({{"log.level", "loud"}})), Catch::Contains("warn"));
}

TEST_CASE("valid special values are accepted", "[config]") {
  Options options = load_options(flag_source({{"engine.device", "cuda:1"},
                                              {"engine.mode", "large"},
                                              {"engine.precision", "bf16"},
                                              {"input.pages", " 1-3 , 7 "},
                                              {"output.format", "json"},
                                              {"detector.threshold", "0.25"},
                                              {"log.quiet", "true"}}));
  CHECK(options.device == "cuda:1");
  CHECK(options.pages == " 1-3 , 7 ");
  CHECK(options.det_threshold == 0.25);
  CHECK(options.quiet);
  CHECK_THROWS_AS(load_options(flag_source({{"engine.device", "cuda:"}})), Error);
}

TEST_CASE("unknown DEEPCOMPRESS_ env vars are errors, app-level ones are not", "[config]") {
  CHECK_THAT(config_error(env_source({{"DEEPCOMPRESS_ENGINE_BACH_SIZE", "3"}})),
             Catch::Contains("DEEPCOMPRESS_ENGINE_BACH_SIZE"));
  CHECK_NOTHROW(load_options(env_source({{"DEEPCOMPRESS_CONFIG", "x.toml"},
                                          {"DEEPCOMPRESS_PDF_PASSWORD", "secret"},
                                          {"DEEPCOMPRESS_SHARD_COUNT", "2"},
                                          {"DEEPCOMPRESS_BINARY", "/bin/true"},
                                          {"HOME", "/root"}})));
}

TEST_CASE("a typo of an option's env name outside its section is an error with a hint", "[config]") {
  // DEEPCOMPRESS_MODEL_DIR is not under the "models" section's prefix, so only
  // the edit distance to DEEPCOMPRESS_MODELS_DIR catches it.
  std::string message = config_error(env_source({{"DEEPCOMPRESS_MODEL_DIR", "/opt/models"}}));
  CHECK_THAT(message, Catch::Contains("DEEPCOMPRESS_MODEL_DIR") && Catch::Contains("did you mean DEEPCOMPRESS_MODELS_DIR"));
}

TEST_CASE("parse_page_ranges", "[config]") {
  CHECK(parse_page_ranges("1-3,7", 10) == std::vector<int>{1, 2, 3, 7});
  CHECK(parse_page_ranges(" 7 , 2-3, 3 ", 10) == std::vector<int>{2, 3, 7});
  CHECK(parse_page_ranges("", 3) == std::vector<int>{1, 2, 3});
  CHECK(parse_page_ranges("5", 5) == std::vector<int>{5});
  for (const char* bad : {"0", "3-1", "a", "-", "0-", "-0", "1,,2", "1-2-3", "1.5", "--3", "2--"}) {
    INFO(bad);
    try {
      parse_page_ranges(bad, 10);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::kConfig);
      CHECK_THAT(e.what(), Catch::Contains(std::string("'") + bad + "'"));
    }
  }
}

TEST_CASE("select_pages: open ranges", "[config]") {
  CHECK(select_pages("8-", 10).pages == std::vector<int>{8, 9, 10});
  CHECK(select_pages("-3", 10).pages == std::vector<int>{1, 2, 3});
  CHECK(select_pages(" - 2 , 9 - ", 10).pages == std::vector<int>{1, 2, 9, 10});
  CHECK(select_pages("1-", 1).pages == std::vector<int>{1});
  // An open end reaches exactly the last page: no warning.
  CHECK(select_pages("2-", 4).clamped.empty());
  CHECK(select_pages("-4", 4).clamped.empty());
}

TEST_CASE("select_pages: past the last page is clamped with a warning", "[config]") {
  // As pdftoppm -l: a single image or a short document reads what it has.
  PageSelection one = select_pages("1-3", 1);
  CHECK(one.pages == std::vector<int>{1});
  CHECK_THAT(one.clamped,
             Catch::Contains("'1-3'") && Catch::Contains("1 page") && Catch::Contains("reading 1 page"));
  PageSelection some = select_pages("2,4-9", 5);
  CHECK(some.pages == std::vector<int>{2, 4, 5});
  CHECK_THAT(some.clamped, Catch::Contains("5 pages") && Catch::Contains("reading 3 pages"));
  CHECK(select_pages("-9", 2).pages == std::vector<int>{1, 2});
  CHECK_FALSE(select_pages("-9", 2).clamped.empty());
  CHECK(select_pages("1-3", 3).clamped.empty());
  CHECK(select_pages("", 0).pages.empty());  // all pages of a document without any
}

TEST_CASE("select_pages: a selection with no page of the document is an error", "[config]") {
  for (auto [spec, n_pages] :
       std::vector<std::pair<const char*, int>>{{"4-6", 3}, {"5", 4}, {"9-", 2}, {"1", 0}}) {
    INFO(spec << " of " << n_pages);
    try {
      select_pages(spec, n_pages);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::kConfig);
      CHECK_THAT(e.what(),
                 Catch::Contains(std::string("'") + spec + "'") && Catch::Contains("selects no page"));
    }
  }
}

TEST_CASE("configs/default.toml equals to_toml(Options{})", "[config]") {
  std::string expected = deepcompress::to_toml(Options{});
  CHECK(read_file(fs::path(DC_SOURCE_DIR) / "configs" / "default.toml") == expected);
}

TEST_CASE("to_toml round-trips and never contains the password", "[config]") {
  Options options;
  options.password = "hunter2-secret";
  options.pages = "1-2";
  options.model_dir = "/tmp/a \"quoted\" dir";
  options.unclip_ratio = 2.0;
  std::string text = deepcompress::to_toml(options);
  CHECK(text.find("hunter2-secret") == std::string::npos);
  TempToml toml(text);
  Options back = load_options(toml_source(toml.path()));
  CHECK(back.pages == "1-2");
  CHECK(back.model_dir == options.model_dir);
  CHECK(back.unclip_ratio == 2.0);
  CHECK(back.password.empty());
}

TEST_CASE("option table: names unique, derived consistently", "[config]") {
  std::set<std::string> keys;
  std::set<std::string> envs = {"OCR_BATCH_SIZE", "DEEPCOMPRESS_CONFIG", "DEEPCOMPRESS_PDF_PASSWORD"};
  std::set<std::string> flags = {"--config", "--print-config", "--version", "--help", "-h"};
  for (const auto& info : deepcompress::option_table()) {
    INFO(info.key);
    CHECK(keys.insert(info.key).second);
    CHECK(envs.insert(info.env).second);
    if (!info.flag.empty()) CHECK(flags.insert(info.flag).second);
    if (!info.short_flag.empty()) CHECK(flags.insert(info.short_flag).second);
    CHECK_FALSE(info.help.empty());
    // get_option's text is accepted by set_option.
    Options options;
    CHECK_NOTHROW(
        deepcompress::set_option(options, info.key, deepcompress::get_option(Options{}, info.key), "test"));
  }
  CHECK(keys.size() == 44);
}

TEST_CASE("switch flags", "[config]") {
  for (const auto& info : deepcompress::option_table()) {
    if (info.key == "engine.angle_classifier") CHECK(deepcompress::switch_value(info) == "false");
    if (info.key == "log.quiet") CHECK(deepcompress::switch_value(info) == "true");
  }
}

TEST_CASE("batch size accepts auto (stored as 0), but not the number 0", "[config]") {
  CHECK(load_options(flag_source({{"engine.batch_size", "auto"}})).batch_size == 0);
  CHECK(load_options(env_source({{"OCR_BATCH_SIZE", "auto"}})).batch_size == 0);
  Options options;
  options.batch_size = 0;
  CHECK(deepcompress::get_option(options, "engine.batch_size") == "auto");
  TempToml toml(deepcompress::to_toml(options));
  CHECK(read_file(toml.path()).find("batch_size = \"auto\"") != std::string::npos);
  CHECK(load_options(toml_source(toml.path())).batch_size == 0);
  CHECK_THAT(config_error(flag_source({{"engine.batch_size", "0"}})), Catch::Contains("1..64"));
  CHECK_THAT(config_error(flag_source({{"engine.batch_size", "Auto"}})), Catch::Contains("1..64 or auto"));
  bool documented = false;
  for (const auto& info : deepcompress::option_table()) {
    if (info.key == "engine.batch_size") documented = info.help.find("1..64 | auto") != std::string::npos;
  }
  CHECK(documented);
}

TEST_CASE("engine options declared for the batch engine are validated", "[config]") {
  Options options = load_options(flag_source({{"engine.max_memory", "1.5G"},
                                              {"engine.workers", "4"},
                                              {"engine.order", "largest-first"},
                                              {"engine.gpu_memory_fraction", "1"}}));
  CHECK(options.max_memory == "1.5G");
  CHECK(options.workers == 4);
  CHECK(options.order == "largest-first");
  CHECK(options.gpu_memory_fraction == 1.0);
  for (const char* ok : {"2G", "512M", "4096K", "1T", "1000000", "2g"}) {
    INFO(ok);
    CHECK_NOTHROW(load_options(flag_source({{"engine.max_memory", ok}})));
  }
  for (const char* bad : {"2GB", "G", "-1G", "0", "1.5.G", "lots", "2 G", "2Gi"}) {
    INFO(bad);
    CHECK_THAT(config_error(flag_source({{"engine.max_memory", bad}})), Catch::Contains("engine.max_memory"));
  }
  CHECK_THAT(config_error(flag_source({{"engine.workers", "0"}})), Catch::Contains("1..16"));
  CHECK_THAT(config_error(flag_source({{"engine.workers", "17"}})), Catch::Contains("1..16"));
  CHECK_THAT(config_error(flag_source({{"engine.order", "random"}})), Catch::Contains("largest-first"));
  CHECK_THAT(config_error(flag_source({{"engine.gpu_memory_fraction", "0"}})), Catch::Contains("(0, 1]"));
  CHECK_THAT(config_error(flag_source({{"engine.gpu_memory_fraction", "1.01"}})), Catch::Contains("(0, 1]"));
}

TEST_CASE("run, cache and output options", "[config]") {
  Options options = load_options(flag_source({{"output.format", "txt,json"},
                                              {"run.shard", "3/4"},
                                              {"cache.enabled", "false"},
                                              {"run.glob", "*.pdf"}}));
  CHECK(options.format == "txt,json");
  CHECK(options.shard == "3/4");
  CHECK_FALSE(options.cache_enabled);
  CHECK(options.glob == "*.pdf");
  CHECK(load_options(flag_source({{"output.format", "json,txt"}})).format == "json,txt");
  for (const char* bad : {"pdf", "txt,", "txt,txt", ",json", "txt json"}) {
    INFO(bad);
    CHECK_THAT(config_error(flag_source({{"output.format", bad}})), Catch::Contains("output.format"));
  }
  for (const char* bad : {"4/4", "1", "a/2", "-1/2", "1/0", "1/2/3"}) {
    INFO(bad);
    CHECK_THAT(config_error(flag_source({{"run.shard", bad}})), Catch::Contains("K/N"));
  }
  for (const auto& info : deepcompress::option_table()) {
    if (info.key == "cache.enabled") CHECK(info.flag == "--no-cache");
    if (info.key == "cache.enabled") CHECK(deepcompress::switch_value(info) == "false");
    if (info.key == "run.force") CHECK(deepcompress::switch_value(info) == "true");
  }
}

TEST_CASE("device accepts a list of distinct GPUs, one worker each", "[config]") {
  CHECK(load_options(flag_source({{"engine.device", "cuda:0,cuda:1"}})).device == "cuda:0,cuda:1");
  for (const char* bad : {"cuda:0,cuda:0", "cpu,cuda:0", "cuda:0,", "cuda:", "cuda:x", "gpu"}) {
    INFO(bad);
    CHECK_THROWS_WITH(load_options(flag_source({{"engine.device", bad}})), Catch::Contains("engine.device"));
  }
}

TEST_CASE("redact takes all or a list of known PII types", "[config]") {
  CHECK(load_options(flag_source({{"output.redact", "email,card"}})).redact == "email,card");
  CHECK(load_options(flag_source({{"output.redact", "all"}})).redact == "all");
  for (const char* bad : {"zip", "email,email", "email,", "ALL"}) {
    INFO(bad);
    CHECK_THROWS_WITH(load_options(flag_source({{"output.redact", bad}})), Catch::Contains("output.redact"));
  }
}

TEST_CASE("--help order: every option once, the common ones first", "[config]") {
  const auto& order = deepcompress::options_for_help();
  REQUIRE(order.size() == deepcompress::option_table().size());
  std::set<std::string> seen;
  for (const auto* info : order) CHECK(seen.insert(info->key).second);
  REQUIRE(order.size() > 4);
  CHECK(order[0]->key == "output.dir");
  CHECK(order[1]->key == "output.format");
  CHECK(order[2]->key == "input.pages");
  // The common group comes first and is contiguous; every option has a group.
  bool common = true;
  for (const auto* info : order) {
    INFO(info->key);
    CHECK_FALSE(info->group.empty());
    if (info->group != "Common options") common = false;
    CHECK((info->group == "Common options") == common);
  }
}
