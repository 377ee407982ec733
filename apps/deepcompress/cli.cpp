#include "cli.hpp"

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "common/log.hpp"
#include "deepcompress/config.hpp"
#include "deepcompress/engine.hpp"
#include "deepcompress/error.hpp"
#include "encode/writers.hpp"

namespace deepcompress::cli {
namespace {

namespace fs = std::filesystem;
using Env = std::map<std::string, std::string>;

constexpr const char* kConfigEnv = "DEEPCOMPRESS_CONFIG";
constexpr const char* kPasswordEnv = "DEEPCOMPRESS_PDF_PASSWORD";
constexpr const char* kLocalConfig = "deepcompress.toml";

constexpr const char* kDescription =
    "deepcompress: OCR PDF and image files into plain text or JSON with local TorchScript "
    "models.";

constexpr const char* kFooter = R"(Examples:
  deepcompress doc.pdf --batch-size 8         text of doc.pdf to stdout
  deepcompress *.pdf -o out --format json     out/<name>.json for each input
  deepcompress --print-config > deepcompress.toml

Configuration: built-in defaults < TOML file (--config, else $DEEPCOMPRESS_CONFIG,
else ./deepcompress.toml) < environment (DEEPCOMPRESS_<SECTION>_<KEY>, e.g.
DEEPCOMPRESS_ENGINE_BATCH_SIZE) < flags. --print-config shows the result.
PDF password: --password-file, else $DEEPCOMPRESS_PDF_PASSWORD.

Exit codes:
  0  success
  1  internal error
  2  usage or configuration error
  3  model or device error
  4  one or more input documents failed (the others were still processed)
  5  output could not be written)";

struct Args {
  std::vector<std::string> inputs;
  std::string config_path;
  bool print_config = false;
  bool version = false;
  std::vector<std::pair<std::string, std::string>> flags;  // (TOML key, text)
};

void print_error(std::string_view message) { fmt::print(stderr, "deepcompress: error: {}\n", message); }

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
std::optional<ExitCode> parse_args(int argc, char** argv, Args& args) {
  CLI::App app{kDescription, "deepcompress"};
  app.footer(kFooter);
  app.get_formatter()->column_width(36);
  app.add_option("INPUT", args.inputs, "PDF or image files to OCR")->type_name("FILE");
  app.add_option("--config", args.config_path, "TOML configuration file")->type_name("FILE");
  app.add_flag("--print-config", args.print_config, "print the merged configuration as TOML and exit");
  app.add_flag("--version", args.version, "print the version and exit");

  const Options defaults;
  std::deque<std::string> values;  // stable addresses for CLI11 to fill
  std::vector<std::pair<const OptionInfo*, CLI::Option*>> table_options;
  for (const OptionInfo& info : option_table()) {
    if (info.flag.empty()) continue;
    std::string names = info.short_flag.empty() ? info.flag : info.short_flag + "," + info.flag;
    CLI::Option* option = nullptr;
    if (info.value_kind == "bool") {
      // A "--no-x" switch turns the option off; say so in front of its help.
      std::string help = switch_value(info) == "false" ? "turn off: " + info.help : info.help;
      option = app.add_flag(names, help);
    } else {
      option = app.add_option(names, values.emplace_back(), info.help)
                   ->type_name(type_label(info.value_kind))
                   ->default_str(get_option(defaults, info.key))
                   ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
    table_options.emplace_back(&info, option);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    fmt::print("{}", app.help());
    return ExitCode::kOk;
  } catch (const CLI::ParseError& e) {
    print_error(e.what());
    fmt::print(stderr, "Run 'deepcompress --help' for usage.\n");
    return ExitCode::kUsage;
  }

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

// spdlog flag %* : the message escaped for a JSON string.
class JsonMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    for (char c : msg.payload) {
      switch (c) {
        case '"':
          dest.append(std::string_view("\\\""));
          break;
        case '\\':
          dest.append(std::string_view("\\\\"));
          break;
        case '\n':
          dest.append(std::string_view("\\n"));
          break;
        case '\r':
          dest.append(std::string_view("\\r"));
          break;
        case '\t':
          dest.append(std::string_view("\\t"));
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            fmt::format_to(std::back_inserter(dest), "\\u{:04x}", static_cast<unsigned>(c));
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

// Registers the library's named logger on stderr; stdout stays for results.
void setup_logging(const Options& options) {
  spdlog::sink_ptr sink;
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (options.log_format == "json") {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","msg":"%*"})");
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e [%^%l%$] %v");
  }
  auto log = std::make_shared<spdlog::logger>(kLoggerName, sink);
  log->set_formatter(std::move(formatter));
  auto level = spdlog::level::from_str(options.log_level);
  if (options.quiet && level < spdlog::level::warn) level = spdlog::level::warn;
  log->set_level(level);
  spdlog::drop(kLoggerName);
  spdlog::register_logger(log);
}

std::string config_path(const Args& args, const Env& env) {
  if (!args.config_path.empty()) return args.config_path;
  if (auto it = env.find(kConfigEnv); it != env.end() && !it->second.empty()) return it->second;
  std::error_code ec;
  return fs::is_regular_file(kLocalConfig, ec) ? kLocalConfig : "";
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

// The reason the inputs cannot be written where asked, or empty.
std::string output_conflict(const std::vector<std::string>& inputs, const Options& options) {
  if (options.output_dir.empty()) {
    return inputs.size() > 1 ? "several inputs need -o/--output DIR (stdout takes a single document)" : "";
  }
  std::set<std::string> stems;
  for (const auto& input : inputs) {
    if (!stems.insert(fs::path(input).stem().string()).second) {
      return fmt::format("two inputs would both be written to {}/{}.{}", options.output_dir,
                         fs::path(input).stem().string(), options.format);
    }
  }
  return "";
}

void write_stdout(const std::string& content) {
  if (std::fwrite(content.data(), 1, content.size(), stdout) != content.size() || std::fflush(stdout) != 0) {
    throw Error(ErrorKind::kOutput, "cannot write to stdout");
  }
}

void write_result(const DocumentResult& result, const Options& options) {
  std::string content = options.format == "json" ? to_json(result) : to_txt(result);
  if (options.output_dir.empty()) {
    write_stdout(content);
    return;
  }
  fs::path dir(options.output_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(ErrorKind::kOutput, "cannot create directory: " + ec.message(), dir);
  write_file_atomic(dir / (fs::path(result.path).stem().string() + "." + options.format), content);
}

void log_summary(int n_ok, int n_failed, int n_pages, double seconds, const StageTimes& t) {
  auto log = logger();
  log->info("done: {} document(s) ok, {} failed, {} page(s) in {:.2f} s ({:.2f} pages/s)", n_ok, n_failed,
            n_pages, seconds, seconds > 0 ? n_pages / seconds : 0.0);
  log->info(
      "stage totals (s): render {:.2f}, preprocess {:.2f}, detect {:.2f}, classify {:.2f}, "
      "recognize {:.2f}, post-process {:.2f}",
      t.t_render_ms / 1e3, t.t_preprocess_ms / 1e3, t.t_detect_ms / 1e3, t.t_classify_ms / 1e3,
      t.t_recognize_ms / 1e3, t.t_postprocess_ms / 1e3);
}

ExitCode run_checked(int argc, char** argv, const Env& env) {
  Args args;
  if (auto done = parse_args(argc, argv, args)) return *done;
  if (args.version) {
    fmt::print("deepcompress {}\n", DEEPCOMPRESS_VERSION);
    return ExitCode::kOk;
  }

  ConfigSources sources;
  sources.toml_path = config_path(args, env);
  sources.env = env;
  sources.flags = args.flags;
  Options options = load_options(sources);
  if (args.print_config) {
    write_stdout(to_toml(options));
    return ExitCode::kOk;
  }
  if (args.inputs.empty()) {
    print_error("no input files (run 'deepcompress --help' for usage)");
    return ExitCode::kUsage;
  }
  if (std::string why = output_conflict(args.inputs, options); !why.empty()) {
    print_error(why);
    return ExitCode::kUsage;
  }

  setup_logging(options);
  options.password = read_password(options, env);
  if (options.model_dir.empty()) {
    options.model_dir = resolve_model_dir(options, cache_home(env)).string();
  }

  // Check inputs before the (slow) model load, so that a typo fails fast.
  int n_failed = 0;
  std::vector<std::string> inputs;
  for (const auto& input : args.inputs) {
    std::error_code ec;
    if (!fs::exists(input, ec)) {
      print_error(fmt::format("{}: no such file", input));
      ++n_failed;
    } else if (fs::is_directory(input, ec)) {
      print_error(fmt::format("{}: is a directory", input));
      ++n_failed;
    } else {
      inputs.push_back(input);
    }
  }
  if (inputs.empty()) return ExitCode::kInputFailed;

  tune_process_allocator();
  auto t_load = std::chrono::steady_clock::now();
  auto engine = Engine::load(options);
  logger()->info("models from {} on {} loaded in {:.2f} s", options.model_dir, engine->device_name(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count());

  // Documents arrive as they complete; pages of different documents share batches.
  struct Writer : DocumentSink {
    const Options& options;
    int n_failed = 0;
    explicit Writer(const Options& o) : options(o) {}
    void on_document(std::size_t, DocumentResult result) override {
      if (result.status == DocumentStatus::kFailed) {
        print_error(result.error);
        ++n_failed;
        return;
      }
      write_result(result, options);
    }
  } writer(options);
  std::vector<fs::path> paths(inputs.begin(), inputs.end());
  const RunSummary summary = engine->run(paths, writer);
  n_failed += writer.n_failed;
  log_summary(summary.n_documents_ok, n_failed, summary.n_pages, summary.t_wall_ms / 1000.0, summary.times);
  return n_failed > 0 ? ExitCode::kInputFailed : ExitCode::kOk;
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
