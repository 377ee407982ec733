// libFuzzer target: load_options on TOML text plus an environment map.
// Input: TOML text, then optionally "\0" followed by NAME=VALUE lines for the
// environment. Contract: returns validated Options or throws
// deepcompress::Error(kConfig); anything else is a bug.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "deepcompress/config.hpp"
#include "deepcompress/error.hpp"

namespace {
std::string temp_path() {
  static const std::string path =
      (std::filesystem::temp_directory_path() / ("dc_fuzz_config." + std::to_string(::getpid()) + ".toml"))
          .string();
  return path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = all.find('\0');
  const std::string_view toml = all.substr(0, nul);
  deepcompress::ConfigSources sources;
  if (nul != std::string_view::npos) {
    std::string_view env = all.substr(nul + 1);
    while (!env.empty()) {
      const std::size_t eol = env.find('\n');
      const std::string_view line = env.substr(0, eol);
      const std::size_t eq = line.find('=');
      if (eq != std::string_view::npos) sources.env[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
      if (eol == std::string_view::npos) break;
      env.remove_prefix(eol + 1);
    }
  }
  {
    std::ofstream out(temp_path(), std::ios::binary | std::ios::trunc);
    out.write(toml.data(), static_cast<std::streamsize>(toml.size()));
  }
  sources.toml_path = temp_path();
  try {
    const deepcompress::Options options = deepcompress::load_options(sources);
    // A loaded configuration must print and reload to itself.
    const std::string text = deepcompress::to_toml(options);
    {
      std::ofstream out(temp_path(), std::ios::binary | std::ios::trunc);
      out << text;
    }
    deepcompress::ConfigSources again;
    again.toml_path = temp_path();
    if (deepcompress::to_toml(deepcompress::load_options(again)) != text) std::abort();
  } catch (const deepcompress::Error& e) {
    if (e.kind() != deepcompress::ErrorKind::kConfig) std::abort();
  }
  return 0;
}
