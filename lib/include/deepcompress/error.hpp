#pragma once
// Typed errors returned (thrown) by the library. Third-party exceptions are
// translated into these at each module's edge; the app maps kinds to exit codes.
#include <stdexcept>
#include <string>

namespace deepcompress {

enum class ErrorKind {
  kConfig,    // bad option value, unknown key, unreadable config file
  kModel,     // models missing/corrupt, device unavailable
  kInput,     // one input document cannot be read (missing, corrupt, encrypted, ...)
  kOutput,    // an output file cannot be written
  kInternal,  // a bug or an unexpected third-party failure
};

// An error with the file (and 1-based page, 0 = whole file) it concerns.
// what() is a complete one-line message that already names file and page.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message, std::string file = {}, int page = 0);
  ErrorKind kind() const noexcept { return kind_; }
  const std::string& file() const noexcept { return file_; }
  int page() const noexcept { return page_; }
  // The message without the "file: page N: " prefix.
  const std::string& detail() const noexcept { return detail_; }

 private:
  ErrorKind kind_;
  std::string file_;
  int page_;
  std::string detail_;
};

}  // namespace deepcompress
