#pragma once
// Everything the app writes to stderr: error lines, the library's log lines
// and the one-line progress display, in text or JSON (--log-format json: every
// stderr line is one JSON object).
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "deepcompress/options.hpp"

namespace deepcompress::cli {

// Error and note lines become JSON objects ({"ts","level","msg"}, as the log
// lines) from now on. Set as soon as the log format is known.
void set_json_stderr(bool json);
bool json_stderr();

// One line "deepcompress: error: MESSAGE" on stderr, control characters and
// newlines escaped; in JSON mode a {"level":"error"} object.
void print_error(std::string_view message);

// One plain line on stderr (a usage hint, a --stats table row); in JSON mode
// an {"level":"info"} object.
void print_note(std::string_view text);

// text as the inside of a JSON string literal (quotes, backslashes and
// control characters escaped; invalid UTF-8 bytes become U+FFFD).
std::string json_escape(std::string_view text);

// The one-line progress display on a terminal's stderr. Log lines go around
// it (cleared, written, redrawn); stdout writes clear it first so that text on
// a shared terminal never lands behind it. Thread-safe.
class ProgressLine {
 public:
  void show(const std::string& text);
  void clear();
  // Runs write() (to stderr) with the line cleared, then redraws it.
  template <typename F>
  void around(F&& write) {
    std::lock_guard lock(mutex_);
    erase_locked();
    write();
    draw_locked();
  }
  // Runs write() (to stdout) with the line cleared; it is redrawn by the next show().
  template <typename F>
  void before_stdout(F&& write, bool ends_line) {
    std::lock_guard lock(mutex_);
    erase_locked();
    shown_ = false;
    write();
    stdout_mid_line_ = !ends_line;
  }

 private:
  void erase_locked();
  void draw_locked();
  std::mutex mutex_;
  std::string text_;
  bool shown_ = false;
  bool stdout_mid_line_ = false;  // stdout's last write did not end its line
};

// --progress / --no-progress / neither.
enum class ProgressMode { kAuto, kOn, kOff };

// Whether to draw the progress line. Auto: stderr is a terminal that stdout is
// not (text piped or written to files), text logs, not --quiet, log level not
// off. kOn draws it on any stderr and at any log level.
bool wants_progress(ProgressMode mode, const Options& options);

// Writes content to stdout and flushes, clearing the progress line first (on a terminal
// shared with stderr, text written behind it would be glued to it). Throws
// Error(kOutput) when stdout cannot be written.
void write_stdout(const std::string& content);

// The progress line in use, or nullptr: stdout writes clear it.
std::shared_ptr<ProgressLine> active_progress();

// Registers the library's named logger on stderr (stdout stays for results),
// in options.log_format; with a progress line, log lines are written around it
// and it becomes active_progress().
void setup_logging(const Options& options, const std::shared_ptr<ProgressLine>& progress = nullptr);

}  // namespace deepcompress::cli
