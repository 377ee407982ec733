#include "console.hpp"

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "deepcompress/log.hpp"
#include "deepcompress/error.hpp"
#include "deepcompress/json.hpp"

namespace deepcompress::cli {
namespace {

constexpr const char* kJsonPattern = R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","msg":"%*"})";

std::atomic<bool> g_json{false};
std::mutex g_out_mutex;
std::shared_ptr<spdlog::logger> g_out;     // error and note lines in JSON mode
std::shared_ptr<ProgressLine> g_progress;  // under g_out_mutex

// spdlog flag %* : the message escaped for a JSON string.
class JsonMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    const std::string escaped = json_escape(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

std::unique_ptr<spdlog::formatter> json_formatter() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<JsonMessageFlag>('*').set_pattern(kJsonPattern);
  return formatter;
}

void set_json_out(spdlog::sink_ptr sink) {
  auto out = std::make_shared<spdlog::logger>("deepcompress.stderr", std::move(sink));
  out->set_formatter(json_formatter());
  out->set_level(spdlog::level::trace);
  out->flush_on(spdlog::level::trace);
  std::lock_guard lock(g_out_mutex);
  g_out = std::move(out);
}

std::shared_ptr<spdlog::logger> json_out() {
  std::lock_guard lock(g_out_mutex);
  return g_out;
}

class ProgressAwareSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  ProgressAwareSink(spdlog::sink_ptr inner, std::shared_ptr<ProgressLine> line)
      : inner_(std::move(inner)), line_(std::move(line)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    line_->around([&] {
      inner_->log(msg);
      inner_->flush();
    });
  }
  void flush_() override { inner_->flush(); }
  void set_pattern_(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

 private:
  spdlog::sink_ptr inner_;
  std::shared_ptr<ProgressLine> line_;
};

// A plain stderr line, around the progress line if one is shown.
void write_stderr_line(const std::string& line) {
  const auto write = [&] {
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
  };
  if (auto progress = active_progress()) {
    progress->around(write);
  } else {
    write();
  }
}

// stdout and stderr are one terminal (both character devices, same device).
bool same_terminal() {
  struct stat out {};
  struct stat err {};
  if (::isatty(1) != 1 || ::fstat(1, &out) != 0 || ::fstat(2, &err) != 0) return false;
  return out.st_rdev == err.st_rdev && S_ISCHR(out.st_mode) && S_ISCHR(err.st_mode);
}

}  // namespace

std::string json_escape(std::string_view text) {
  std::string literal;
  append_json_string(literal, text);
  return literal.substr(1, literal.size() - 2);
}

void set_json_stderr(bool json) {
  g_json = json;
  if (json && !json_out()) set_json_out(std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

bool json_stderr() { return g_json; }

void print_error(std::string_view message) {
  if (g_json) {
    json_out()->error("{}", message);
    return;
  }
  std::string line;
  for (char c : message) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      line += "\\n";
    } else if (u < 0x20 || u == 0x7f) {
      line += fmt::format("\\x{:02x}", u);
    } else {
      line += c;
    }
  }
  write_stderr_line(fmt::format("deepcompress: error: {}\n", line));
}

void print_note(std::string_view text) {
  if (g_json) {
    json_out()->info("{}", text);
    return;
  }
  write_stderr_line(fmt::format("{}\n", text));
}

void ProgressLine::show(const std::string& text) {
  std::lock_guard lock(mutex_);
  text_ = text;
  if (stdout_mid_line_) {
    std::fputs("\n", stderr);  // below the text, never over it
    stdout_mid_line_ = false;
  }
  shown_ = true;
  std::fprintf(stderr, "\r%s\033[K", text_.c_str());
  std::fflush(stderr);
}

void ProgressLine::clear() {
  std::lock_guard lock(mutex_);
  erase_locked();
  shown_ = false;
  std::fflush(stderr);
}

void ProgressLine::erase_locked() {
  if (shown_) std::fputs("\r\033[K", stderr);
}

void ProgressLine::draw_locked() {
  if (shown_) std::fprintf(stderr, "%s\033[K", text_.c_str());
  std::fflush(stderr);
}

bool wants_progress(ProgressMode mode, const Options& options) {
  if (mode != ProgressMode::kAuto) return mode == ProgressMode::kOn;
  return ::isatty(2) == 1 && !same_terminal() && options.log_format == "text" && !options.quiet &&
         options.log_level != "off";
}

std::shared_ptr<ProgressLine> active_progress() {
  std::lock_guard lock(g_out_mutex);
  return g_progress;
}

void setup_logging(const Options& options, const std::shared_ptr<ProgressLine>& progress) {
  spdlog::sink_ptr sink;
  std::unique_ptr<spdlog::formatter> formatter;
  if (options.log_format == "json") {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    formatter = json_formatter();
    set_json_out(sink);
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    formatter = std::make_unique<spdlog::pattern_formatter>("%Y-%m-%d %H:%M:%S.%e [%^%l%$] %v");
  }
  set_json_stderr(options.log_format == "json");
  if (progress) sink = std::make_shared<ProgressAwareSink>(sink, progress);
  {
    std::lock_guard lock(g_out_mutex);
    g_progress = progress;
  }
  auto log = std::make_shared<spdlog::logger>(kLoggerName, sink);
  log->set_formatter(std::move(formatter));
  auto level = spdlog::level::from_str(options.log_level);
  if (options.quiet && level < spdlog::level::warn) level = spdlog::level::warn;
  log->set_level(level);
  spdlog::drop(kLoggerName);
  spdlog::register_logger(log);
}

namespace {

void write_stdout_now(const std::string& content) {
  if (std::fwrite(content.data(), 1, content.size(), stdout) != content.size() || std::fflush(stdout) != 0) {
    throw Error(ErrorKind::kOutput, "cannot write to stdout");
  }
}

}  // namespace

// Clears the progress line first: on a terminal shared with stderr, text
// written behind it would be glued to it.
void write_stdout(const std::string& content) {
  auto progress = active_progress();
  if (!progress) return write_stdout_now(content);
  progress->before_stdout([&] { write_stdout_now(content); }, content.empty() || content.back() == '\n');
}

}  // namespace deepcompress::cli
