#pragma once
// JSON string literals as every JSON output of the library writes them.
#include <string>
#include <string_view>

namespace deepcompress {

// Appends s as a JSON string literal (quotes included); invalid UTF-8 bytes become U+FFFD.
void append_json_string(std::string& out, std::string_view s);

}  // namespace deepcompress
