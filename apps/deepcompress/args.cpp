#include "args.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <deque>

#include "deepcompress/config.hpp"
#include "help.hpp"

namespace deepcompress::cli {
namespace {

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

std::string type_label(const std::string& value_kind) {
  if (value_kind == "int") return "INT";
  if (value_kind == "float") return "FLOAT";
  return "TEXT";
}

}  // namespace

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

}  // namespace deepcompress::cli
