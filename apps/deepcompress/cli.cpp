#include "cli.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "args.hpp"
#include "console.hpp"
#include "deepcompress/config.hpp"
#include "deepcompress/engine.hpp"
#include "deepcompress/error.hpp"
#include "deepcompress/inputs.hpp"
#include "deepcompress/job.hpp"
#include "deepcompress/log.hpp"
#include "environment.hpp"

namespace deepcompress::cli {
namespace {

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
