// Merging the layers (defaults < TOML < env < flags) and writing TOML back.
#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "config/option_table.hpp"
#include "deepcompress/config.hpp"
#include "deepcompress/error.hpp"

namespace deepcompress {
namespace {

constexpr const char* kCompatBatchSizeEnv = "OCR_BATCH_SIZE";  // the old Python tool's name

std::string section_of(std::string_view key) { return std::string(key.substr(0, key.find('.'))); }

// Text of a TOML value in the form set_option accepts. Strings given for
// non-string options keep their quotes so they fail with the usual message.
std::string node_text(const toml::node& node, const config::Spec* spec) {
  if (const auto* s = node.as_string()) {
    bool is_string_option = spec != nullptr && std::holds_alternative<std::string Options::*>(spec->field);
    bool is_zero_word = spec != nullptr && !spec->zero_word.empty() && s->get() == spec->zero_word;
    return is_string_option || is_zero_word ? s->get() : fmt::format("\"{}\"", s->get());
  }
  if (const auto* d = node.as_floating_point()) return config::format_double(d->get());
  return node.visit([](const auto& value) {
    std::ostringstream out;
    out << value;
    return out.str();
  });
}

void apply_toml(Options& options, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error(ErrorKind::kConfig, "cannot read config file: no such file", path);
  }
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw Error(ErrorKind::kConfig, fmt::format("{}:{}:{}: invalid TOML: {}", path, e.source().begin.line,
                                                e.source().begin.column, e.description()));
  }
  for (auto&& [section_name, section_node] : root) {
    std::string section(section_name.str());
    auto origin = [&](const toml::node& n) { return fmt::format("{}:{}", path, n.source().begin.line); };
    const toml::table* table = section_node.as_table();
    if (table == nullptr) {
      throw Error(ErrorKind::kConfig, config::unknown_key_message(section, origin(section_node)));
    }
    for (auto&& [name, node] : *table) {
      std::string key = fmt::format("{}.{}", section, name.str());
      const config::Spec* spec = config::find_spec(key);
      if (spec == nullptr) {
        throw Error(ErrorKind::kConfig, config::unknown_key_message(key, origin(node)));
      }
      set_option(options, key, node_text(node, spec), origin(node));
    }
  }
}

void apply_env(Options& options, const std::map<std::string, std::string>& env) {
  const auto& table = option_table();
  if (auto it = env.find(kCompatBatchSizeEnv); it != env.end()) {
    set_option(options, "engine.batch_size", it->second, fmt::format("env {}", kCompatBatchSizeEnv));
  }
  std::set<std::string> sections;
  for (const OptionInfo& info : table) {
    sections.insert(config::env_name(section_of(info.key)) + "_");
    if (auto it = env.find(info.env); it != env.end()) {
      set_option(options, info.key, it->second, fmt::format("env {}", info.env));
    }
  }
  // A name "looks like ours" when it is under one of our sections or a typo of
  // an option's name; DEEPCOMPRESS_CONFIG, DEEPCOMPRESS_PDF_PASSWORD and
  // test-harness variables are neither.
  for (const auto& entry : env) {
    const std::string& name = entry.first;  // not a structured binding: clang 14 cannot capture those
    if (!name.starts_with("DEEPCOMPRESS_")) continue;
    bool known =
        std::any_of(table.begin(), table.end(), [&](const OptionInfo& info) { return info.env == name; });
    if (known) continue;
    bool ours = std::any_of(sections.begin(), sections.end(),
                            [&](const std::string& s) { return name.starts_with(s); });
    const config::Spec* near = config::near_env_spec(name);
    if (ours || near != nullptr) {
      std::string hint = near != nullptr ? fmt::format("; did you mean {}?", config::env_name(near->key))
                                         : std::string("; see --print-config for the keys");
      throw Error(ErrorKind::kConfig, fmt::format("unknown environment variable {} (no such option{})", name, hint));
    }
  }
}

void apply_flags(Options& options, const std::vector<std::pair<std::string, std::string>>& flags) {
  for (const auto& [key, value] : flags) {
    const config::Spec* spec = config::find_spec(key);
    std::string origin =
        spec != nullptr && !spec->flag.empty() ? fmt::format("flag {}", spec->flag) : std::string("flag");
    set_option(options, key, value, origin);
  }
}

std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04X}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

Options load_options(const ConfigSources& sources) {
  Options options;
  if (!sources.toml_path.empty()) apply_toml(options, sources.toml_path);
  apply_env(options, sources.env);
  apply_flags(options, sources.flags);
  // Every value was range-checked by set_option as it was applied; there are
  // no cross-option rules yet.
  return options;
}

std::string to_toml(const Options& options) {
  std::string out =
      "# deepcompress configuration (print the current one with `deepcompress --print-config`).\n"
      "# Precedence: built-in defaults < this file < environment < command-line flags.\n"
      "# Each key can also be set as DEEPCOMPRESS_<SECTION>_<KEY>, e.g.\n"
      "# DEEPCOMPRESS_ENGINE_BATCH_SIZE=16; flags are listed by `deepcompress --help`.\n";
  std::string section;
  for (const OptionInfo& info : option_table()) {
    std::string this_section = section_of(info.key);
    if (this_section != section) {
      section = this_section;
      out += fmt::format("\n[{}]\n", section);
    }
    std::string value = get_option(options, info.key);
    // Strings, and words standing for a number ("auto"), are TOML strings.
    const bool numeric = info.value_kind != "string" && value.find_first_not_of("0123456789.-+e") == std::string::npos;
    if (info.value_kind == "string" || (info.value_kind == "int" && !numeric)) value = toml_string(value);
    out += fmt::format("# {}\n{} = {}\n", info.help, info.key.substr(section.size() + 1), value);
  }
  return out;
}

}  // namespace deepcompress
