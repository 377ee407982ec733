// The one option table: TOML key, flag, help, field and allowed values. Env
// names, --help lines, validation messages and default.toml all derive from it;
// defaults come only from Options{}.
#include "config/option_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>
#include <type_traits>

#include "config/page_ranges.hpp"
#include "deepcompress/config.hpp"
#include "deepcompress/error.hpp"

namespace deepcompress::config {
namespace {

// auto | cpu | cuda | cuda:N, or a comma list of distinct cuda:N (one worker each).
std::string check_device(std::string_view v) {
  if (v == "auto" || v == "cpu" || v == "cuda") return {};
  static constexpr std::string_view kMust = "must be auto, cpu, cuda, cuda:N or a list such as cuda:0,cuda:1";
  std::vector<std::string_view> seen;
  std::size_t start = 0;
  while (true) {
    const auto comma = v.find(',', start);
    const auto item = v.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (!item.starts_with("cuda:") || item.size() == 5 || item.size() > 8 ||
        !std::all_of(item.begin() + 5, item.end(), [](char c) { return std::isdigit(c) != 0; }) ||
        std::find(seen.begin(), seen.end(), item) != seen.end()) {
      return std::string(kMust);
    }
    seen.push_back(item);
    if (comma == std::string_view::npos) return {};
    start = comma + 1;
  }
}

// A comma list of PII types, each once, or "all"; empty = none.
std::string check_redact(std::string_view v) {
  if (v.empty() || v == "all") return {};
  static constexpr std::array<std::string_view, 7> kTypes = {"email", "phone", "card", "iban", "ssn", "ipv4", "dob"};
  std::vector<std::string_view> seen;
  std::size_t start = 0;
  while (true) {
    const auto comma = v.find(',', start);
    const auto item = v.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (std::find(kTypes.begin(), kTypes.end(), item) == kTypes.end() ||
        std::find(seen.begin(), seen.end(), item) != seen.end()) {
      return "must be all, or a comma list of email | phone | card | iban | ssn | ipv4 | dob";
    }
    seen.push_back(item);
    if (comma == std::string_view::npos) return {};
    start = comma + 1;
  }
}

std::string check_pages(std::string_view v) {
  std::string why = page_ranges_error(v);
  return why.empty() ? why : fmt::format("must be page ranges like 1-3,7,9- ({})", why);
}

// "2G", "512M", "1.5G", "4096K", or plain bytes; suffixes K/M/G/T (powers of 1024).
std::string check_memory(std::string_view v) {
  if (v.empty()) return {};
  static constexpr std::string_view kMust = "must be a size such as 2G, 512M or 1.5G (suffix K, M, G or T)";
  std::string_view number = v;
  if (std::string_view("KMGTkmgt").find(v.back()) != std::string_view::npos) number.remove_suffix(1);
  if (!number.empty() && (number.back() == 'i' || number.back() == 'B')) return std::string(kMust);
  double value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size() || !std::isfinite(value) ||
      value <= 0 || !std::isdigit(static_cast<unsigned char>(number.front()))) {
    return std::string(kMust);
  }
  return {};
}

// "K/N" with 0 <= K < N; empty = no sharding.
std::string check_shard(std::string_view v) {
  if (v.empty()) return {};
  const auto slash = v.find('/');
  int k = -1;
  int n = 0;
  const auto number = [](std::string_view t, int& out) {
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    return !t.empty() && ec == std::errc() && end == t.data() + t.size();
  };
  if (slash == std::string_view::npos || !number(v.substr(0, slash), k) || !number(v.substr(slash + 1), n) ||
      n < 1 || k < 0 || k >= n) {
    return "must be K/N with 0 <= K < N, e.g. 0/4";
  }
  return {};
}

// A comma list of output formats, each once.
std::string check_formats(std::string_view v) {
  std::vector<std::string_view> seen;
  std::size_t start = 0;
  while (true) {
    const auto comma = v.find(',', start);
    std::string_view item = v.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const bool known = item == "txt" || item == "md" || item == "json" || item == "dtoon" || item == "jsonl";
    if (!known || std::find(seen.begin(), seen.end(), item) != seen.end()) {
      return "must be one of txt | md | json | dtoon | jsonl, or a comma list of them such as txt,dtoon";
    }
    seen.push_back(item);
    if (comma == std::string_view::npos) return {};
    start = comma + 1;
  }
}

const std::vector<Spec>& build_specs() {
  static const std::vector<Spec> specs = {
      {.key = "engine.batch_size",
       .flag = "--batch-size",
       .help = "pages per batch (padded to that shape on CUDA only; auto: sized by the engine)",
       .field = &Options::batch_size,
       .lo = 1,
       .hi = 64,
       .zero_word = "auto"},
      {.key = "engine.rec_batch_size",
       .flag = "--rec-batch-size",
       .help = "text-line crops per recognizer batch",
       .field = &Options::rec_batch_size,
       .lo = 1,
       .hi = 256},
      {.key = "engine.device",
       .affects_output = true,
       .flag = "--device",
       .help = "inference device",
       .field = &Options::device,
       .check = check_device,
       .allowed = "auto | cpu | cuda | cuda:N | cuda:0,cuda:1 (one worker per listed GPU)"},
      {.key = "engine.mode",
       .affects_output = true,
       .flag = "--mode",
       .help = "detector canvas side (small = 960, base = 1280, large = 1600 px)",
       .field = &Options::mode,
       .choices = {"small", "base", "large"}},
      {.key = "engine.threads",
       .flag = "--threads",
       .help = "intra-op CPU threads, 0 = number of cores",
       .field = &Options::threads,
       .lo = 0,
       .hi = 256},
      {.key = "engine.precision",
       .affects_output = true,
       .flag = "--precision",
       .help = "inference precision: auto = on a CPU with native bf16 the faster of bf16 and fp32, measured once "
               "and remembered per CPU (docs/pipeline.md), else fp32; fp16 needs CUDA; bf16 on CPU needs AVX512-BF16",
       .field = &Options::precision,
       .choices = {"auto", "fp32", "fp16", "bf16"}},
      {.key = "engine.charset",
       .affects_output = true,
       .flag = "--charset",
       .help = "characters the recognizer may output: latin (Latin and Greek letters, digits, punctuation, "
               "symbols; no look-alike full-width punctuation) or all (also the model's Chinese characters)",
       .field = &Options::charset,
       .choices = {"latin", "all"}},
      {.key = "engine.angle_classifier",
       .affects_output = true,
       .flag = "--no-angle-classifier",
       .help = "detect and fix upside-down (180 deg) text lines",
       .field = &Options::angle_classifier},
      {.key = "engine.max_memory",
       .flag = "--max-memory",
       .help = "memory cap for pages and batches in flight, such as 2G or 512M; empty = no cap",
       .field = &Options::max_memory,
       .check = check_memory},
      {.key = "engine.workers",
       .flag = "--workers",
       .help = "inference workers (each with its own batch buffers)",
       .field = &Options::workers,
       .lo = 1,
       .hi = 16},
      {.key = "engine.order",
       .flag = "--order",
       .help = "order documents are started in (largest-first shortens the tail of a run)",
       .field = &Options::order,
       .choices = {"input", "largest-first"}},
      {.key = "engine.gpu_memory_fraction",
       .flag = "--gpu-memory-fraction",
       .help = "share of the GPU memory the engine may use (the cap of LibTorch's caching allocator, per device; "
               "auto batch sizes are planned within it)",
       .field = &Options::gpu_memory_fraction,
       .lo = 0,
       .hi = 1,
       .lo_open = true},
      {.key = "engine.tf32",
       .flag = "--tf32",
       .help = "CUDA fp32: let cuDNN convolutions and cuBLAS products run in TF32 on Ampere and later GPUs "
               "(faster; text may differ slightly from the CPU's fp32)",
       .field = &Options::tf32},
      {.key = "input.dpi",
       .affects_output = true,
       .flag = "--dpi",
       .help = "PDF rasterization resolution",
       .field = &Options::dpi,
       .lo = 50,
       .hi = 600},
      {.key = "input.pages",
       .affects_output = true,
       .flag = "--pages",
       .help = "pages to read, such as \"1-3,7\", \"5-\" (to the end) or \"-2\"; pages past the end of a "
               "document are skipped with a warning; empty = all pages",
       .field = &Options::pages,
       .check = check_pages},
      {.key = "input.password_file",
       .flag = "--password-file",
       .help = "file whose first line is the PDF password (else env DEEPCOMPRESS_PDF_PASSWORD)",
       .field = &Options::password_file},
      {.key = "input.ocr",
       .affects_output = true,
       .flag = "--ocr",
       .help = "text source per page: auto = a PDF page's own text layer where it is usable, OCR "
               "elsewhere; always = OCR every page; never = text layer only (scanned pages come out empty)",
       .field = &Options::ocr,
       .choices = {"auto", "always", "never"}},
      {.key = "input.max_pages",
       .flag = "--max-pages",
       .help = "most selected pages per document; a longer document fails, named (0 = no limit)",
       .field = &Options::max_pages,
       .lo = 0,
       .hi = INT_MAX},
      {.key = "input.max_input_size",
       .flag = "--max-input-size",
       .help = "largest input file accepted, such as 2G or 500M; a larger file fails, named; empty = no limit",
       .field = &Options::max_input_size,
       .check = check_memory},
      {.key = "input.timeout_per_page_s",
       .flag = "--timeout-per-page",
       .help = "seconds a page may take to render or read; a slower page fails its document (0 = no limit)",
       .field = &Options::timeout_per_page_s,
       .lo = 0,
       .hi = 86400},
      {.key = "output.dir",
       .flag = "--output",
       .short_flag = "-o",
       .help = "output directory; outputs mirror the input tree (see docs/cli.md); empty = stdout "
               "(one input only)",
       .field = &Options::output_dir},
      {.key = "output.format",
       .flag = "--format",
       .help = "output format, or a comma list to write several",
       .field = &Options::format,
       .check = check_formats,
       .allowed = "txt | md | json | dtoon | jsonl | txt,json,... (docs/dtoon.md)"},
      {.key = "output.chunk_tokens",
       .affects_output = true,
       .flag = "--chunk-tokens",
       .help = "jsonl: most tokens per retrieval chunk (whole paragraphs packed)",
       .field = &Options::chunk_tokens,
       .lo = 16,
       .hi = 65536},
      {.key = "output.tokenizer",
       .affects_output = true,
       .flag = "--tokenizer",
       .help = "encoding of the token counts (json stats, dtoon log line, jsonl chunks)",
       .field = &Options::tokenizer,
       .choices = {"o200k_base", "cl100k_base"}},
      {.key = "output.level",
       .affects_output = true,
       .flag = "--level",
       .help = "compaction of dtoon and jsonl: 0 = faithful text, 1 = structural and lossless for "
               "content, 2 = aggressive (docs/compression.md)",
       .field = &Options::level,
       .lo = 0,
       .hi = 2},
      {.key = "output.redact",
       .affects_output = true,
       .flag = "--redact",
       .help = "replace these PII types in every output before tokens are counted (all, or a comma list)",
       .field = &Options::redact,
       .check = check_redact,
       .allowed = "all | email,phone,card,iban,ssn,ipv4,dob"},
      {.key = "output.redact_report",
       .flag = "--redact-report",
       .help = "write each redaction's document, page, type and position (never the value) to this "
               "JSON-lines file; empty = none",
       .field = &Options::redact_report},
      {.key = "cost.prices",
       .flag = "--prices",
       .help = "TOML price table (such as configs/prices.toml) for the cost estimate in the stats; empty = none",
       .field = &Options::prices},
      {.key = "cache.dir",
       .flag = "--cache-dir",
       .help = "output cache directory; empty = $XDG_CACHE_HOME/deepcompress/cache",
       .field = &Options::cache_dir},
      {.key = "cache.enabled",
       .flag = "--no-cache",
       .help = "reuse outputs of unchanged inputs (same file, models and output options) from the cache",
       .field = &Options::cache_enabled},
      {.key = "run.force",
       .flag = "--force",
       .help = "recompute every document and overwrite its cache entry",
       .field = &Options::force},
      {.key = "run.manifest",
       .flag = "--manifest",
       .help = "write a JSON-lines report (one line per input) to this file; empty = none",
       .field = &Options::manifest},
      {.key = "run.summary_json",
       .flag = "--summary-json",
       .help = "print the run summary as one JSON object on stdout (needs -o)",
       .field = &Options::summary_json},
      {.key = "run.fail_fast",
       .flag = "--fail-fast",
       .help = "stop at the first failed document",
       .field = &Options::fail_fast},
      {.key = "run.stats",
       .flag = "--stats",
       .help = "print a table of token figures per document (and the cost estimate) on stderr at the end",
       .field = &Options::stats},
      {.key = "run.shard",
       .flag = "--shard",
       .help = "process only shard K of N (0-based, by output path hash); empty = all, or from "
               "Slurm/Kubernetes array env",
       .field = &Options::shard,
       .check = check_shard,
       .allowed = "K/N"},
      {.key = "run.glob",
       .flag = "--glob",
       .help = "file-name pattern (fnmatch) for files found in directories, e.g. '*.pdf'; empty = all",
       .field = &Options::glob},
      {.key = "models.dir",
       .flag = "--model-dir",
       .help = "model directory; empty = the first with a manifest.json of ./models, <binary dir>/models, "
               "<binary dir>/../share/deepcompress/models, $XDG_CACHE_HOME/deepcompress/models and "
               "/usr/share/deepcompress/models",
       .field = &Options::model_dir},
      {.key = "detector.threshold",
       .affects_output = true,
       .flag = "--det-threshold",
       .help = "probability threshold of the DB binarization",
       .field = &Options::det_threshold,
       .lo = 0,
       .hi = 1,
       .open = true},
      {.key = "detector.box_threshold",
       .affects_output = true,
       .flag = "--box-threshold",
       .help = "minimum mean probability inside a box",
       .field = &Options::box_threshold,
       .lo = 0,
       .hi = 1,
       .open = true},
      {.key = "detector.unclip_ratio",
       .affects_output = true,
       .flag = "--unclip-ratio",
       .help = "DB box expansion ratio",
       .field = &Options::unclip_ratio,
       .lo = 1,
       .hi = 4},
      {.key = "log.level",
       .flag = "--log-level",
       .help = "log level (logs go to stderr)",
       .field = &Options::log_level,
       .choices = {"trace", "debug", "info", "warn", "error", "off"}},
      {.key = "log.format",
       .flag = "--log-format",
       .help = "log line format (json: one object per line)",
       .field = &Options::log_format,
       .choices = {"text", "json"}},
      {.key = "log.quiet",
       .flag = "--quiet",
       .short_flag = "-q",
       .help = "only warnings and errors",
       .field = &Options::quiet},
  };
  return specs;
}

bool parse_int(std::string_view text, int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool parse_double(std::string_view text, double& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty() && std::isfinite(out);
}

std::string quoted_if_string(const Spec& spec, std::string_view value) {
  if (std::holds_alternative<std::string Options::*>(spec.field)) {
    return fmt::format("\"{}\"", value);
  }
  return std::string(value);
}

// --help: the options most runs need lead, in this order; the others follow
// by section (a TOML section prefix maps to a group title).
constexpr std::array<std::string_view, 7> kCommonKeys = {"output.dir", "output.format",       "input.pages",
                                                         "input.ocr",  "input.password_file", "run.manifest",
                                                         "log.quiet"};
constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kGroups = {
    {{"input.", "Input"},
     {"output.", "Output"},
     {"cost.", "Output"},
     {"run.", "Run"},
     {"cache.", "Cache"},
     {"models.", "Models and engine"},
     {"engine.", "Models and engine"},
     {"detector.", "Detector tuning"},
     {"log.", "Logging"}}};
constexpr std::string_view kCommonGroup = "Common options";

std::string_view help_group(std::string_view key) {
  if (std::find(kCommonKeys.begin(), kCommonKeys.end(), key) != kCommonKeys.end()) return kCommonGroup;
  for (auto [prefix, title] : kGroups) {
    if (key.starts_with(prefix)) return title;
  }
  return "Other";
}

// Up to 2 edits apart: a likely typo.
bool near(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()] <= 2;
}

}  // namespace

