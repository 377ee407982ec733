#include "cli.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "common/log.hpp"
#include "common/sha256.hpp"
#include "config/prices.hpp"
#include "console.hpp"
#include "deepcompress/config.hpp"
#include "deepcompress/engine.hpp"
#include "deepcompress/error.hpp"
#include "encode/chunks.hpp"
#include "encode/dtoon.hpp"
#include "encode/stats.hpp"
#include "encode/structure.hpp"
#include "encode/tokenizer.hpp"
#include "encode/writers.hpp"
#include "help.hpp"
#include "pipeline/cache.hpp"
#include "pipeline/inputs.hpp"
#include "report.hpp"

namespace deepcompress::cli {
namespace {

namespace fs = std::filesystem;
using Env = std::map<std::string, std::string>;

constexpr const char* kConfigEnv = "DEEPCOMPRESS_CONFIG";
constexpr const char* kPasswordEnv = "DEEPCOMPRESS_PDF_PASSWORD";
constexpr const char* kLocalConfig = "deepcompress.toml";

constexpr const char* kIntro =
    R"(deepcompress: OCR PDF and image files into plain text, Markdown, JSON, compact
dtoon or retrieval chunks (jsonl) with local TorchScript models.

Usage: deepcompress [OPTIONS] INPUT...

Examples:
  deepcompress scan.pdf --format md > scan.md
      a scanned PDF to Markdown on stdout
  deepcompress scans/ -o out --format txt,json --manifest out/run.jsonl
      every PDF and image under scans/ to out/scans/<path>.txt and .json,
      with a JSON-lines report of the run
  deepcompress secret.pdf --password-file pw.txt -o out
      an encrypted PDF (password: the first line of pw.txt)
)";

constexpr const char* kShardCountEnv = "DEEPCOMPRESS_SHARD_COUNT";

constexpr const char* kFooter =
    R"(Inputs: files, directories (searched recursively for PDF/PNG/JPEG/TIFF files,
filtered by --glob), @FILE (one path per line) and - (paths on stdin). A
directory or list with no such file is an error (exit 2).

More examples:
  deepcompress @list.txt -o out --shard 0/4   the first of 4 shards of the list
  deepcompress scans/ -o out --stats --prices configs/prices.toml
                                              token table and cost estimate
  deepcompress --print-config > deepcompress.toml

Outputs mirror the inputs under -o DIR (a/b/x.pdf -> DIR/a/b/x.txt); unchanged
inputs are served from the cache (--cache-dir; --no-cache, --force). Without
--shard, Slurm array (SLURM_ARRAY_TASK_ID/COUNT) and Kubernetes Indexed Job
(JOB_COMPLETION_INDEX with --shard-count or $DEEPCOMPRESS_SHARD_COUNT)
environments pick the shard. See docs/cli.md.

Configuration: built-in defaults < TOML file (--config, else
$DEEPCOMPRESS_CONFIG, else ./deepcompress.toml) < environment
(DEEPCOMPRESS_<SECTION>_<KEY>, e.g. DEEPCOMPRESS_ENGINE_BATCH_SIZE) < flags.
--print-config shows the result; the log says which file was read.
PDF password: --password-file, else $DEEPCOMPRESS_PDF_PASSWORD.
Models: --model-dir, else $DEEPCOMPRESS_MODELS_DIR, else the first of ./models,
<binary dir>/models, <binary dir>/../share/deepcompress/models,
$XDG_CACHE_HOME/deepcompress/models, /usr/share/deepcompress/models.

Exit codes:
  0  success
  1  internal error
  2  usage or configuration error
  3  model or device error
  4  one or more input documents failed (the others were still processed)
  5  output could not be written
  130, 143  interrupted by SIGINT, SIGTERM (finished documents are kept))";

struct Args {
  std::vector<std::string> inputs;
  std::string config_path;
  bool print_config = false;
  bool version = false;
  int shard_count = 0;  // --shard-count: the shard count of a Kubernetes Indexed Job; 0 = unset
  ProgressMode progress = ProgressMode::kAuto;             // --progress / --no-progress
  std::vector<std::pair<std::string, std::string>> flags;  // (TOML key, text)
};

ExitCode exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kConfig:
      return ExitCode::kUsage;
    case ErrorKind::kModel:
      return ExitCode::kModel;
    case ErrorKind::kInput:
      return ExitCode::kInputFailed;
    case ErrorKind::kOutput:
      return ExitCode::kOutput;
    case ErrorKind::kInternal:
      return ExitCode::kInternal;
  }
  return ExitCode::kInternal;
}

std::string type_label(const std::string& value_kind) {
  if (value_kind == "int") return "INT";
  if (value_kind == "float") return "FLOAT";
  return "TEXT";
}

// Parses argv; every table option arrives as a string so that load_options
// validates flags, env and TOML values with the same messages. Returns an
// exit code when parsing ends the run (help, usage error).
void write_stdout(const std::string& content);

