#pragma once
// The command line: every option of the library's option table as a flag (values arrive as
// text, validated by load_options), plus the CLI's own (--config, --print-config, --version,
// --shard-count, --progress / --no-progress, --help).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "console.hpp"

namespace deepcompress::cli {

struct Args {
  std::vector<std::string> inputs;
  std::string config_path;
  bool print_config = false;
  bool version = false;
  int shard_count = 0;  // --shard-count: the shard count of a Kubernetes Indexed Job; 0 = unset
  ProgressMode progress = ProgressMode::kAuto;             // --progress / --no-progress
  std::vector<std::pair<std::string, std::string>> flags;  // (TOML key, text)
};

// Parses argv into args. Returns an exit code when parsing ends the run: --help (printed on
// stdout), a usage error (printed on stderr).
std::optional<ExitCode> parse_args(int argc, char** argv, Args& args);

}  // namespace deepcompress::cli