const std::vector<Spec>& specs() { return build_specs(); }

std::string env_name(std::string_view key) {
  std::string env = "DEEPCOMPRESS_";
  for (char c : key) env += c == '.' ? '_' : static_cast<char>(std::toupper(c));
  return env;
}

const Spec* find_spec(std::string_view key) {
  for (const Spec& s : specs()) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

const Spec* near_env_spec(std::string_view name) {
  for (const Spec& s : specs()) {
    if (near(name, env_name(s.key))) return &s;
  }
  return nullptr;
}

std::string unknown_key_message(std::string_view key, std::string_view origin) {
  std::string msg = fmt::format("unknown key '{}' ({})", key, origin);
  for (const Spec& s : specs()) {
    if (near(key, s.key)) return msg + fmt::format("; did you mean '{}'?", s.key);
  }
  return msg;
}

std::string allowed_values(const Spec& spec) {
  if (!spec.allowed.empty()) return std::string(spec.allowed);
  if (!spec.choices.empty()) return fmt::format("{}", fmt::join(spec.choices, " | "));
  return std::visit(
      [&](auto member) -> std::string {
        using T = std::remove_reference_t<decltype(Options{}.*member)>;
        if constexpr (std::is_same_v<T, int>) {
          return spec.zero_word.empty() ? fmt::format("{}..{}", spec.lo, spec.hi)
                                        : fmt::format("{}..{} | {}", spec.lo, spec.hi, spec.zero_word);
        }
        if constexpr (std::is_same_v<T, double>) {
          if (spec.open) return fmt::format("({}, {})", spec.lo, spec.hi);
          if (spec.lo_open) return fmt::format("({}, {}]", spec.lo, spec.hi);
          return fmt::format("{}..{}", spec.lo, spec.hi);
        }
        if constexpr (std::is_same_v<T, bool>) return "true | false";
        return {};
      },
      spec.field);
}

std::string format_double(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";  // stays a TOML float
  return s;
}

}  // namespace deepcompress::config

