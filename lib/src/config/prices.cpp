#include "config/prices.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <initializer_list>
#include <string_view>

#include "deepcompress/error.hpp"

namespace deepcompress {
namespace {

// Reads one table of the file, naming the file, line and model in every error.
class Reader {
 public:
  Reader(const std::string& path, const toml::table& table, std::string where)
      : path_(path), table_(table), where_(std::move(where)) {}

  [[noreturn]] void fail(const toml::node& at, std::string_view what) const {
    // The top-level table has no line of its own.
    const bool top_level = &at == &table_ && where_.empty();
    const std::string place =
        top_level ? "price table" : fmt::format("price table, line {}", at.source().begin.line);
    throw Error(ErrorKind::kConfig, fmt::format("{}{}: {}", place, where_, what), path_);
  }

  // Every key of the table must be one of these.
  void only(std::initializer_list<std::string_view> keys) const {
    for (auto&& [key, node] : table_) {
      if (std::find(keys.begin(), keys.end(), key.str()) == keys.end()) {
        fail(node, fmt::format("unknown key '{}' (expected one of: {})", key.str(), fmt::join(keys, ", ")));
      }
    }
  }

  const toml::node& need(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) fail(table_, fmt::format("missing key '{}'", key));
    return *node;
  }

  std::string text(std::string_view key) const {
    const toml::node& node = need(key);
    const auto* s = node.as_string();
    if (s == nullptr || s->get().empty()) fail(node, fmt::format("'{}' must be a non-empty string", key));
    return s->get();
  }

  double number(std::string_view key) const {
    const toml::node& node = need(key);
    double value = -1;
    if (const auto* d = node.as_floating_point()) value = d->get();
    if (const auto* i = node.as_integer()) value = static_cast<double>(i->get());
    if (!(value >= 0) || value > 1e9) fail(node, fmt::format("'{}' must be a number >= 0", key));
    return value;
  }

  int integer(std::string_view key, int lo) const {
    const toml::node& node = need(key);
    const auto* i = node.as_integer();
    if (i == nullptr || i->get() < lo || i->get() > INT_MAX) {
      fail(node, fmt::format("'{}' must be an integer >= {}", key, lo));
    }
    return static_cast<int>(i->get());
  }

  const std::string& path() const { return path_; }

 private:
  const std::string& path_;
  const toml::table& table_;
  std::string where_;
};

ImageTokenFormula read_image(const Reader& model, const std::string& where) {
  const toml::node& node = model.need("image");
  const toml::table* table = node.as_table();
  if (table == nullptr) model.fail(node, "'image' must be a table such as { kind = \"tiles\", ... }");
  const Reader r(model.path(), *table, where + ", image");
  ImageTokenFormula f;
  const std::string kind = r.text("kind");
  if (kind == "tiles") {
    r.only({"kind", "fit_px", "short_side_px", "tile_px", "base_tokens", "tile_tokens"});
    f.kind = ImageTokenFormula::Kind::kTiles;
    f.fit_px = r.integer("fit_px", 1);
    f.short_side_px = r.integer("short_side_px", 1);
    f.tile_px = r.integer("tile_px", 1);
    f.base_tokens = r.integer("base_tokens", 0);
    f.tile_tokens = r.integer("tile_tokens", 0);
  } else if (kind == "pixels") {
    r.only({"kind", "long_side_px", "max_tokens", "px_per_token"});
    f.kind = ImageTokenFormula::Kind::kPixels;
    f.long_side_px = r.integer("long_side_px", 1);
    f.max_tokens = r.integer("max_tokens", 1);
    f.px_per_token = r.integer("px_per_token", 1);
  } else {
    r.fail(*table->get("kind"), fmt::format("kind \"{}\" must be \"tiles\" or \"pixels\"", kind));
  }
  return f;
}

}  // namespace

PriceTable load_price_table(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error(ErrorKind::kConfig, "cannot read the price table: no such file", path);
  }
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw Error(ErrorKind::kConfig,
                fmt::format("price table, line {}, column {}: invalid TOML: {}", e.source().begin.line,
                            e.source().begin.column, e.description()),
                path);
  }
  const Reader top(path, root, "");
  top.only({"as_of", "model"});
  PriceTable out;
  out.as_of = top.text("as_of");
  const toml::node& models = top.need("model");
  const toml::array* list = models.as_array();
  if (list == nullptr || list->empty()) {
    top.fail(models, "'model' must be a list of [[model]] tables, at least one");
  }
  for (const toml::node& node : *list) {
    const toml::table* table = node.as_table();
    if (table == nullptr) top.fail(node, "each 'model' must be a [[model]] table");
    const Reader first(path, *table, fmt::format(", model {}", out.models.size() + 1));
    const std::string name = first.text("name");
    const std::string where = fmt::format(", model \"{}\"", name);
    const Reader r(path, *table, where);
    r.only({"name", "source", "usd_per_1m_input_tokens", "image"});
    if (table->contains("source")) r.text("source");
    if (std::any_of(out.models.begin(), out.models.end(),
                    [&](const ModelPrice& m) { return m.name == name; })) {
      r.fail(*table->get("name"), "model named twice");
    }
    ModelPrice& m = out.models.emplace_back();
    m.name = name;
    m.usd_per_1m_input_tokens = r.number("usd_per_1m_input_tokens");
    m.image = read_image(r, where);
  }
  return out;
}

}  // namespace deepcompress
