#pragma once
// What the CLI takes from the process environment (main passes a snapshot in): the TOML file
// to read, the PDF password, the cache home, the binary's directory, and the shard of a Slurm
// array or Kubernetes Indexed Job.
#include <filesystem>
#include <map>
#include <string>

#include "args.hpp"
#include "deepcompress/options.hpp"

namespace deepcompress::cli {

using Env = std::map<std::string, std::string>;

inline constexpr const char* kConfigEnv = "DEEPCOMPRESS_CONFIG";
inline constexpr const char* kLocalConfig = "deepcompress.toml";

// The TOML file to read and why it was chosen ("--config", ...); path empty: none.
struct ConfigFile {
  std::string path;
  std::string why;
};

// --config, else $DEEPCOMPRESS_CONFIG, else ./deepcompress.toml if it exists.
ConfigFile config_file(const Args& args, const Env& env);

// --log-format json asked for on the command line or in the env, so that
// errors before the configuration is loaded are JSON lines too.
bool json_asked(int argc, char** argv, const Env& env);

// The directory of the running binary (for models installed next to it), or empty.
std::filesystem::path exe_dir();

// The first line of options.password_file, else $DEEPCOMPRESS_PDF_PASSWORD, else empty.
// Throws Error(kConfig) naming the file when it cannot be read.
std::string read_password(const Options& options, const Env& env);

// $XDG_CACHE_HOME, else $HOME/.cache, else ./.cache.
std::filesystem::path cache_home(const Env& env);

struct Shard {
  int index = 0;
  int count = 1;  // 1: no sharding
  std::string why;
};

// --shard (flag, env or TOML) wins; else a Slurm array or a Kubernetes Indexed Job; else
// no sharding. Throws Error(kConfig) when the environment names no usable shard.
Shard choose_shard(const Options& options, const Args& args, const Env& env);

}  // namespace deepcompress::cli