namespace deepcompress {

using config::Spec;

const std::vector<OptionInfo>& option_table() {
  static const std::vector<OptionInfo> table = [] {
    std::vector<OptionInfo> out;
    for (const Spec& s : config::specs()) {
      std::string kind = std::visit(
          [](auto member) -> std::string {
            using T = std::remove_reference_t<decltype(Options{}.*member)>;
            if constexpr (std::is_same_v<T, int>) return "int";
            if constexpr (std::is_same_v<T, double>) return "float";
            if constexpr (std::is_same_v<T, bool>) return "bool";
            return "string";
          },
          s.field);
      std::string allowed = config::allowed_values(s);
      std::string help(s.help);
      if (!allowed.empty() && kind != "bool") help += fmt::format(": {}", allowed);
      out.push_back({.key = std::string(s.key),
                     .env = config::env_name(s.key),
                     .flag = std::string(s.flag),
                     .help = std::move(help),
                     .value_kind = std::move(kind),
                     .short_flag = std::string(s.short_flag),
                     .group = std::string(config::help_group(s.key)),
                     .affects_output = s.affects_output});
    }
    return out;
  }();
  return table;
}

const std::vector<const OptionInfo*>& options_for_help() {
  static const std::vector<const OptionInfo*> order = [] {
    std::vector<const OptionInfo*> out;
    const auto& table = option_table();
    for (std::string_view key : config::kCommonKeys) {
      for (const auto& info : table) {
        if (info.key == key) out.push_back(&info);
      }
    }
    std::vector<std::string_view> groups;
    for (auto [prefix, title] : config::kGroups) {
      if (std::find(groups.begin(), groups.end(), title) == groups.end()) groups.push_back(title);
    }
    groups.push_back("Other");
    for (std::string_view group : groups) {
      for (const auto& info : table) {
        if (info.group == group) out.push_back(&info);
      }
    }
    return out;
  }();
  return order;
}

std::string switch_value(const OptionInfo& info) { return info.flag.starts_with("--no-") ? "false" : "true"; }

void set_option(Options& options, std::string_view key, std::string_view value, std::string_view origin) {
  const Spec* spec = config::find_spec(key);
  if (spec == nullptr) {
    throw Error(ErrorKind::kConfig, config::unknown_key_message(key, origin));
  }
  auto fail = [&](const std::string& must) {
    throw Error(ErrorKind::kConfig, fmt::format("{} = {} (from {}): {}", key,
                                                config::quoted_if_string(*spec, value), origin, must));
  };
  std::visit(
      [&](auto member) {
        using T = std::remove_reference_t<decltype(options.*member)>;
        if constexpr (std::is_same_v<T, int>) {
          int v = 0;
          if (!spec->zero_word.empty() && value == spec->zero_word) {
            options.*member = 0;
            return;
          }
          if (!config::parse_int(value, v) || v < spec->lo || v > spec->hi) {
            fail(spec->zero_word.empty()
                     ? fmt::format("must be an integer in {}", config::allowed_values(*spec))
                     : fmt::format("must be an integer in {}..{} or {}", spec->lo, spec->hi, spec->zero_word));
          }
          options.*member = v;
        } else if constexpr (std::is_same_v<T, double>) {
          double v = 0;
          bool ok = config::parse_double(value, v) &&
                    (spec->open      ? v > spec->lo && v < spec->hi
                     : spec->lo_open ? v > spec->lo && v <= spec->hi
                                     : v >= spec->lo && v <= spec->hi);
          if (!ok) fail(fmt::format("must be a number in {}", config::allowed_values(*spec)));
          options.*member = v;
        } else if constexpr (std::is_same_v<T, bool>) {
          if (value == "true" || value == "1") {
            options.*member = true;
          } else if (value == "false" || value == "0") {
            options.*member = false;
          } else {
            fail("must be true or false");
          }
        } else {
          if (!spec->choices.empty() &&
              std::find(spec->choices.begin(), spec->choices.end(), value) == spec->choices.end()) {
            fail(fmt::format("must be one of {}", config::allowed_values(*spec)));
          }
          if (spec->check != nullptr) {
            if (std::string why = spec->check(value); !why.empty()) fail(why);
          }
          options.*member = std::string(value);
        }
      },
      spec->field);
}

std::string get_option(const Options& options, std::string_view key) {
  const Spec* spec = config::find_spec(key);
  if (spec == nullptr) {
    throw Error(ErrorKind::kConfig, config::unknown_key_message(key, "get_option"));
  }
  return std::visit(
      [&](auto member) -> std::string {
        const auto& v = options.*member;
        using T = std::remove_cvref_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int>) {
          return v == 0 && !spec->zero_word.empty() ? std::string(spec->zero_word) : std::to_string(v);
        }
        if constexpr (std::is_same_v<T, double>) return config::format_double(v);
        if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
        if constexpr (std::is_same_v<T, std::string>) return v;
      },
      spec->field);
}

}  // namespace deepcompress
