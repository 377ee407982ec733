#pragma once
// SHA-256 of a file or a byte string, as 64 lowercase hex digits.
#include <filesystem>
#include <string>
#include <string_view>

namespace deepcompress {

std::string sha256_hex(std::string_view bytes);
// HMAC-SHA256 (RFC 2104) of message under key, as 64 lowercase hex digits.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);
// Throws Error(kInput) naming the file if it cannot be read.
std::string sha256_file_hex(const std::filesystem::path& path);

}  // namespace deepcompress
