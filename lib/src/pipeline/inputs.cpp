#include "pipeline/inputs.hpp"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <map>
#include <set>

#include "common/sha256.hpp"
#include "deepcompress/error.hpp"

namespace deepcompress {
namespace {

namespace fs = std::filesystem;

// A path with root, ".", ".." and empty components dropped: it can only name
// something below the directory it is joined to.
fs::path confined(const fs::path& path) {
  fs::path out;
  for (const auto& part : path.lexically_normal().relative_path()) {
    const std::string text = part.string();
    if (text.empty() || text == "." || text == "..") continue;
    out /= part;
  }
  return out;
}

// The directory argument without a trailing separator ("scans/" -> "scans").
fs::path directory_root(const std::string& arg) {
  fs::path root = fs::path(arg).lexically_normal();
  if (!root.has_filename() && root.has_relative_path()) root = root.parent_path();
  return root;
}

std::string trim(std::string_view s) {
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

// Paths of a list: one per line, blank lines and '#' comments ignored.
std::vector<std::string> list_paths(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines) {
    std::string path = trim(line);
    if (path.empty() || path.front() == '#') continue;
    out.push_back(std::move(path));
  }
  return out;
}

std::vector<std::string> read_list_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorKind::kConfig, "cannot read the input list", path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  if (in.bad()) throw Error(ErrorKind::kConfig, "cannot read the input list", path);
  return lines;
}

struct Candidate {
  fs::path path;
  fs::path dir_arg;  // empty: named directly
  fs::path inside;   // path relative to dir_arg (directory candidates only)
  std::string error;
};

class Expander {
 public:
  Expander(std::string_view glob, ExpandedInputs& out) : glob_(glob), out_(out) {}

  void add_arg(const std::string& arg) {
    std::error_code ec;
    const fs::file_status status = fs::status(arg, ec);
    if (fs::is_directory(status)) {
      add_directory(arg);
    } else if (!fs::exists(status)) {
      add({arg, {}, {}, fmt::format("{}: no such file", arg)});
    } else {
      add({arg, {}, {}, {}});
    }
  }

 private:
  void add_directory(const std::string& arg) {
    const fs::path root = directory_root(arg);
    std::vector<fs::path> found;
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    const fs::recursive_directory_iterator end;
    for (; !ec && it != end; it.increment(ec)) {
      std::error_code entry_ec;
      // Follows file symlinks; directory symlinks are listed but not entered.
      if (!it->is_regular_file(entry_ec) || !has_document_extension(it->path())) continue;
      const std::string name = it->path().filename().string();
      if (!glob_.empty() && ::fnmatch(glob_.c_str(), name.c_str(), 0) != 0) continue;
      found.push_back(it->path());
    }
    if (ec) out_.warnings.push_back(fmt::format("{}: cannot list all files: {}", arg, ec.message()));
    if (found.empty()) {
      out_.empty.push_back(
          glob_.empty() ? fmt::format("no inputs found under {} (no PDF, PNG, JPEG or TIFF file)", arg)
                        : fmt::format("no inputs found under {} (no file matching --glob '{}')", arg, glob_));
    }
    std::sort(found.begin(), found.end());
    for (const auto& path : found) add({path, root, path.lexically_relative(root), {}});
  }

  void add(Candidate candidate) {
    // Same file twice (another spelling, a symlink, an overlapping directory): keep the first.
    std::error_code ec;
    fs::path identity = fs::weakly_canonical(candidate.path, ec);
    if (ec) identity = fs::absolute(candidate.path, ec).lexically_normal();
    if (!seen_.insert(identity.string()).second) {
      out_.warnings.push_back(fmt::format("{}: given more than once; processed once", candidate.path.string()));
      out_.skipped.push_back(candidate.path.string());
      return;
    }
    candidates_.push_back(std::move(candidate));
  }

  std::string glob_;
  ExpandedInputs& out_;
  std::set<std::string> seen_;

 public:
  std::vector<Candidate> candidates_;
};

fs::path base_of(const Candidate& c, bool keep_extension) {
  if (c.dir_arg.empty()) return output_base_for(c.path, {}, keep_extension);
  return output_base_for(c.dir_arg / c.inside, c.dir_arg, keep_extension);
}

}  // namespace

