#include "environment.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <optional>
#include <string_view>

#include "deepcompress/error.hpp"
#include "deepcompress/inputs.hpp"

namespace deepcompress::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPasswordEnv = "DEEPCOMPRESS_PDF_PASSWORD";
constexpr const char* kShardCountEnv = "DEEPCOMPRESS_SHARD_COUNT";

std::optional<int> env_int(const Env& env, const char* name) {
  auto it = env.find(name);
  if (it == env.end() || it->second.empty()) return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  if (ec != std::errc() || end != it->second.data() + it->second.size()) {
    throw Error(ErrorKind::kConfig, fmt::format("env {} = \"{}\": must be an integer", name, it->second));
  }
  return value;
}

}  // namespace

ConfigFile config_file(const Args& args, const Env& env) {
  if (!args.config_path.empty()) return {args.config_path, "--config"};
  if (auto it = env.find(kConfigEnv); it != env.end() && !it->second.empty()) {
    return {it->second, "$" + std::string(kConfigEnv)};
  }
  std::error_code ec;
  if (fs::is_regular_file(kLocalConfig, ec)) return {kLocalConfig, "found in the working directory"};
  return {};
}

// --log-format json asked for on the command line or in the env, so that
// errors before the configuration is loaded are JSON lines too.
bool json_asked(int argc, char** argv, const Env& env) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--log-format=json" ||
        (arg == "--log-format" && i + 1 < argc && std::string_view(argv[i + 1]) == "json")) {
      return true;
    }
  }
  auto it = env.find("DEEPCOMPRESS_LOG_FORMAT");
  return it != env.end() && it->second == "json";
}

// The directory of the running binary (for models installed next to it), or empty.
fs::path exe_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

std::string read_password(const Options& options, const Env& env) {
  if (options.password_file.empty()) {
    auto it = env.find(kPasswordEnv);
    return it == env.end() ? std::string() : it->second;
  }
  std::ifstream in(options.password_file);
  std::string password;
  if (!in || (!std::getline(in, password) && in.bad())) {
    throw Error(ErrorKind::kConfig, "cannot read the password file", options.password_file);
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

fs::path cache_home(const Env& env) {
  if (auto it = env.find("XDG_CACHE_HOME"); it != env.end() && !it->second.empty()) {
    return it->second;
  }
  auto home = env.find("HOME");
  return home == env.end() ? fs::path(".cache") : fs::path(home->second) / ".cache";
}

// --shard (flag, env or TOML) wins; else a Slurm array or a Kubernetes Indexed Job.
Shard choose_shard(const Options& options, const Args& args, const Env& env) {
  Shard shard;
  if (!options.shard.empty()) {
    std::tie(shard.index, shard.count) = parse_shard(options.shard);
    shard.why = "run.shard / --shard";
    return shard;
  }
  if (auto task = env_int(env, "SLURM_ARRAY_TASK_ID")) {
    const auto count = env_int(env, "SLURM_ARRAY_TASK_COUNT");
    const auto min = env_int(env, "SLURM_ARRAY_TASK_MIN");
    const auto max = env_int(env, "SLURM_ARRAY_TASK_MAX");
    if (!count && !(min && max)) {
      throw Error(ErrorKind::kConfig,
                  "SLURM_ARRAY_TASK_ID is set without SLURM_ARRAY_TASK_COUNT or SLURM_ARRAY_TASK_MIN/MAX: "
                  "pass --shard K/N");
    }
    shard.index = *task - min.value_or(0);
    shard.count = count ? *count : *max - *min + 1;
    if (shard.count < 1 || shard.index < 0 || shard.index >= shard.count) {
      throw Error(ErrorKind::kConfig,
                  fmt::format("cannot derive a shard from Slurm array task {} (stepped or sparse "
                              "--array?): pass --shard K/N",
                              *task));
    }
    shard.why = fmt::format("Slurm array task {} of {}", *task, shard.count);
    return shard;
  }
  if (auto index = env_int(env, "JOB_COMPLETION_INDEX")) {
    int count = args.shard_count;
    if (count == 0) count = env_int(env, kShardCountEnv).value_or(0);
    if (count < 1) {
      throw Error(ErrorKind::kConfig, fmt::format("JOB_COMPLETION_INDEX is set but the shard count is unknown: "
                                                  "pass --shard-count N or set {} (the Job's completions)",
                                                  kShardCountEnv));
    }
    if (*index < 0 || *index >= count) {
      throw Error(ErrorKind::kConfig,
                  fmt::format("JOB_COMPLETION_INDEX = {} is outside 0..{}", *index, count - 1));
    }
    shard.index = *index;
    shard.count = count;
    shard.why = fmt::format("Kubernetes Indexed Job, JOB_COMPLETION_INDEX = {}", *index);
    return shard;
  }
  return shard;
}

}  // namespace deepcompress::cli