std::optional<ExitCode> parse_args(int argc, char** argv, Args& args) {
  CLI::App app{"", "deepcompress"};
  app.set_help_flag();  // added again below, after the common options
  app.add_option("INPUT", args.inputs, "PDF or image files, directories, @FILE lists, - (paths on stdin)")
      ->group("Common options");

  // Table options in --help order (the common ones first); CLI-only ones join their groups.
  const Options defaults;
  std::deque<std::string> values;  // stable addresses for CLI11 to fill
  std::vector<std::pair<const OptionInfo*, CLI::Option*>> table_options;
  for (const OptionInfo* info_ptr : options_for_help()) {
    const OptionInfo& info = *info_ptr;
    if (info.flag.empty()) continue;
    std::string names = info.short_flag.empty() ? info.flag : info.short_flag + "," + info.flag;
    CLI::Option* option = nullptr;
    if (info.value_kind == "bool") {
      // A "--no-x" switch turns the option off; say so in front of its help.
      // const: CLI11 would take a mutable string as the flag's result variable, not its help.
      const std::string help = switch_value(info) == "false" ? "turn off: " + info.help : info.help;
      option = app.add_flag(names, help);
    } else {
      option = app.add_option(names, values.emplace_back(), info.help)
                   ->type_name(type_label(info.value_kind))
                   ->default_str(get_option(defaults, info.key))
                   ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
    option->group(info.group);
    table_options.emplace_back(&info, option);
  }
  app.add_flag("--version", args.version, "print the version and exit")->group("Common options");
  app.set_help_flag("-h,--help", "print this help and exit")->group("Common options");
  app.add_option("--shard-count", args.shard_count,
                 "shard count with JOB_COMPLETION_INDEX (Kubernetes Indexed Job), 1..1048576; else "
                 "$DEEPCOMPRESS_SHARD_COUNT")
      ->type_name("INT")
      ->check(CLI::Range(1, 1 << 20))
      ->group("Run");
  const std::string progress_on_help =
      "draw the progress line on stderr even when stdout is the same terminal, stderr is not a "
      "terminal, or logs are quiet";
  const std::string progress_off_help =
      "never draw the progress line (default: drawn when stderr is a terminal and stdout is not)";
  auto* progress_on = app.add_flag("--progress", progress_on_help)->group("Logging");
  auto* progress_off = app.add_flag("--no-progress", progress_off_help)->group("Logging");
  progress_on->excludes(progress_off);
  app.add_option("--config", args.config_path,
                 "TOML configuration file (else $DEEPCOMPRESS_CONFIG, else ./deepcompress.toml)")
      ->type_name("FILE")
      ->group("Configuration");
  app.add_flag("--print-config", args.print_config, "print the merged configuration as TOML and exit")
      ->group("Configuration");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    write_stdout(format_help(app, kIntro, kFooter));
    return ExitCode::kOk;
  } catch (const CLI::ExtrasError& e) {
    const auto extras = app.remaining();
    print_error(fmt::format("{}{} (run 'deepcompress --help' for usage)", e.what(),
                            extras.empty() ? std::string() : did_you_mean(app, extras.front())));
    return ExitCode::kUsage;
  } catch (const CLI::ParseError& e) {
    print_error(fmt::format("{} (run 'deepcompress --help' for usage)", e.what()));
    return ExitCode::kUsage;
  }
  if (progress_on->count() > 0) args.progress = ProgressMode::kOn;
  if (progress_off->count() > 0) args.progress = ProgressMode::kOff;

  for (auto [info, option] : table_options) {
    if (option->count() == 0) continue;
    if (info->value_kind == "bool") {
      args.flags.emplace_back(info->key, switch_value(*info));
    } else {
      args.flags.emplace_back(info->key, option->as<std::string>());
    }
  }
  return std::nullopt;
}

// The TOML file to read and why it was chosen ("--config", ...); path empty: none.
struct ConfigFile {
  std::string path;
  std::string why;
};

ConfigFile config_file(const Args& args, const Env& env) {
  if (!args.config_path.empty()) return {args.config_path, "--config"};
  if (auto it = env.find(kConfigEnv); it != env.end() && !it->second.empty()) {
    return {it->second, "$" + std::string(kConfigEnv)};
  }
  std::error_code ec;
  if (fs::is_regular_file(kLocalConfig, ec)) return {kLocalConfig, "found in the working directory"};
  return {};
}

// --log-format json asked for on the command line or in the env, so that
// errors before the configuration is loaded are JSON lines too.
bool json_asked(int argc, char** argv, const Env& env) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--log-format=json" ||
        (arg == "--log-format" && i + 1 < argc && std::string_view(argv[i + 1]) == "json")) {
      return true;
    }
  }
  auto it = env.find("DEEPCOMPRESS_LOG_FORMAT");
  return it != env.end() && it->second == "json";
}

// The directory of the running binary (for models installed next to it), or empty.
fs::path exe_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

