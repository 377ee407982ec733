#include "deepcompress/error.hpp"

#include <fmt/format.h>

namespace deepcompress {
namespace {
std::string full_message(const std::string& message, const std::string& file, int page) {
  if (file.empty()) return message;
  if (page > 0) return fmt::format("{}: page {}: {}", file, page, message);
  return fmt::format("{}: {}", file, message);
}
}  // namespace

Error::Error(ErrorKind kind, std::string message, std::string file, int page)
    : std::runtime_error(full_message(message, file, page)),
      kind_(kind),
      file_(std::move(file)),
      page_(page),
      detail_(std::move(message)) {}

}  // namespace deepcompress
