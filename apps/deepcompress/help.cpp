#include "help.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <vector>

namespace deepcompress::cli {
namespace {

constexpr std::size_t kWidth = 80;
constexpr std::size_t kDescColumn = 26;  // descriptions start here; longer names put them on the next line

// text wrapped at spaces into lines of at most width characters (a word
// longer than width stays whole on its own line).
std::vector<std::string> wrap(std::string_view text, std::size_t width) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream words{std::string(text)};
  for (std::string word; words >> word;) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(std::move(line));
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

std::string option_name(const CLI::Option& opt) {
  if (!opt.nonpositional()) return opt.get_name() + (opt.get_items_expected_max() > 1 ? "..." : "");
  std::string names;
  for (const auto& s : opt.get_snames()) names += (names.empty() ? "-" : ", -") + s;
  for (const auto& l : opt.get_lnames()) names += (names.empty() ? "--" : ", --") + l;
  if (opt.get_type_size_max() > 0) {  // the value's name, without CLI11's validator text ("INT:INT in [...]")
    const std::string type = opt.get_type_name();
    names += " " + type.substr(0, type.find(':'));
  }
  return names;
}

std::string option_entry(const CLI::Option& opt) {
  std::string description = opt.get_description();
  if (!opt.get_default_str().empty()) description += fmt::format(" (default {})", opt.get_default_str());
  const std::string name = "  " + option_name(opt);
  std::string out = name;
  const std::vector<std::string> lines = wrap(description, kWidth - kDescColumn);
  std::size_t first = 0;
  if (name.size() + 2 <= kDescColumn && !lines.empty()) {
    out += std::string(kDescColumn - name.size(), ' ') + lines[0];
    first = 1;
  }
  out += "\n";
  for (std::size_t i = first; i < lines.size(); ++i) out += std::string(kDescColumn, ' ') + lines[i] + "\n";
  return out;
}

// Edit distance counting an insertion, deletion, substitution or swap of two
// neighbours as one edit (optimal string alignment).
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] =
          std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string format_help(const CLI::App& app, std::string_view intro, std::string_view footer) {
  std::vector<std::string> groups;
  const auto options = app.get_options();
  for (const CLI::Option* opt : options) {
    if (opt->get_group().empty()) continue;  // hidden
    if (std::find(groups.begin(), groups.end(), opt->get_group()) == groups.end()) {
      groups.push_back(opt->get_group());
    }
  }
  std::string out(intro);
  for (const auto& group : groups) {
    out += "\n" + group + ":\n";
    for (const CLI::Option* opt : options) {
      if (opt->get_group() == group) out += option_entry(*opt);
    }
  }
  out += "\n";
  out += footer;
  if (!out.empty() && out.back() != '\n') out += "\n";
  return out;
}

std::string did_you_mean(const CLI::App& app, std::string_view unknown) {
  if (!unknown.starts_with("--")) return {};
  unknown = unknown.substr(
      2, unknown.find('=') == std::string_view::npos ? std::string_view::npos : unknown.find('=') - 2);
  std::string best;
  // A likely typo: one edit, or two in a name of 6 or more characters.
  std::size_t best_distance = unknown.size() >= 6 ? 3 : 2;
  for (const CLI::Option* opt : app.get_options()) {
    for (const auto& name : opt->get_lnames()) {
      const std::size_t d = distance(unknown, name);
      if (d < best_distance) {
        best_distance = d;
        best = name;
      }
    }
  }
  return best.empty() ? std::string() : fmt::format("; did you mean --{}?", best);
}

}  // namespace deepcompress::cli