std::string read_password(const Options& options, const Env& env) {
  if (options.password_file.empty()) {
    auto it = env.find(kPasswordEnv);
    return it == env.end() ? std::string() : it->second;
  }
  std::ifstream in(options.password_file);
  std::string password;
  if (!in || (!std::getline(in, password) && in.bad())) {
    throw Error(ErrorKind::kConfig, "cannot read the password file", options.password_file);
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

fs::path cache_home(const Env& env) {
  if (auto it = env.find("XDG_CACHE_HOME"); it != env.end() && !it->second.empty()) {
    return it->second;
  }
  auto home = env.find("HOME");
  return home == env.end() ? fs::path(".cache") : fs::path(home->second) / ".cache";
}

void write_stdout_now(const std::string& content) {
  if (std::fwrite(content.data(), 1, content.size(), stdout) != content.size() || std::fflush(stdout) != 0) {
    throw Error(ErrorKind::kOutput, "cannot write to stdout");
  }
}

// Clears the progress line first: on a terminal shared with stderr, text
// written behind it would be glued to it.
void write_stdout(const std::string& content) {
  auto progress = active_progress();
  if (!progress) return write_stdout_now(content);
  progress->before_stdout([&] { write_stdout_now(content); }, content.empty() || content.back() == '\n');
}

std::vector<std::string> split_formats(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = list.find(',', start);
    out.push_back(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

// A JSON string literal, escaped as the library's JSON writer does (invalid
// UTF-8 in file names becomes U+FFFD, so every line parses).
std::string json_string(const std::string& text) {
  std::string literal;
  append_json_string(literal, text);
  return literal;
}

// ---- signals: the first SIGINT/SIGTERM asks the run to stop after the batch
// in flight; the handler then restores the defaults, so a second one kills.
std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_stop_signal(int signal_number) {
  g_signal = signal_number;
  g_stop.store(true);
  struct sigaction restore {};
  restore.sa_handler = SIG_DFL;
  sigemptyset(&restore.sa_mask);
  sigaction(SIGINT, &restore, nullptr);
  sigaction(SIGTERM, &restore, nullptr);
}

// Also ignores SIGXFSZ: a file size limit (ulimit -f) then fails the write
// with EFBIG, reported like a full disk, instead of killing the process.
void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGXFSZ, &ignore, nullptr);
}

// ---- sharding

struct Shard {
  int index = 0;
  int count = 1;  // 1: no sharding
  std::string why;
};

std::optional<int> env_int(const Env& env, const char* name) {
  auto it = env.find(name);
  if (it == env.end() || it->second.empty()) return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  if (ec != std::errc() || end != it->second.data() + it->second.size()) {
    throw Error(ErrorKind::kConfig, fmt::format("env {} = \"{}\": must be an integer", name, it->second));
  }
  return value;
}

// --shard (flag, env or TOML) wins; else a Slurm array or a Kubernetes Indexed Job.
Shard choose_shard(const Options& options, const Args& args, const Env& env) {
  Shard shard;
  if (!options.shard.empty()) {
    std::tie(shard.index, shard.count) = parse_shard(options.shard);
    shard.why = "run.shard / --shard";
    return shard;
  }
  if (auto task = env_int(env, "SLURM_ARRAY_TASK_ID")) {
    const auto count = env_int(env, "SLURM_ARRAY_TASK_COUNT");
    const auto min = env_int(env, "SLURM_ARRAY_TASK_MIN");
    const auto max = env_int(env, "SLURM_ARRAY_TASK_MAX");
    if (!count && !(min && max)) {
      throw Error(ErrorKind::kConfig,
                  "SLURM_ARRAY_TASK_ID is set without SLURM_ARRAY_TASK_COUNT or SLURM_ARRAY_TASK_MIN/MAX: "
                  "pass --shard K/N");
    }
    shard.index = *task - min.value_or(0);
    shard.count = count ? *count : *max - *min + 1;
    if (shard.count < 1 || shard.index < 0 || shard.index >= shard.count) {
      throw Error(ErrorKind::kConfig,
                  fmt::format("cannot derive a shard from Slurm array task {} (stepped or sparse "
                              "--array?): pass --shard K/N",
                              *task));
    }
    shard.why = fmt::format("Slurm array task {} of {}", *task, shard.count);
    return shard;
  }
  if (auto index = env_int(env, "JOB_COMPLETION_INDEX")) {
    int count = args.shard_count;
    if (count == 0) count = env_int(env, kShardCountEnv).value_or(0);
    if (count < 1) {
      throw Error(ErrorKind::kConfig, fmt::format("JOB_COMPLETION_INDEX is set but the shard count is unknown: "
                                                  "pass --shard-count N or set {} (the Job's completions)",
                                                  kShardCountEnv));
    }
    if (*index < 0 || *index >= count) {
      throw Error(ErrorKind::kConfig,
                  fmt::format("JOB_COMPLETION_INDEX = {} is outside 0..{}", *index, count - 1));
    }
    shard.index = *index;
    shard.count = count;
    shard.why = fmt::format("Kubernetes Indexed Job, JOB_COMPLETION_INDEX = {}", *index);
    return shard;
  }
  return shard;
}

// ---- the run's bookkeeping: one record per input

enum class Status { kPending, kOk, kCached, kFailed, kSkipped };

const char* status_name(Status status) {
  switch (status) {
    case Status::kOk: return "ok";
    case Status::kCached: return "cached";
    case Status::kFailed: return "failed";
    case Status::kSkipped: return "skipped";
    case Status::kPending: break;
  }
  return "skipped";
}

struct Record {
  std::string input;
  fs::path output_base;
  std::string sha256;
  CacheKeyInputs key_inputs;      // what this document's cache keys hash, without the lock
  std::string facts_key;          // cache key of its facts entry; empty = cache not used
  std::vector<std::string> keys;  // cache key per format
  std::vector<std::string> outputs;
  Status status = Status::kPending;
  int n_pages = 0;
  // Pages by text source (ocr, text_layer, none): read by this run, or kept
  // in the cache with its outputs; unknown for failed and skipped documents.
  std::optional<std::array<int, 3>> n_pages_by_source;
  StageTimes times;
  std::string error;
  std::string stats_key;               // cache key of the stats record; empty = not cached
  std::optional<DocumentStats> stats;  // token figures, if measured (ok) or wanted (cached)
  std::vector<Redaction> redactions;   // ok and cached documents
};

// Formats whose output holds token figures (json stats, jsonl chunks) or whose run logs
// them (dtoon): they need the tokenizer, and fail with exit 3 without it.
bool needs_tokenizer(const std::vector<std::string>& formats) {
  return std::any_of(formats.begin(), formats.end(),
                     [](const std::string& f) { return f == "json" || f == "dtoon" || f == "jsonl"; });
}

// Whether the run measures token figures (and so needs the tokenizer): a format that holds or
// logs them, or a report that shows them (--stats, --manifest, --summary-json, --prices; and
// --redact-report, whose cached documents' redactions are kept with their figures).
bool wants_stats(const Options& options, const std::vector<std::string>& formats) {
  return needs_tokenizer(formats) || options.stats || !options.manifest.empty() || options.summary_json ||
         !options.prices.empty() || !options.redact_report.empty();
}

// The cache "format" of a document's stats record: the figures count the dtoon text, whose
// header names the document.
std::string stats_cache_format(const std::string& input) {
  return fmt::format("stats\nname={}", document_name(input));
}

// What the cache key hashes as "format": the format plus the options and the document
// name that format's bytes depend on (dtoon and jsonl name their document).
std::string cache_format(const std::string& format, const Options& options, const std::string& input) {
  // json's stats count the dtoon text, whose header names the document.
  if (format == "json")
    return fmt::format("json\nname={}\ntokenizer={}", document_name(input), options.tokenizer);
  if (format == "dtoon") return fmt::format("dtoon\nname={}", document_name(input));
  if (format == "jsonl") {
    return fmt::format("jsonl\nname={}\ntokenizer={}\nchunk_tokens={}", document_name(input), options.tokenizer,
                       options.chunk_tokens);
  }
  return format;
}

std::string manifest_line(const Record& r) {
  std::string outputs;
  for (const auto& path : r.outputs) outputs += (outputs.empty() ? "" : ", ") + json_string(path);
  const std::string sources =
      r.n_pages_by_source ? fmt::format("{{\"ocr\": {}, \"text_layer\": {}, \"none\": {}}}", (*r.n_pages_by_source)[0],
                                        (*r.n_pages_by_source)[1], (*r.n_pages_by_source)[2])
                          : "null";
  const StageTimes& t = r.times;
  return fmt::format(
      "{{\"input\": {}, \"sha256\": {}, \"status\": \"{}\", \"pages\": {}, \"sources\": {}, \"outputs\": [{}], "
      "\"times_ms\": {{\"render\": {:.1f}, \"preprocess\": {:.1f}, \"detect\": {:.1f}, \"classify\": {:.1f}, "
      "\"recognize\": {:.1f}, \"postprocess\": {:.1f}, \"total\": {:.1f}}}, \"stats\": {}, \"error\": {}}}\n",
      json_string(r.input), r.sha256.empty() ? "null" : json_string(r.sha256), status_name(r.status),
      r.n_pages, sources, outputs, t.t_render_ms, t.t_preprocess_ms, t.t_detect_ms, t.t_classify_ms, t.t_recognize_ms,
      t.t_postprocess_ms, t.total_ms(), r.stats ? stats_json(*r.stats) : "null",
      r.error.empty() ? "null" : json_string(r.error));
}

class Run {
 public:
  Run(const Options& options, std::vector<std::string> formats)
      : options_(options), formats_(std::move(formats)), wants_stats_(wants_stats(options_, formats_)) {}

  std::vector<Record> records;
  std::optional<OutputCache> cache;
  // Loaded when documents are OCRed: required if the run measures token figures (wants_stats),
  // else if available (the figures then go to the cache only).
  std::optional<Tokenizer> tokenizer;
  bool fail_fast_triggered = false;

  // Writes a document's outputs (bytes unchanged: left alone) or stdout.
  void emit(Record& r, const std::vector<std::string>& contents) {
    for (std::size_t f = 0; f < formats_.size(); ++f) {
      if (options_.output_dir.empty()) {
        write_stdout(contents[f]);
        r.outputs.push_back("-");
        continue;
      }
      fs::path path = fs::path(options_.output_dir) / r.output_base;
      path += "." + formats_[f];
      if (write_file_if_changed(path, contents[f])) {
        ++n_written_;
      } else {
        ++n_unchanged_;
      }
      r.outputs.push_back(path.string());
    }
  }

  // Sets the keys of r's outputs and stats record; those of a password-protected
  // document hold the run's password lock, so only a run that can open it is served.
  void set_keys(Record& r, bool password_bound) const {
    CacheKeyInputs inputs = r.key_inputs;
    if (password_bound) inputs.lock = password_lock(options_.password, r.sha256);
    r.keys.clear();
    for (const auto& format : formats_) {
      r.keys.push_back(cache_key(inputs, options_, cache_format(format, options_, r.input)));
    }
    r.stats_key = cache_key(inputs, options_, stats_cache_format(r.input));
  }

  // Serves r from the cache if its facts and every format are there, and its stats record
  // when the run measures token figures. A password-bound document without the run's
  // password is not served: it is read (and fails) as without the cache.
  bool try_cached(Record& r) {
    const auto facts_text = cache->load(r.facts_key, "facts");
    const auto facts = facts_text ? parse_facts_record(*facts_text) : std::nullopt;
    if (!facts || (facts->password_bound && options_.password.empty())) return false;
    set_keys(r, facts->password_bound);
    std::optional<DocumentStats> stats;
    std::vector<Redaction> redactions;
    if (wants_stats_) {
      auto record = cache->load(r.stats_key, "stats");
      if (!record || !parse_stats_record(*record, stats.emplace(), redactions)) return false;
    }
    std::vector<std::string> contents;
    for (std::size_t f = 0; f < formats_.size(); ++f) {
      auto text = cache->load(r.keys[f], formats_[f]);
      if (!text) return false;
      contents.push_back(formats_[f] == "json" ? json_with_path(*text, r.input) : std::move(*text));
    }
    r.n_pages = facts->n_pages;
    r.n_pages_by_source = facts->n_pages_by_source;
    if (!emit_or_fail(r, contents)) return true;
    r.stats = std::move(stats);
    r.redactions = std::move(redactions);
    r.status = Status::kCached;
    return true;
  }

  void complete(Record& r, DocumentResult result) {
    r.times = result.times;
    if (result.status == DocumentStatus::kFailed) {
      fail(r, result.error);
      return;
    }
    r.n_pages = static_cast<int>(result.pages.size());
    r.n_pages_by_source.emplace();
    for (const auto& page : result.pages) ++(*r.n_pages_by_source)[static_cast<std::size_t>(page.source)];
    if (cache && !r.facts_key.empty()) set_keys(r, result.password_protected);
    // One pass feeds every format: structure and token figures are computed once.
    std::optional<DocumentStructure> structure;
    std::optional<DocumentStats> stats;
    if (tokenizer ||
        std::any_of(formats_.begin(), formats_.end(), [](const std::string& f) { return f != "txt"; })) {
      structure = analyze_structure(result, {.level = options_.level, .repeats = &repeats_});
    }
    if (tokenizer) {
      stats = compute_stats(result, *structure, *tokenizer);
      logger()->info(
          "tokens ({}) {}: faithful {}, compact {} (ratio {:.3f}), page images {}, word recall "
          "{:.1f}% of {}",
          stats->tokenizer, structure->name, stats->n_tokens_faithful, stats->n_tokens_compact,
          stats->ratio(), stats->n_tokens_image, 100.0 * stats->words.recall(), stats->words.n_words);
      if (cache && !r.stats_key.empty()) {
        try {
          cache->store(r.stats_key, "stats", to_stats_record(*stats, result.redactions));
        } catch (const Error& e) {
          logger()->warn("cache not updated: {}", e.what());
        }
      }
    }
    const DocumentStats* stats_ptr = stats ? &*stats : nullptr;
    std::vector<std::string> contents;
    for (std::size_t f = 0; f < formats_.size(); ++f) {
      const std::string& format = formats_[f];
      if (format == "json") {
        contents.push_back(to_json(result, stats_ptr));
      } else if (format == "md") {
        contents.push_back(to_markdown(*structure));
      } else if (format == "dtoon") {
        contents.push_back(to_dtoon(*structure));
      } else if (format == "jsonl") {
        contents.push_back(to_jsonl(make_chunks(*structure, *tokenizer, options_.chunk_tokens)));
      } else {
        contents.push_back(to_txt(result));
      }
      if (!cache || r.facts_key.empty()) continue;
      try {
        if (formats_[f] == "json") {
          DocumentResult anonymous = result;
          anonymous.path.clear();
          cache->store(r.keys[f], formats_[f], to_json(anonymous, stats_ptr));
        } else {
          cache->store(r.keys[f], formats_[f], contents.back());
        }
      } catch (const Error& e) {
        logger()->warn("cache not updated: {}", e.what());
      }
    }
    // Last: a lookup that finds the facts finds the outputs (unless a store failed).
    if (cache && !r.facts_key.empty()) {
      try {
        cache->store(r.facts_key, "facts",
                     to_facts_record({r.n_pages, *r.n_pages_by_source, result.password_protected}));
      } catch (const Error& e) {
        logger()->warn("cache not updated: {}", e.what());
      }
    }
    if (!emit_or_fail(r, contents)) return;
    r.stats = std::move(stats);
    r.redactions = std::move(result.redactions);
    r.status = Status::kOk;
  }

  // emit(), but an output that cannot be written (full disk, file size limit,
  // stdout closed) fails this document alone, named in one line, and the run
  // goes on: returns false then. Outputs written before the failing one stay
  // (each is complete) and are listed in the manifest.
  bool emit_or_fail(Record& r, const std::vector<std::string>& contents) {
    try {
      emit(r, contents);
      return true;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kOutput) throw;
      ++n_output_failed_;
      fail(r, e.file().empty() ? fmt::format("{}: {}", r.input, e.what()) : e.what());
      return false;
    }
  }

  void fail(Record& r, const std::string& message) {
    r.status = Status::kFailed;
    r.error = message;
    progress_clear();
    print_error(message);
    if (options_.fail_fast && !g_stop.load()) {
      fail_fast_triggered = true;
      g_stop.store(true);
      logger()->warn("--fail-fast: stopping after the first failed document");
    }
  }

  void progress_clear() {
    if (progress_line) progress_line->clear();
  }

  std::shared_ptr<ProgressLine> progress_line;
  int n_written() const { return n_written_; }
  int n_unchanged() const { return n_unchanged_; }
  // Documents (and reports) whose output could not be written: the run exits 5.
  int n_output_failed() const { return n_output_failed_; }
  void note_output_failed() { ++n_output_failed_; }

 private:
  const Options& options_;
  std::vector<std::string> formats_;
  bool wants_stats_;
  RepeatFilter repeats_;  // --level 2: paragraphs already kept by earlier documents of the run
  int n_written_ = 0;
  int n_unchanged_ = 0;
  int n_output_failed_ = 0;
};

std::string progress_text(const RunProgress& p, int n_cached) {
  const double seconds = p.t_elapsed_ms / 1000.0;
  const double rate = seconds > 0 ? p.n_pages_done / seconds : 0.0;
  std::string eta = "--:--";
  if (rate > 0) {
    const int left_s = static_cast<int>((p.n_pages_total - p.n_pages_done) / rate + 0.5);
    eta = fmt::format("{}:{:02d}", left_s / 60, left_s % 60);
  }
  return fmt::format("documents {}/{}  pages {}/{}  {:.2f} pages/s  ETA {}", p.n_documents_done + n_cached,
                     p.n_documents_total + n_cached, p.n_pages_done, p.n_pages_total, rate, eta);
}

ExitCode run_checked(int argc, char** argv, const Env& env) {
  set_json_stderr(json_asked(argc, argv, env));
  Args args;
  if (auto done = parse_args(argc, argv, args)) return *done;
  if (args.version) {
    fmt::print("deepcompress {}\n", DEEPCOMPRESS_VERSION);
    return ExitCode::kOk;
  }

  ConfigSources sources;
  const ConfigFile config = config_file(args, env);
  sources.toml_path = config.path;
  sources.env = env;
  sources.flags = args.flags;
  Options options = load_options(sources);
  set_json_stderr(options.log_format == "json");
  if (args.print_config) {
    write_stdout(to_toml(options));
    return ExitCode::kOk;
  }
  if (args.inputs.empty()) {
    print_error("no input files (run 'deepcompress --help' for usage)");
    return ExitCode::kUsage;
  }
  const std::vector<std::string> formats = split_formats(options.format);
  if (options.summary_json && options.output_dir.empty()) {
    print_error("--summary-json prints the summary on stdout, so documents need -o/--output DIR");
    return ExitCode::kUsage;
  }
  const bool measure = wants_stats(options, formats);
  // Before any work: a bad price table is a configuration error (exit 2) naming the file.
  std::optional<PriceTable> prices;
  if (!options.prices.empty()) prices = load_price_table(options.prices);

  if (args.progress == ProgressMode::kOn && options.log_format == "json") {
    print_error(
        "--progress draws a terminal line, which --log-format json (one JSON object per line) rules out");
    return ExitCode::kUsage;
  }
  auto progress_line = wants_progress(args.progress, options) ? std::make_shared<ProgressLine>() : nullptr;
  setup_logging(options, progress_line);
  auto log = logger();
  if (config.path.empty()) {
    log->debug("no configuration file (--config, ${}, ./{})", kConfigEnv, kLocalConfig);
  } else {
    log->info("configuration read from {} ({})", config.path, config.why);
  }

  std::vector<std::string> stdin_lines;
  if (std::find(args.inputs.begin(), args.inputs.end(), "-") != args.inputs.end()) {
    for (std::string line; std::getline(std::cin, line);) stdin_lines.push_back(std::move(line));
  }
  ExpandedInputs expanded = expand_inputs(args.inputs, options.glob, stdin_lines);
  for (const auto& warning : expanded.warnings) log->warn("{}", warning);
  if (!expanded.empty.empty()) {  // a mistyped or empty directory must not pass as success
    for (const auto& line : expanded.empty) print_error(line);
    return ExitCode::kUsage;
  }

  if (options.output_dir.empty()) {
    if (expanded.files.size() > 1) {
      print_error("several inputs need -o/--output DIR (stdout takes a single document)");
      return ExitCode::kUsage;
    }
    if (formats.size() > 1) {
      print_error("several formats need -o/--output DIR (stdout takes a single format)");
      return ExitCode::kUsage;
    }
  }

  // Before any page is read: every output location must be writable (exit 5 naming it).
  if (!options.output_dir.empty()) check_writable_directory(options.output_dir);
  if (!options.manifest.empty()) check_writable_file(options.manifest);
  if (!options.redact_report.empty()) check_writable_file(options.redact_report);

  const Shard shard = choose_shard(options, args, env);
  std::vector<InputFile> inputs;
  for (auto& file : expanded.files) {
    if (shard.count == 1 || shard_of(file.output_base, shard.count) == shard.index) inputs.push_back(file);
  }
  if (shard.count > 1) {
    log->info("shard {}/{} ({}): {} of {} input(s)", shard.index, shard.count, shard.why, inputs.size(),
              expanded.files.size());
  }

  options.password = read_password(options, env);
  const std::vector<fs::path> model_dirs = model_dir_candidates(cache_home(env), exe_dir());
  options.model_dir = resolve_model_dir(options, model_dirs).string();
  // --ocr never reads text layers only: its outputs depend on no model, and none is needed.
  const bool text_only = options.ocr == "never";
  const auto require_models = [&] {
    if (options.model_dir.empty()) throw Error(ErrorKind::kModel, models_not_found_message(model_dirs));
  };
  // Resolved even with --no-cache: the engine remembers CPU measurements there.
  if (options.cache_dir.empty()) options.cache_dir = (cache_home(env) / "deepcompress" / "cache").string();

  install_signal_handlers();
  Run run(options, formats);
  run.progress_line = progress_line;
  if (options.cache_enabled && options.level == 2) {
    // Level 2 drops paragraphs already seen in earlier documents of the run, so
    // a document's compact output depends on the run: never cache or reuse it.
    log->info("--level 2 output depends on the run's other documents: the cache is not used");
  } else if (options.cache_enabled) {
    run.cache.emplace(options.cache_dir);
  }
  run.records.reserve(inputs.size() + expanded.skipped.size());
  // Temporary files of a run killed mid-write (kill -9) are removed now.
  for (const auto& dir : {options.output_dir, run.cache ? options.cache_dir : std::string()}) {
    if (dir.empty()) continue;
    for (const auto& path : remove_stale_temporaries(dir)) log->info("removed {}, left by a killed run", path.string());
  }

  // Hash inputs and serve what the cache has, before the (slow) model load:
  // a typo fails fast and an all-cached rerun never loads the models.
  std::optional<std::string> models_sha256;
  std::optional<ComputeChoice> compute;  // what auto device and precision resolve to: in the keys
  std::vector<std::size_t> to_ocr;
  auto t_start = std::chrono::steady_clock::now();
  for (const auto& file : inputs) {
    Record& r = run.records.emplace_back();
    r.input = file.path.string();
    r.output_base = file.output_base;
    if (g_stop.load()) continue;
    if (!file.error.empty()) {
      run.fail(r, file.error);
      continue;
    }
    try {
      r.sha256 = sha256_file_hex(file.path);
    } catch (const Error& e) {
      run.fail(r, e.what());
      continue;
    }
    if (run.cache) {
      if (!models_sha256 && text_only) models_sha256 = "none: --ocr never";
      if (!models_sha256) {
        require_models();
        const fs::path manifest = fs::path(options.model_dir) / "manifest.json";
        try {
          models_sha256 = sha256_file_hex(manifest);
        } catch (const Error&) {
          throw Error(ErrorKind::kModel, "models missing or corrupt: run scripts/setup (cannot read the manifest)",
                      manifest.string());
        }
      }
      if (!compute) {
        // Text layers only: no model runs, so neither device nor precision matters.
        compute = text_only ? ComputeChoice{"none", "none"} : resolve_compute(options);
        log->debug("cache keys: device {}, precision {}", compute->device_kind, compute->precision);
      }
      r.key_inputs = {
          .file_sha256 = r.sha256, .models_sha256 = *models_sha256, .compute = *compute, .lock = {}};
      r.facts_key = cache_key(r.key_inputs, options, "facts");
      if (!options.force && run.try_cached(r)) continue;
    }
    to_ocr.push_back(run.records.size() - 1);
  }
  const int n_cached = static_cast<int>(
      std::count_if(run.records.begin(), run.records.end(), [](const Record& r) { return r.status == Status::kCached; }));

  RunSummary summary;
  if (to_ocr.empty()) {
    if (n_cached > 0) log->info("all {} document(s) served from the cache: no OCR needed, models not loaded", n_cached);
  } else if (!g_stop.load()) {
    if (n_cached > 0) log->info("{} document(s) served from the cache, {} to OCR", n_cached, to_ocr.size());
    const fs::path tokenizer_dir = fs::path(options.model_dir) / "tokenizer";
    if (!text_only || measure) require_models();
    if (measure) {
      // Before the (slow) model load: a missing rank file fails fast, exit 3.
      run.tokenizer = Tokenizer::load(tokenizer_dir, options.tokenizer);
    } else {
      // Not needed now, but the figures are cached with the outputs when possible, so that
      // a rerun asking for them (--manifest, --stats) is still served without OCR.
      try {
        run.tokenizer = Tokenizer::load(tokenizer_dir, options.tokenizer);
      } catch (const Error& e) {
        log->debug("token figures not recorded: {}", e.what());
      }
    }
    tune_process_allocator();
    auto t_load = std::chrono::steady_clock::now();
    auto engine = Engine::load(options);
    if (!text_only) {
      log->info("models from {} on {} loaded in {:.2f} s", options.model_dir, engine->device_name(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count());
    }

    // Documents arrive as they complete; pages of different documents share batches.
    struct Sink : DocumentSink {
      Run& run;
      const std::vector<std::size_t>& to_ocr;
      int n_cached;
      Sink(Run& r, const std::vector<std::size_t>& t, int c) : run(r), to_ocr(t), n_cached(c) {}
      void on_document(std::size_t index, DocumentResult result) override {
        run.complete(run.records[to_ocr[index]], std::move(result));
      }
      void on_progress(const RunProgress& progress) override {
        if (run.progress_line) run.progress_line->show(progress_text(progress, n_cached));
      }
      void on_stop(int n_pages_in_flight) override {
        if (g_signal == 0) return;  // --fail-fast stops the same way and says so itself
        run.progress_clear();
        print_note(fmt::format("deepcompress: interrupted: finishing {} page(s) in flight", n_pages_in_flight));
      }
    } sink(run, to_ocr, n_cached);
    std::vector<fs::path> paths;
    for (std::size_t i : to_ocr) paths.emplace_back(run.records[i].input);
    if (!g_stop.load()) summary = engine->run(paths, sink, &g_stop);
    run.progress_clear();
  }

  // Inputs never finished (stop requested) and duplicates are "skipped".
  const std::string stop_reason = g_signal != 0 ? fmt::format("interrupted by signal {}", static_cast<int>(g_signal))
                                                : "not started: stopped after a failed document (--fail-fast)";
  for (auto& r : run.records) {
    if (r.status == Status::kPending) {
      r.status = Status::kSkipped;
      r.error = stop_reason;
    }
  }
  for (const auto& duplicate : expanded.skipped) {
    Record& r = run.records.emplace_back();
    r.input = duplicate;
    r.status = Status::kSkipped;
    r.error = "given more than once; processed once";
  }

  std::map<Status, int> counts;
  int n_pages_cached = 0;  // pages of the documents served from the cache
  for (const auto& r : run.records) {
    ++counts[r.status];
    if (r.status == Status::kCached) n_pages_cached += r.n_pages;
  }
  // Each report is written if it can be; one that cannot is named and the run exits 5.
  const auto write_report = [&](const fs::path& path, const std::string& text) {
    try {
      std::error_code ec;
      if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
      write_file_atomic(path, text);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kOutput) throw;
      run.progress_clear();
      print_error(e.what());
      run.note_output_failed();
    }
  };
  if (!options.manifest.empty()) {
    std::string text;
    for (const auto& r : run.records) text += manifest_line(r);
    write_report(options.manifest, text);
  }
  if (!options.redact_report.empty()) {
    std::string text;
    for (const auto& r : run.records) text += redaction_report_lines(r.input, r.redactions);
    write_report(options.redact_report, text);
  }

  // Token figures of the run: totals over the measured (ok and cached) documents.
  DocumentStats total;
  total.tokenizer = options.tokenizer;
  std::vector<CostEstimate> costs;
  if (prices) costs = estimate_cost(*prices, DocumentStats{});  // zeros, one per model
  std::vector<StatsRow> rows;
  for (const auto& r : run.records) {
    if (!measure || !r.stats) continue;
    rows.push_back({r.input, &*r.stats});
    total += *r.stats;
    if (!prices) continue;
    const std::vector<CostEstimate> document_costs = estimate_cost(*prices, *r.stats);
    for (std::size_t m = 0; m < costs.size(); ++m) costs[m] += document_costs[m];
  }
  const PriceTable* prices_ptr = prices ? &*prices : nullptr;

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  const StageTimes& t = summary.times;
  const int n_pages_read = summary.n_pages + summary.n_pages_text_layer;
  log->info("done: {} document(s) ok, {} cached, {} failed, {} skipped; {} page(s) OCRed and {} read from text "
            "layers in {:.2f} s ({:.2f} pages/s); {} file(s) written, {} unchanged",
            counts[Status::kOk], counts[Status::kCached], counts[Status::kFailed], counts[Status::kSkipped],
            summary.n_pages, summary.n_pages_text_layer, seconds, seconds > 0 ? n_pages_read / seconds : 0.0,
            run.n_written(), run.n_unchanged());
  if (summary.n_pages_timed_out > 0) {
    log->warn("{} page(s) took longer than --timeout-per-page {} s: their documents failed", summary.n_pages_timed_out,
              options.timeout_per_page_s);
  }
  if (summary.n_pages > 0) {
    log->info(
        "stage totals (s): render {:.2f}, preprocess {:.2f}, detect {:.2f}, classify {:.2f}, "
        "recognize {:.2f}, post-process {:.2f}",
        t.t_render_ms / 1e3, t.t_preprocess_ms / 1e3, t.t_detect_ms / 1e3, t.t_classify_ms / 1e3,
        t.t_recognize_ms / 1e3, t.t_postprocess_ms / 1e3);
  }
  if (!rows.empty()) {
    for (const std::string& line : summary_lines(total, static_cast<int>(rows.size()), prices_ptr, costs)) {
      log->info("{}", line);
    }
  }
  if (options.stats) {
    run.progress_clear();
    const std::string table = stats_table(rows, total, prices_ptr, costs);
    if (json_stderr()) {
      for (std::size_t start = 0; start < table.size();) {  // a JSON line per table row
        const std::size_t end = table.find('\n', start);
        print_note(std::string_view(table).substr(start, end - start));
        start = end == std::string::npos ? table.size() : end + 1;
      }
    } else {
      std::fputs(table.c_str(), stderr);
    }
  }
  if (options.summary_json) {
    write_stdout(fmt::format(
        "{{\"documents\": {}, \"ok\": {}, \"cached\": {}, \"failed\": {}, \"skipped\": {}, \"pages\": {}, "
        "\"pages_text_layer\": {}, \"pages_cached\": {}, \"pages_timed_out\": {}, \"batches\": {}, \"seconds\": {:.3f}, \"pages_per_second\": {:.3f}, \"files_written\": {}, "
        "\"files_unchanged\": {}, \"shard\": {}, \"interrupted\": {}, \"stage_ms\": {{\"render\": {:.1f}, "
        "\"preprocess\": {:.1f}, \"detect\": {:.1f}, \"classify\": {:.1f}, \"recognize\": {:.1f}, "
        "\"postprocess\": {:.1f}}}, \"stats\": {}, \"cost\": {}}}\n",
        run.records.size(), counts[Status::kOk], counts[Status::kCached], counts[Status::kFailed],
        counts[Status::kSkipped], summary.n_pages, summary.n_pages_text_layer, n_pages_cached, summary.n_pages_timed_out,
        summary.n_batches, seconds, seconds > 0 ? n_pages_read / seconds : 0.0, run.n_written(), run.n_unchanged(),
        shard.count > 1 ? fmt::format("\"{}/{}\"", shard.index, shard.count) : "null",
        g_signal != 0 ? "true" : "false", t.t_render_ms, t.t_preprocess_ms, t.t_detect_ms, t.t_classify_ms,
        t.t_recognize_ms, t.t_postprocess_ms, stats_json(total), prices ? cost_json(costs) : "null"));
  }

  if (g_signal != 0) {
    log->warn("interrupted: {} document(s) finished are kept; rerun to resume from the cache",
              counts[Status::kOk] + counts[Status::kCached]);
    return static_cast<ExitCode>(128 + g_signal);
  }
  if (run.n_output_failed() > 0) return ExitCode::kOutput;
  return counts[Status::kFailed] > 0 || run.fail_fast_triggered ? ExitCode::kInputFailed : ExitCode::kOk;
}

}  // namespace

ExitCode run(int argc, char** argv, const Env& env) {
  try {
    return run_checked(argc, argv, env);
  } catch (const Error& e) {
    print_error(e.what());
    return exit_code_for(e.kind());
  } catch (const std::exception& e) {
    print_error(fmt::format("internal error: {}", e.what()));
    return ExitCode::kInternal;
  } catch (...) {
    print_error("internal error: unknown exception");
    return ExitCode::kInternal;
  }
}

}  // namespace deepcompress::cli