bool has_document_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".pdf" || ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".tif" || ext == ".tiff";
}

fs::path output_base_for(const fs::path& file, const fs::path& dir_arg, bool keep_extension) {
  fs::path base;
  if (dir_arg.empty()) {
    base = file.is_absolute() ? file.filename() : confined(file);
  } else {
    const fs::path root = directory_root(dir_arg.string());
    const fs::path last = confined(root.filename());
    base = last / confined(file.lexically_normal().lexically_relative(root.lexically_normal()));
  }
  base = confined(base);
  if (base.empty()) base = confined(file.filename());
  if (base.empty()) base = "unnamed";
  // "..pdf" has stem "." in std::filesystem: keep such names whole.
  const std::string stem = base.stem().string();
  if (!keep_extension && !stem.empty() && stem != "." && stem != "..") base.replace_extension();
  return base;
}

ExpandedInputs expand_inputs(const std::vector<std::string>& args, std::string_view glob,
                             const std::vector<std::string>& stdin_lines) {
  ExpandedInputs out;
  Expander expander(glob, out);
  for (const auto& arg : args) {
    if (arg == "-") {
      const auto paths = list_paths(stdin_lines);
      if (paths.empty()) out.empty.push_back("no inputs found on stdin (-: one path per line)");
      for (const auto& path : paths) expander.add_arg(path);
    } else if (arg.size() > 1 && arg.front() == '@') {
      const auto paths = list_paths(read_list_file(arg.substr(1)));
      if (paths.empty()) out.empty.push_back(fmt::format("no inputs found in the list {}", arg.substr(1)));
      for (const auto& path : paths) expander.add_arg(path);
    } else {
      expander.add_arg(arg);
    }
  }

  // Inputs whose short output names collide keep their extensions; repeat
  // until stable, since "x.pdf" kept whole can then meet a "x.pdf.png".
  auto& candidates = expander.candidates_;
  std::vector<bool> keep(candidates.size(), false);
  for (bool changed = true; changed;) {
    changed = false;
    std::map<std::string, std::vector<std::size_t>> by_base;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (!candidates[i].error.empty()) continue;
      by_base[base_of(candidates[i], keep[i]).generic_string()].push_back(i);
    }
    for (const auto& [base, indices] : by_base) {
      if (indices.size() < 2) continue;
      bool all_kept = true;
      for (std::size_t i : indices) {
        if (!keep[i]) {
          keep[i] = true;
          changed = true;
          all_kept = false;
        }
      }
      if (all_kept) {
        throw Error(ErrorKind::kConfig,
                    fmt::format("{} and {} would both be written to <output dir>/{}.*; rename one or give "
                                "them in separate runs",
                                candidates[indices[0]].path.string(), candidates[indices[1]].path.string(), base));
      }
    }
  }
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    out.files.push_back({candidates[i].path, base_of(candidates[i], keep[i]), candidates[i].error});
  }
  return out;
}

int shard_of(const fs::path& output_base, int n_shards) {
  if (n_shards <= 1) return 0;
  const std::string digest = sha256_hex(output_base.generic_string());
  std::uint64_t value = 0;
  std::from_chars(digest.data(), digest.data() + 16, value, 16);
  return static_cast<int>(value % static_cast<std::uint64_t>(n_shards));
}

std::pair<int, int> parse_shard(std::string_view spec) {
  const auto slash = spec.find('/');
  int k = -1;
  int n = 0;
  const auto number = [](std::string_view t, int& v) {
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return !t.empty() && ec == std::errc() && end == t.data() + t.size();
  };
  if (slash == std::string_view::npos || !number(spec.substr(0, slash), k) || !number(spec.substr(slash + 1), n) ||
      n < 1 || k < 0 || k >= n) {
    throw Error(ErrorKind::kConfig, fmt::format("shard '{}' must be K/N with 0 <= K < N, e.g. 0/4", spec));
  }
  return {k, n};
}

}  // namespace deepcompress
