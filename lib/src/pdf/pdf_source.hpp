#pragma once
// PDF pages rendered with Poppler-cpp.
#include <filesystem>
#include <memory>
#include <string>

#include "common/page_source.hpp"

namespace deepcompress {

// Opens a PDF for lazy rendering at dpi (pages rendered as 3-channel BGR).
// password may be empty. Throws Error(kInput) naming the file for a missing,
// unreadable, corrupt or encrypted-without-the-right-password document.
// Never logs the password.
std::unique_ptr<PageSource> open_pdf(const std::filesystem::path& path,
                                     const std::string& password, int dpi);

}  // namespace deepcompress
