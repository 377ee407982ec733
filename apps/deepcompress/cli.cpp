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

#include "console.hpp"
#include "deepcompress/config.hpp"
#include "deepcompress/engine.hpp"
#include "deepcompress/error.hpp"
#include "deepcompress/inputs.hpp"
#include "deepcompress/job.hpp"
#include "deepcompress/log.hpp"
#include "help.hpp"

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

// ---- signals: the first SIGINT/SIGTERM asks the run to stop after the batch
// in flight; the handler then restores the defaults, so a second one kills.
std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int signal_number) {
  g_signal.store(signal_number);
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

// The job's sinks: stdout, error lines and the progress line of this console.
JobSinks console_sinks(const std::shared_ptr<ProgressLine>& progress_line) {
  JobSinks sinks;
  sinks.write_stdout = write_stdout;
  sinks.error_line = [](const std::string& message) { print_error(message); };
  sinks.clear_progress = [progress_line] {
    if (progress_line) progress_line->clear();
  };
  sinks.progress = [progress_line](const RunProgress& progress, int n_cached) {
    if (progress_line) progress_line->show(progress_text(progress, n_cached));
  };
  sinks.on_stop = [progress_line](int n_pages_in_flight) {
    if (g_signal.load() == 0) return;  // --fail-fast stops the same way and says so itself
    if (progress_line) progress_line->clear();
    print_note(fmt::format("deepcompress: interrupted: finishing {} page(s) in flight", n_pages_in_flight));
  };
  return sinks;
}

// The inputs to process (expanded, this shard's), or an exit code for a usage error.
std::optional<ExitCode> choose_inputs(const Args& args, const Options& options, const Env& env,
                                      const std::vector<std::string>& formats, Job& job, JobInputs& out) {
  auto log = logger();
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
  job.check_outputs_writable();

  const Shard shard = choose_shard(options, args, env);
  for (auto& file : expanded.files) {
    if (shard.count == 1 || shard_of(file.output_base, shard.count) == shard.index) out.files.push_back(file);
  }
  if (shard.count > 1) {
    log->info("shard {}/{} ({}): {} of {} input(s)", shard.index, shard.count, shard.why, out.files.size(),
              expanded.files.size());
    out.shard = fmt::format("{}/{}", shard.index, shard.count);
  }
  out.duplicates = std::move(expanded.skipped);
  return std::nullopt;
}

// The --stats table on stderr: as is, or a JSON line per row.
void print_stats_table(const std::string& table) {
  if (json_stderr()) {
    for (std::size_t start = 0; start < table.size();) {
      const std::size_t end = table.find('\n', start);
      print_note(std::string_view(table).substr(start, end - start));
      start = end == std::string::npos ? table.size() : end + 1;
    }
  } else {
    std::fputs(table.c_str(), stderr);
  }
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
  const Options loaded = load_options(sources);
  set_json_stderr(loaded.log_format == "json");
  if (args.print_config) {
    write_stdout(to_toml(loaded));
    return ExitCode::kOk;
  }
  if (args.inputs.empty()) {
    print_error("no input files (run 'deepcompress --help' for usage)");
    return ExitCode::kUsage;
  }
  if (loaded.summary_json && loaded.output_dir.empty()) {
    print_error("--summary-json prints the summary on stdout, so documents need -o/--output DIR");
    return ExitCode::kUsage;
  }
  Job job(loaded);  // reads the price table: a bad one is exit 2 before any work
  Options& options = job.options();

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

  JobInputs inputs;
  if (auto done = choose_inputs(args, options, env, job.formats(), job, inputs)) return *done;
  options.password = read_password(options, env);
  job.find_models(model_dir_candidates(cache_home(env), exe_dir()));
  // Resolved even with --no-cache: the engine remembers CPU measurements there.
  if (options.cache_dir.empty()) options.cache_dir = (cache_home(env) / "deepcompress" / "cache").string();

  install_signal_handlers();
  const JobReport report = job.run(inputs, console_sinks(progress_line), {.stop = &g_stop, .stop_signal = &g_signal});
  if (options.stats) {
    if (progress_line) progress_line->clear();
    print_stats_table(report.stats_table);
  }
  if (options.summary_json) write_stdout(report.summary_json);

  if (const int signal = g_signal.load(); signal != 0) {
    log->warn("interrupted: {} document(s) finished are kept; rerun to resume from the cache",
              report.n_ok + report.n_cached);
    return static_cast<ExitCode>(128 + signal);
  }
  if (report.n_output_failed > 0) return ExitCode::kOutput;
  return report.n_failed > 0 || report.fail_fast_triggered ? ExitCode::kInputFailed : ExitCode::kOk;
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
