// Model manifest check: plain C++, no LibTorch, so it is cheap to compile and test.
#include <fmt/format.h>

#include <cstdint>
#include <fstream>
#include <regex>
#include <sstream>

#include "common/sha256.hpp"
#include "deepcompress/error.hpp"
#include "model/ocr_models.hpp"

namespace deepcompress {

std::int64_t TensorF::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

void TensorF::reshape(std::vector<std::int64_t> new_shape) {
  shape = std::move(new_shape);
  data.resize(static_cast<std::size_t>(numel()));
}

std::string verify_model_manifest(const std::filesystem::path& dir) {
  const auto manifest_path = dir / "manifest.json";
  std::ifstream in(manifest_path);
  if (!in) return fmt::format("{} not found", manifest_path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  // The manifest is written by scripts/convert_models.py; its "files" object
  // maps file names to sha256 hex digests. A full JSON parser is not needed.
  const auto files_pos = text.find("\"files\"");
  if (files_pos == std::string::npos) return fmt::format("{} has no \"files\" entry", manifest_path.string());
  const auto open = text.find('{', files_pos);
  const auto close = text.find('}', open);
  if (open == std::string::npos || close == std::string::npos) {
    return fmt::format("{} is malformed", manifest_path.string());
  }
  const std::string files = text.substr(open, close - open);
  static const std::regex entry(R"re("([^"]+)"\s*:\s*"([0-9a-f]{64})")re");
  int n_files = 0;
  for (std::sregex_iterator it(files.begin(), files.end(), entry), end; it != end; ++it) {
    const auto path = dir / (*it)[1].str();
    if (!std::filesystem::exists(path)) return fmt::format("{} is missing", path.string());
    std::string actual;
    try {
      actual = sha256_file_hex(path);
    } catch (const Error& e) {
      return e.what();
    }
    if (actual != (*it)[2].str()) return fmt::format("{} does not match its sha256 in the manifest", path.string());
    ++n_files;
  }
  for (const char* required : {"det.pt", "cls.pt", "rec.pt", "ppocr_keys_v1.txt"}) {
    if (files.find(fmt::format("\"{}\"", required)) == std::string::npos) {
      return fmt::format("{} does not list {}", manifest_path.string(), required);
    }
  }
  if (n_files == 0) return fmt::format("{} lists no files", manifest_path.string());
  return {};
}

}  // namespace deepcompress
